"""Launch-time defaults every process gets; each is a `.default`, so `docker run -e` or the
platform's own settings win. PORT=8080 because gunicorn binds 0.0.0.0:$PORT when PORT is set."""
from ..cnb.layers import Layer, LayerTypes

NAME = "launch-config"
TYPES = LayerTypes(launch=True)
DEFAULTS = (("PORT", "8080"), ("PYTHONUNBUFFERED", "1"), ("LANG", "C.UTF-8"))


def write(layer: Layer) -> None:
    layer.reset()
    for name, value in DEFAULTS:
        layer.write_env(name, value, "default", scope="launch")
    layer.commit(TYPES, {"defaults": dict(DEFAULTS)})
