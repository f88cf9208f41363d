"""Package-manager tools (pipenv, poetry, uv) at pinned versions, each in a build-only cached
layer of its own (the pins are installers.py's): they install the app's lock (or, uv, its
requirements.txt) into the dependencies layer at build time and never reach the image themselves
(steps/dependencies.py dispatches to one module per installer)."""
import os
from typing import Dict, NamedTuple, Tuple

from .. import tool_launch
from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes
from ..errors import BuildpackError
from ..installers import Tool
from ..reuse import against_previous, plain_reasons
from . import StepContext

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


reasons = plain_reasons  # every way a previous build's Metadata differs, a phrase per field


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
    if against_previous(layer, wanted, reasons).reuse and layer.has_contents():
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
    decision = against_previous(layer, wanted, reasons)
    if decision.reuse and os.path.isdir(site):
        log.info("Reusing {} {}".format(tool.name, tool.version))
    else:
        why = " ({})".format(decision.reason) if decision.reason else ""
        log.info("Installing {} {}{}".format(tool.name, tool.version, why))
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
