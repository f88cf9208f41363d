"""pip's HTTP and wheel cache (cache only: never in the image). Makes a changed rebuild fetch and
build only what changed."""
from ..cnb.layers import Layer, LayerTypes

NAME = "pip-cache"
TYPES = LayerTypes(cache=True)


def keep(layer: Layer) -> str:
    layer.commit(TYPES, {"purpose": "pip cache"})
    return layer.path
