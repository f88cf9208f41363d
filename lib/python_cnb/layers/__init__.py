"""One module per layer. Each decides reuse-or-rebuild from its metadata, with a reason the log
prints, and writes its TOML only once its contents are complete (cnb.layers.Layer.commit)."""
from typing import Any, Callable, Dict, Mapping, NamedTuple

from ..cnb.layers import kind


class Decision(NamedTuple):
    reuse: bool
    reason: str  # why: "requirements.txt changed", "Python 3.12.1 unchanged", ...


def compare(previous: Mapping[str, Any], wanted: Dict[str, Any],
            describe: Callable[[str, Any, Any], str]) -> Decision:
    """Reuse when the keyed metadata is unchanged; otherwise name the first difference using
    describe(key, old, new) -> str. Metadata that could not be read, or whose values are not of
    the types this buildpack writes, is a rebuild with that reason."""
    problem = getattr(previous, "problem", "")
    if problem:
        return Decision(False, problem)
    if not previous:
        return Decision(False, "")
    for key in wanted:
        old = previous.get(key)
        problem = "" if old is None else shape_problem(key, old, wanted[key])
        if problem:
            return Decision(False, "{} is not what this buildpack writes ({})".format(
                getattr(previous, "file", "the layer's TOML"), problem))
        if old != wanted[key]:
            return Decision(False, describe(key, old, wanted[key]))
    return Decision(True, "")


def shape_problem(key: str, old: Any, new: Any) -> str:
    """How old differs in type from new (for a table, its values from new's), or ""."""
    if type(old) is not type(new):
        return "{} is {}, not {}".format(key, kind(old), kind(new))
    if isinstance(new, dict):
        expected = next(iter(new.values()), "")
        for name, value in old.items():
            if type(value) is not type(expected):
                return "{}.{} is {}, not {}".format(key, name, kind(value), kind(expected))
    return ""
