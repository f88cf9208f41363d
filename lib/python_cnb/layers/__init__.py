"""One module per layer. Each decides reuse-or-rebuild from its metadata, with a reason the log
prints, and writes its TOML only once its contents are complete (cnb.layers.Layer.commit)."""
from typing import Any, Dict, NamedTuple


class Decision(NamedTuple):
    reuse: bool
    reason: str  # why: "requirements.txt changed", "Python 3.12.1 unchanged", ...


def compare(previous: Dict[str, Any], wanted: Dict[str, Any], describe) -> Decision:
    """Reuse when the keyed metadata is unchanged; otherwise name the first difference using
    describe(key, old, new) -> str."""
    if not previous:
        return Decision(False, "")
    for key in wanted:
        if previous.get(key) != wanted[key]:
            return Decision(False, describe(key, previous.get(key), wanted[key]))
    return Decision(True, "")
