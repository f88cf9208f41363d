"""pip's HTTP and wheel cache (cache only: never in the image). Makes a changed rebuild fetch and
build only what changed. Keyed on the target, the Python version and pip's version: wheels built
for another Python or platform are no use, and without a key the cache grows across versions."""
import os
from typing import Any, List, Mapping, NamedTuple

from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes
from . import StepContext, compare

NAME = "pip-cache"
TYPES = LayerTypes(cache=True)


class Metadata(NamedTuple):
    """What the cache is keyed on (its [metadata])."""
    target: str
    python_version: str
    pip_version: str


def _describe(key: str, old: Any, new: Any) -> str:
    return "{} changed ({} -> {})".format(key.replace("_", " "), old, new)


def reasons(previous: Mapping[str, Any], wanted: Metadata) -> List[str]:
    """Every way previous differs from wanted, in words ([] when they match or there is none)."""
    return list(compare(previous, wanted._asdict(), _describe).reasons)


def env(layers_dir: str) -> LayerEnv:
    """pip's cache directory, for this build's pip runs (a cache-only layer reaches no one else)."""
    return LayerEnv().override("PIP_CACHE_DIR", os.path.join(layers_dir, NAME), Scope.THIS_BUILD)


def run(step: StepContext, pip_version: str) -> None:
    """Keep the cache, emptied first when its key changed."""
    assert step.python is not None
    layer = step.layer(NAME)
    wanted = Metadata(step.target, step.python.version, pip_version)
    found = reasons(layer.previous_metadata(), wanted)
    if found:
        step.log.info("Starting a new pip cache: {}".format("; ".join(found)))
        layer.reset()
    layer.commit(TYPES, wanted._asdict())
