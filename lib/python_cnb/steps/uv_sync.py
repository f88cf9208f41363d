"""uv.lock: `uv sync --locked --no-default-groups` (plus a --group per group asked for) into the
dependencies layer, a virtual environment of our runtime (UV_PROJECT_ENVIRONMENT), as the lock
says: uv refuses a lock out of date with pyproject.toml, installs no optional dependencies and no
default group (a `test` group in tool.uv.default-groups stays out of the image), and a packaged
project (uv init --package: src/, [project.scripts]) installs itself, non-editable, so the image
does not depend on the build's tree. uv never downloads a Python (UV_PYTHON_DOWNLOADS=never) and
keeps its cache in the pip cache's layer."""
from typing import Dict, List

from ..installers import UV_TOOL
from . import StepContext, tools
from .installing import Job, cache_dir, groups_phrase, run_tool


def command(uv: str, python: str, groups: List[str], project: str) -> List[str]:
    """project: the project's name, installed non-editable when it is a package (path
    dependencies the project declares editable stay so: they are in the app, at the same path at
    launch)."""
    cmd = [uv, "sync", "--locked", "--no-default-groups", "--python", python]
    if project:
        cmd += ["--no-editable-package", project]
    for group in groups:
        cmd += ["--group", group]
    return cmd


def environment(step: StepContext, job: Job) -> Dict[str, str]:
    """The build's env (not the tool's: uv is a binary, and PYTHONPATH must not reach the build
    backends it runs), pointed at the layer."""
    env = dict(step.env)
    env.update({"UV_PROJECT_ENVIRONMENT": job.layer_path, "UV_CACHE_DIR": cache_dir(step, "uv"),
                "UV_PYTHON_DOWNLOADS": "never", "UV_NO_MANAGED_PYTHON": "1", "UV_LINK_MODE": "copy",
                "UV_NO_PROGRESS": "1"})
    # The buildpack compiles bytecode itself, reproducibly (bytecode.py).
    for name in ("UV_COMPILE_BYTECODE", "UV_SYSTEM_PYTHON", "VIRTUAL_ENV", "PYTHONPATH", "UV_FROZEN", "UV_NO_SYNC"):
        env.pop(name, None)
    return env


def install(step: StepContext, job: Job) -> None:
    assert step.python is not None
    step.log.info("Installing dependencies with uv {} from uv.lock (uv sync --locked, {})".format(
        UV_TOOL.version, groups_phrase(job.groups)))
    run_tool(step, job, command(tools.executable(step, UV_TOOL), step.python.path, list(job.groups),
                                step.project.package_name), environment(step, job))
