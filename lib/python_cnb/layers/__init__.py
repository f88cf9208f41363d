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
        if old is not None and not same_shape(old, wanted[key]):
            return Decision(False, "{} is not what this buildpack writes ({} is {}, not {})".format(
                getattr(previous, "file", "the layer's TOML"), key, kind(old), kind(wanted[key])))
        if old != wanted[key]:
            return Decision(False, describe(key, old, wanted[key]))
    return Decision(True, "")


def same_shape(old: Any, new: Any) -> bool:
    """Whether old has new's type, and for a table, whether its values have the type of new's."""
    if type(old) is not type(new):
        return False
    if isinstance(new, dict):
        types = {type(v) for v in new.values()} or {str}
        return all(isinstance(k, str) and type(v) in types for k, v in old.items())
    return True
