"""Django's collectstatic at build time, as heroku and App Platform run it: static files are then
part of the app image. DISABLE_COLLECTSTATIC=1 turns it off."""
import os
from typing import Sequence, Tuple

from .errors import BuildpackError
from .layers import StepContext


def collectstatic(step: StepContext, dists: Sequence[Tuple[str, str]]) -> None:
    """dists: the installed distributions, (name, version)."""
    app_dir, env, log = step.app_dir, step.env, step.log
    if "manage.py" not in os.listdir(app_dir) or "django" not in dict(dists) or step.python is None:
        return
    log.header("Django static files")
    if step.settings.disable_collectstatic:
        log.info("Skipping collectstatic (DISABLE_COLLECTSTATIC={})".format(step.settings.disable_collectstatic))
        return
    timer = log.timer()
    log.info("Running python manage.py collectstatic --noinput")
    code = step.runner.run([step.python.path, "manage.py", "collectstatic", "--noinput"], env, cwd=app_dir)
    if code != 0:
        raise BuildpackError(
            "Django's collectstatic failed (exit {}); its output is above.".format(code),
            hint="Set STATIC_ROOT in your settings to a directory collectstatic can write to, or turn it "
                 "off with DISABLE_COLLECTSTATIC=1 (e.g. `pack build --env DISABLE_COLLECTSTATIC=1`).")
    log.info("collectstatic finished in {}".format(timer.elapsed()))
