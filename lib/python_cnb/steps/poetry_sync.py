"""poetry.lock: `poetry sync --only main` (plus the groups asked for) into the dependencies layer,
a virtual environment of our runtime that Poetry finds as the active one (VIRTUAL_ENV, with
virtualenvs.create off): Poetry refuses a lock out of date with pyproject.toml, installs no dev
or other group, and no extras. Poetry itself stays in its build-only layer (tools.py)."""
from typing import Dict, List

from .. import tool_launch
from ..installers import POETRY_TOOL
from . import StepContext
from .installing import Job, cache_dir, groups_phrase, run_tool


def command(python: str, groups: List[str]) -> List[str]:
    # sync (Poetry 2) removes what the lock does not list; `--no-root`: a Poetry project is the
    # app's tree (at the same path at launch), not a distribution to install into the image.
    return tool_launch.module(python, "poetry") + ["sync", "--only", ",".join(["main"] + groups), "--no-root",
                                                   "--no-ansi"]


def environment(step: StepContext, job: Job) -> Dict[str, str]:
    env = dict(job.tool_env)
    env.update({"VIRTUAL_ENV": job.layer_path, "POETRY_VIRTUALENVS_CREATE": "false",
                "POETRY_CACHE_DIR": cache_dir(step, "poetry")})
    return env


def install(step: StepContext, job: Job) -> None:
    assert step.python is not None
    step.log.info("Installing dependencies with poetry {} from poetry.lock (poetry sync --only {}, {})".format(
        POETRY_TOOL.version, ",".join(("main",) + job.groups), groups_phrase(job.groups)))
    run_tool(step, job, command(step.python.path, list(job.groups)), environment(step, job))
