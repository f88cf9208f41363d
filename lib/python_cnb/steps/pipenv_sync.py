"""Pipfile.lock: `pipenv verify` (the lock matches the Pipfile), then `pipenv sync` into the
dependencies layer, a virtual environment of our runtime that pipenv uses as the active one
(VIRTUAL_ENV): the locked [packages] (plus the categories asked for), hashes checked. An app with
a Pipfile alone is locked first, with a warning."""
import os
from typing import Dict, List

from .. import install_failures, tool_launch
from ..errors import BuildpackError
from ..installers import PIPENV_TOOL, Installer
from . import StepContext
from .installing import Job, groups_phrase, run_tool


def environment(job: Job, app_dir: str) -> Dict[str, str]:
    env = dict(job.tool_env)
    env.update({"VIRTUAL_ENV": job.layer_path, "PIPENV_PIPFILE": os.path.join(app_dir, "Pipfile")})
    env.pop("PIPENV_IGNORE_VIRTUALENVS", None)  # the layer is the virtualenv to use
    return env


def command(python: str, groups: List[str]) -> List[str]:
    sync = tool_launch.module(python, "pipenv") + ["sync"]
    return sync + ["--categories", " ".join(["packages"] + groups)] if groups else sync


def install(step: StepContext, job: Job) -> None:
    assert step.python is not None
    tool, env, lock = tool_launch.module(step.python.path, "pipenv"), environment(job, step.app_dir), Installer.PIPENV.lock
    assert lock is not None
    if lock.file in step.project.files:
        step.log.info("Checking Pipfile.lock is up to date with Pipfile (pipenv verify)")
        output = []  # type: List[str]
        code = step.runner.run(tool + ["verify"], env, cwd=step.app_dir, keep=output)
        if code != 0:
            raise install_failures.lock_check_failed("pipenv", "Pipfile", lock, code, output)
    else:
        step.log.warning("No Pipfile.lock: resolving Pipfile now. Builds are only reproducible with a lock.",
                         hint="Run `pipenv lock` and commit Pipfile.lock.")
        if step.runner.run(tool + ["lock"], env, cwd=step.app_dir) != 0:
            raise BuildpackError("pipenv could not lock Pipfile; its output is above.",
                                 hint="Fix Pipfile, run `pipenv lock` locally and commit Pipfile.lock.")
    step.log.info("Installing dependencies with pipenv {} from Pipfile.lock (pipenv sync, {}, hashes checked)".format(
        PIPENV_TOOL.version, groups_phrase(job.groups)))
    run_tool(step, job, command(step.python.path, list(job.groups)), env)
