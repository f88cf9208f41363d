"""Package-manager tools (pipenv, poetry, uv) at pinned versions, each in a build-only cached
layer of its own (the pins are installers.py's): they read and check the app's lock file at build
time and never reach the image. The dependencies themselves are installed by pip
(layers/dependencies.py), or by uv for a requirements.txt app that asks for it (uv_install.py)."""
import os
from typing import Any, Dict, Mapping, NamedTuple, Tuple

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


def reasons(previous: Mapping[str, Any], wanted: Metadata) -> Tuple[str, ...]:
    """Every way previous differs from wanted, in words (() when they match or there is none)."""
    return compare(previous, wanted._asdict(), _describe).reasons


def retain(step: StepContext, tool: Tool) -> None:
    """Keep a cached tool for the next changed build, when no install needs it now."""
    assert step.python is not None
    layer = step.layer(tool.name)
    wanted = metadata(tool, step.python.version)
    if compare(layer.previous_metadata(), wanted._asdict(), _describe).reuse and layer.has_contents():
        layer.commit(TYPES, wanted._asdict())


def executable(step: StepContext, tool: Tool) -> str:
    """The tool's own program (uv is one binary: run it directly, with no PYTHONPATH to leak)."""
    return os.path.join(step.layer(tool.name).path, "site", "bin", tool.name)


def ensure(step: StepContext, tool: Tool) -> Dict[str, str]:
    """Install the tool unless the cached copy matches; returns the env to run it with."""
    assert step.python is not None
    layer, log = step.layer(tool.name), step.log
    wanted = metadata(tool, step.python.version)
    site = os.path.join(layer.path, "site")
    decision = compare(layer.previous_metadata(), wanted._asdict(), _describe)
    if decision.reuse and os.path.isdir(site):
        log.info("Reusing {} {}".format(tool.name, tool.version))
    else:
        log.info("Installing {} {}{}".format(tool.name, tool.version,
                                             " ({})".format(decision.reason) if decision.reason else ""))
        timer = log.timer()
        layer.reset()
        code = step.runner.run([step.python.path, "-m", "pip", "install", "--quiet", "--target", site,
                                "--no-compile"] + list(tool.packages), step.env, quiet=True)
        if code != 0:
            raise BuildpackError("Could not install {} {} (pip exited {}).".format(tool.name, tool.version, code),
                                 hint="Check the network or PIP_INDEX_URL, then build again.")
        layer.commit(TYPES, wanted._asdict())
        log.info("Installed {} in {}".format(tool.name, timer.elapsed()))
    env = step.env
    out = dict(env)
    out["PYTHONPATH"] = site + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out["PATH"] = os.path.join(site, "bin") + os.pathsep + env.get("PATH", "")
    out.update({"PIPENV_VERBOSITY": "-1", "PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_YES": "1",
                "POETRY_VIRTUALENVS_CREATE": "false", "POETRY_NO_INTERACTION": "1",
                "UV_NO_MANAGED_PYTHON": "1", "UV_PYTHON_DOWNLOADS": "never"})
    return out
