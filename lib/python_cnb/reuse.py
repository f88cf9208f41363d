"""Whether a layer of the previous build is reused: its [metadata] read back into the layer's typed
Metadata (from_toml), compared field by field with what this build wants (changed, reasons), and
the Decision that results, with every reason in words."""
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Type, TypeVar, Union

from .cnb.layers import Layer, kind, type_name


class Decision(NamedTuple):
    """Reuse a layer, or rebuild it for every reason given (in words: "requirements.txt changed");
    a rebuild with no reason is a first build."""
    reuse: bool
    reasons: Tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The reasons as one line for the log ("" for a first build)."""
        return "; ".join(self.reasons)


def rebuild(reason: str) -> Decision:
    return Decision(False, (reason,))


M = TypeVar("M", bound=Tuple[Any, ...])  # a layer's Metadata (a NamedTuple)


def metadata_problem(cls: Type[M], table: Mapping[str, Any]) -> str:
    """How a previous build's [metadata] differs from what cls holds: fields missing, fields this
    version does not write, values of another type ("" when it is cls's exactly). A field with a
    default may be missing: an older version did not write it, and the default stands for it."""
    types: Dict[str, Any] = cls.__annotations__
    if not table:
        return "it has no [metadata]"
    optional = getattr(cls, "_field_defaults", {})
    missing = [name for name in types if name not in table and name not in optional]
    unknown = sorted(name for name in table if name not in types)
    found = ["{} {} missing".format(_listed(missing), "is" if len(missing) == 1 else "are")] if missing else []
    found += ["{} {} not expected".format(_listed(unknown), "is" if len(unknown) == 1 else "are")] if unknown else []
    found += [p for p in (_type_problem(name, table[name], types[name]) for name in types if name in table) if p]
    return "; ".join(found)


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else "{} and {}".format(", ".join(names[:-1]), names[-1])


def _type_problem(name: str, value: Any, expected: Any) -> str:
    """How value is not of the field's type: str, Dict[str, str] or List[str] ("" when it is)."""
    origin = getattr(expected, "__origin__", None)
    args: Tuple[Any, ...] = getattr(expected, "__args__", None) or ()
    container, item = (dict, args[1]) if origin in (dict, Dict) else (list, args[0]) if origin in (list, List) \
        else (expected, None)
    if type(value) is not container:
        return "{} is {}, not {}".format(name, kind(value), type_name(container))
    items = list(value.items()) if container is dict else list(enumerate(value)) if item is not None else []
    for key, member in items:
        if type(member) is not item:
            return "{}.{} is {}, not {}".format(name, key, kind(member), type_name(item))
    return ""


def from_toml(cls: Type[M], table: Mapping[str, Any]) -> Optional[M]:
    """A layer's Metadata (cls) from the previous build's [metadata], or None when it is not what
    this version writes."""
    return None if metadata_problem(cls, table) else cls(**table)  # type: ignore[call-arg]


def changed(old: M, new: M) -> List[Tuple[str, Any, Any]]:
    """(field, old value, new value) of each field that differs, in the fields' order."""
    return [(name, a, b) for name, a, b in zip(type(new).__annotations__, old, new) if a != b]


def plain_reasons(old: M, new: M) -> List[str]:
    """A phrase per changed field, "python version changed (3.11.7 -> 3.12.1)": for a key of plain values."""
    return ["{} changed ({} -> {})".format(name.replace("_", " "), a, b) for name, a, b in changed(old, new)]


def previous(layer: Layer, cls: Type[M]) -> Union[M, str]:
    """The previous build's metadata of layer as cls, or why there is none to trust ("" for a
    first build)."""
    found = layer.previous_metadata()
    if found.problem or not found.found:
        return found.problem
    problem = metadata_problem(cls, found)
    if problem:
        return "{} is not what this buildpack writes ({})".format(found.file, problem)
    return cls(**found)  # type: ignore[call-arg]


def against_previous(layer: Layer, wanted: M, reasons: Callable[[M, M], List[str]]) -> Decision:
    """Reuse when the previous build's metadata, read as wanted's type, is wanted; else a rebuild
    with every reason (none for a first build). Metadata that cannot be read or is not what this
    version writes is a rebuild with that reason alone."""
    old = previous(layer, type(wanted))
    if isinstance(old, str):
        return rebuild(old) if old else Decision(False)
    found = reasons(old, wanted)
    return Decision(not found, tuple(found))
