"""Package-manager tools (pipenv, poetry, uv) at pinned versions, each in a build-only cached
layer of its own (the pins are installers.py's): they read and check the app's lock file at build
time and never reach the image. The dependencies themselves are installed by pip
(layers/dependencies.py), or by uv for a requirements.txt app that asks for it (uv_install.py)."""
import os
from typing import Any, Dict, List, Mapping, NamedTuple, Tuple

from .. import tool_launch
from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes
from ..errors import BuildpackError
from ..installers import Tool
from . import StepContext, compare

TYPES = LayerTypes(cache=True)


class Metadata(NamedTuple):
    """What a tool's layer is keyed on."""
    tool: str
    version: str
    python_version: str


def metadata(tool: Tool, python_version: str) -> Metadata:
    return Metadata(tool.name, tool.version, python_version)


def check_python(tool: Tool, release: Tuple[int, ...], lock: str) -> None:
    if tuple(release[:2]) < tool.min_python:
        raise BuildpackError(
            "{} apps need Python {}.{} or newer here ({} {} runs on it); this app uses Python {}.".format(
                lock, tool.min_python[0], tool.min_python[1], tool.name, tool.version,
                ".".join(str(p) for p in release)),
            hint="Ask for a newer Python, or install from a requirements.txt instead.")


def _describe(key: str, old: Any, new: Any) -> str:
    return "{} changed ({} -> {})".format(key.replace("_", " "), old, new)


def reasons(previous: Mapping[str, Any], wanted: Metadata) -> List[str]:
    """Every way previous differs from wanted, in words ([] when they match or there is none)."""
    return list(compare(previous, wanted._asdict(), _describe).reasons)


def env(layers_dir: str, tool: Tool) -> LayerEnv:
    """How the tool runs: from its layer (cache-only, so for this build alone), isolated from the
    app (tool_launch.py keeps the working directory off sys.path), quietly, without
    prompts, virtualenvs of its own or Pythons it would download."""
    site = os.path.join(layers_dir, tool.name, "site")
    # PYTHONPATH is the tool's alone: a user's (for the app's code) must not put the app's tree
    # before the tool's own modules or the standard library.
    return (LayerEnv()
            .override("PYTHONPATH", site, Scope.THIS_BUILD)
            .prepend("PATH", os.path.join(site, "bin"), Scope.THIS_BUILD)
            .override("PIPENV_VERBOSITY", "-1", Scope.THIS_BUILD)
            .override("PIPENV_IGNORE_VIRTUALENVS", "1", Scope.THIS_BUILD)
            .override("PIPENV_YES", "1", Scope.THIS_BUILD)
            .override("POETRY_VIRTUALENVS_CREATE", "false", Scope.THIS_BUILD)
            .override("POETRY_NO_INTERACTION", "1", Scope.THIS_BUILD)
            .override("UV_NO_MANAGED_PYTHON", "1", Scope.THIS_BUILD)
            .override("UV_PYTHON_DOWNLOADS", "never", Scope.THIS_BUILD))


def retain(step: StepContext, tool: Tool) -> None:
    """Keep a cached tool for the next changed build, when no install needs it now."""
    assert step.python is not None
    layer = step.layer(tool.name)
    wanted = metadata(tool, step.python.version)
    previous = layer.previous_metadata()
    if previous and not reasons(previous, wanted) and layer.has_contents():
        layer.commit(TYPES, wanted._asdict())


def executable(step: StepContext, tool: Tool) -> str:
    """The tool's own program (uv is one binary: run it directly, with no PYTHONPATH to leak)."""
    return os.path.join(step.layer(tool.name).path, "site", "bin", tool.name)


def run(step: StepContext, tool: Tool) -> Dict[str, str]:
    """Install the tool unless the cached copy matches; returns the environment to run it with."""
    assert step.python is not None
    layer, log = step.layer(tool.name), step.log
    wanted = metadata(tool, step.python.version)
    site = os.path.join(layer.path, "site")
    previous = layer.previous_metadata()
    found = reasons(previous, wanted)
    if previous and not found and os.path.isdir(site):
        log.info("Reusing {} {}".format(tool.name, tool.version))
    else:
        log.info("Installing {} {}{}".format(tool.name, tool.version, " ({})".format("; ".join(found)) if found else ""))
        timer = log.timer()
        layer.reset()
        code = step.runner.run(tool_launch.module(step.python.path, "pip") + [
            "install", "--quiet", "--target", site, "--no-compile"] + list(tool.packages), step.env, quiet=True)
        if code != 0:
            raise BuildpackError("Could not install {} {} (pip exited {}).".format(tool.name, tool.version, code),
                                 hint="Check the network or PIP_INDEX_URL, then build again.")
        layer.commit(TYPES, wanted._asdict())
        log.info("Installed {} in {}".format(tool.name, timer.elapsed()))
    return env(step.layers_dir, tool).apply(step.env)
