"""heroku's build hooks: bin/pre_compile runs before the dependencies are installed,
bin/post_compile after, both in the app directory with the build's environment."""
import os

from .errors import BuildpackError
from .layers import StepContext


def run(step: StepContext, name: str) -> None:
    app_dir, log = step.app_dir, step.log
    path = os.path.join(app_dir, "bin", name)
    if not os.path.isfile(path):
        return
    log.header("Hook: bin/" + name)
    timer = log.timer()
    # A hook committed without its executable bit still runs, as heroku's did, through bash.
    cmd = [path] if os.access(path, os.X_OK) else ["bash", path]
    code = step.runner.run(cmd, step.env, cwd=app_dir)
    if code != 0:
        raise BuildpackError("bin/{} failed (exit {}); its output is above.".format(name, code),
                             hint="Fix the hook, or run it locally with the same environment to see why.")
    log.info("bin/{} finished in {}".format(name, timer.elapsed()))
