"""Launch-time settings every process gets. The env values are `.default`s, so `docker run -e` or
the platform's own settings win. PORT=8080 because gunicorn binds 0.0.0.0:$PORT when PORT is set;
FORWARDED_ALLOW_IPS=* because the platform's router, not the client, connects to gunicorn;
access logs to stdout because a container's logs are its output; PYTHONPATH=<app dir>, as the
classic buildpack's profile set it (PYTHONPATH=$HOME), so `python scripts/task.py` imports the
app's own modules. WEB_CONCURRENCY is computed at container start by an exec.d program from the
container's limits (web_concurrency.sh)."""
import os
import shutil

from ..cnb.layers import Layer, LayerTypes, layers_dir_error

NAME = "launch-config"
TYPES = LayerTypes(launch=True)
DEFAULTS = (
    ("PORT", "8080"),
    ("PYTHONUNBUFFERED", "1"),
    ("LANG", "C.UTF-8"),
    ("FORWARDED_ALLOW_IPS", "*"),
    ("GUNICORN_CMD_ARGS", "--access-logfile -"),
)
WEB_CONCURRENCY_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_concurrency.sh")


def write(layer: Layer, app_dir: str) -> None:
    """app_dir: where the app is at build time, which is where it is at launch."""
    defaults = DEFAULTS + (("PYTHONPATH", app_dir),)
    layer.reset()
    for name, value in defaults:
        layer.write_env(name, value, "default", scope="launch")
    target = os.path.join(layer.path, "exec.d", "web-concurrency")
    try:
        os.makedirs(os.path.dirname(target))
        shutil.copyfile(WEB_CONCURRENCY_SCRIPT, target)
        os.chmod(target, 0o755)
    except OSError as e:
        raise layers_dir_error("write the layer {}".format(NAME), e)
    layer.commit(TYPES, {"defaults": dict(defaults), "exec.d": ["web-concurrency"]})
