"""One module per layer, each the same shape: NAME and TYPES; its metadata as a typed value
(Metadata); reasons(old, new), every way a previous build's metadata differs, in words; env(...),
its environment as data (cnb.env.LayerEnv: applied to this build and written as its env files);
and run(step, ...), the step itself, which writes the layer's TOML only once its contents are
complete (cnb.layers.Layer.commit). The steps get what they share in one StepContext."""
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from ..cnb.env import LayerEnv
from ..cnb.layers import Layer, kind
from ..download import Downloader
from ..log import Log
from ..runner import Runner


class Decision:
    """Reuse a layer, or rebuild it for every reason given (in words: "requirements.txt changed");
    a rebuild with no reason is a first build. One reason may be given as a string."""
    __slots__ = ("reuse", "reasons")

    def __init__(self, reuse: bool, reasons: Union[str, Sequence[str]] = ()) -> None:
        self.reuse = reuse
        self.reasons: Tuple[str, ...] = ((reasons,) if reasons else ()) if isinstance(reasons, str) else tuple(reasons)

    @property
    def reason(self) -> str:
        """The reasons as one line for the log ("" for a first build)."""
        return "; ".join(self.reasons)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and (self.reuse, self.reasons) == (other.reuse, other.reasons)

    def __repr__(self) -> str:
        return "Decision(reuse={!r}, reasons={!r})".format(self.reuse, self.reasons)


def rebuild(reason: str) -> Decision:
    return Decision(False, reason)


def compare(previous: Mapping[str, Any], wanted: Mapping[str, Any],
            describe: Callable[[str, Any, Any], str]) -> Decision:
    """Reuse when the keyed metadata is unchanged; otherwise every difference, each named by
    describe(key, old, new). Metadata that could not be read, or whose values are not of the
    types this buildpack writes, is a rebuild with that reason alone."""
    problem = getattr(previous, "problem", "")
    if problem:
        return rebuild(problem)
    if not previous:
        return Decision(False)
    found = []
    for key in wanted:
        old = previous.get(key)
        problem = "" if old is None else shape_problem(key, old, wanted[key])
        if problem:
            return rebuild("{} is not what this buildpack writes ({})".format(
                getattr(previous, "file", "the layer's TOML"), problem))
        if old != wanted[key]:
            found.append(describe(key, old, wanted[key]))
    return Decision(not found, tuple(found))


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


class Python(NamedTuple):
    """The runtime the steps after the runtime's run tools with."""
    path: str                  # bin/python3 in the runtime layer
    version: str               # "3.12.1"
    release: Tuple[int, ...]   # (3, 12, 1)


class StepContext(NamedTuple):
    """What every layer step needs, travelling together: where layers go, the app, the target
    that keys them, the environment tools run with, and the injected runner, log and downloader
    (fakes in the layer unit tests)."""
    layers_dir: str
    app_dir: str
    target: str                # "debian-12/amd64"
    env: Dict[str, str]
    runner: Runner
    log: Log
    downloader: Downloader
    python: Optional[Python] = None  # once the runtime step has run
    buildpack_version: str = ""      # for the SBOMs

    def layer(self, name: str) -> Layer:
        return Layer(self.layers_dir, name)

    def with_env(self, *envs: LayerEnv) -> "StepContext":
        """The context the next steps run in: each layer's env applied, in order."""
        env = self.env
        for layer_env in envs:
            env = layer_env.apply(env)
        return self._replace(env=env)
