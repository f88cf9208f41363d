"""pip's HTTP and wheel cache (cache only: never in the image). Makes a changed rebuild fetch and
build only what changed. Keyed on the target, the Python version and pip's version: wheels built
for another Python or platform are no use, and without a key the cache grows across versions."""
from typing import Dict

from ..cnb.layers import Layer, LayerTypes
from ..log import Log
from . import compare

NAME = "pip-cache"
TYPES = LayerTypes(cache=True)


def key(target: str, python_version: str, pip_version: str) -> Dict[str, str]:
    return {"target": target, "python_version": python_version, "pip_version": pip_version}


def keep(layer: Layer, wanted: Dict[str, str], log: Log) -> str:
    """The cache's directory, emptied first when its key changed."""
    decision = compare(layer.previous_metadata(), wanted,
                       lambda name, old, new: "{} changed ({} -> {})".format(name.replace("_", " "), old, new))
    if not decision.reuse and decision.reason:
        log.info("Starting a new pip cache: {}".format(decision.reason))
        layer.reset()
    layer.commit(TYPES, wanted)
    return layer.path
