"""pip's HTTP and wheel cache (cache only: never in the image). Makes a changed rebuild fetch and
build only what changed. Keyed on the target, the Python version and pip's version: wheels built
for another Python or platform are no use, and without a key the cache grows across versions."""
import os
from typing import NamedTuple

from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes
from ..reuse import against_previous, plain_reasons
from . import Result, StepContext

NAME = "pip-cache"
TYPES = LayerTypes(cache=True)


class Metadata(NamedTuple):
    """What the cache is keyed on (its [metadata])."""
    target: str
    python_version: str
    pip_version: str


reasons = plain_reasons  # every way a previous build's Metadata differs, a phrase per field


def env(layers_dir: str) -> LayerEnv:
    """pip's cache directory, for this build's pip runs (a cache-only layer reaches no one else)."""
    return LayerEnv().override("PIP_CACHE_DIR", os.path.join(layers_dir, NAME), Scope.THIS_BUILD)


def run(step: StepContext) -> Result:
    """Keep the cache for an app with dependencies, emptied first when its key changed."""
    if step.project.installer is None:
        return Result(env=env(step.layers_dir))
    assert step.python is not None
    layer = step.layer(NAME)
    wanted = Metadata(step.target, step.python.version, step.choice.toolset.versions()["pip"])
    decision = against_previous(layer, wanted, reasons)
    if decision.reasons:
        step.log.info("Starting a new pip cache: {}".format(decision.reason))
        layer.reset()
    layer.commit(TYPES, wanted._asdict())
    return Result(NAME, decision.reasons, env(step.layers_dir))
