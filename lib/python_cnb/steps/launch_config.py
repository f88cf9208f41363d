"""Launch-time settings every process gets. The env values are `.default`s, so `docker run -e` or
the platform's own settings win. PORT=8080 because gunicorn binds 0.0.0.0:$PORT when PORT is set;
FORWARDED_ALLOW_IPS=* because the platform's router, not the client, connects to gunicorn;
access logs to stdout because a container's logs are its output; PYTHONPATH=<app dir>, as the
classic buildpack's profile set it (PYTHONPATH=$HOME), so `python scripts/task.py` imports the
app's own modules. WEB_CONCURRENCY is computed at container start by an exec.d program from the
container's limits (web_concurrency.sh)."""
import os
import shutil
from typing import Any, Dict, List, NamedTuple

from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes, layers_dir_error
from . import Result, StepContext

NAME = "launch-config"
TYPES = LayerTypes(launch=True)
DEFAULTS = (
    ("PORT", "8080"),
    ("PYTHONUNBUFFERED", "1"),
    ("LANG", "C.UTF-8"),
    ("FORWARDED_ALLOW_IPS", "*"),
    ("GUNICORN_CMD_ARGS", "--access-logfile -"),
)
EXEC_D = "web-concurrency"
WEB_CONCURRENCY_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_concurrency.sh")


class Metadata(NamedTuple):
    """What the layer holds (its [metadata]): the launch defaults and the exec.d programs."""
    defaults: Dict[str, str]
    exec_d: List[str]

    def toml(self) -> Dict[str, Any]:
        return {"defaults": self.defaults, "exec.d": self.exec_d}


def metadata(app_dir: str) -> Metadata:
    """app_dir: where the app is at build time, which is where it is at launch."""
    return Metadata(dict(DEFAULTS + (("PYTHONPATH", app_dir),)), [EXEC_D])


def env(wanted: Metadata) -> LayerEnv:
    """Defaults for launch only: the build's own processes do not see them."""
    out = LayerEnv()
    for name, value in wanted.defaults.items():
        out = out.default(name, value, Scope.LAUNCH)
    return out


def run(step: StepContext) -> Result:
    layer, wanted = step.layer(NAME), metadata(step.app_dir)
    layer.reset()
    env(wanted).write(layer)
    target = os.path.join(layer.path, "exec.d", EXEC_D)
    try:
        os.makedirs(os.path.dirname(target))
        shutil.copyfile(WEB_CONCURRENCY_SCRIPT, target)
        os.chmod(target, 0o755)
    except OSError as e:
        raise layers_dir_error("write the layer {}".format(NAME), e)
    layer.commit(TYPES, wanted.toml())
    return Result(NAME)
