"""Package-manager tools (pipenv, poetry, uv) at pinned versions, each in a build-only cached
layer of its own: they read and check the app's lock file at build time and never reach the
image. The dependencies themselves are always installed by pip (layers/dependencies.py)."""
import os
from typing import Dict, Mapping, NamedTuple, Tuple

from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..log import Log
from ..runner import Runner
from . import compare

TYPES = LayerTypes(cache=True)


class Tool(NamedTuple):
    name: str                  # also the layer's name and the module run with `python -m`
    version: str
    packages: Tuple[str, ...]  # what pip installs
    min_python: Tuple[int, int]


PIPENV = Tool("pipenv", "2024.4.1", ("pipenv==2024.4.1",), (3, 8))
POETRY = Tool("poetry", "2.2.1", ("poetry==2.2.1", "poetry-plugin-export==1.9.0"), (3, 9))
UV = Tool("uv", "0.13.9", ("uv==0.13.9",), (3, 8))


def _wanted(tool: Tool, python_version: str) -> Dict[str, str]:
    return {"tool": tool.name, "version": tool.version, "python_version": python_version}


def check_python(tool: Tool, release: Tuple[int, ...], lock: str) -> None:
    if tuple(release[:2]) < tool.min_python:
        raise BuildpackError(
            "{} apps need Python {}.{} or newer here ({} {} runs on it); this app uses Python {}.".format(
                lock, tool.min_python[0], tool.min_python[1], tool.name, tool.version,
                ".".join(str(p) for p in release)),
            hint="Ask for a newer Python, or install from a requirements.txt instead.")


def _describe(key: str, old: object, new: object) -> str:
    return "{} changed ({} -> {})".format(key.replace("_", " "), old, new)


def retain(layer: Layer, tool: Tool, python_version: str) -> None:
    """Keep a cached tool for the next changed build, when no install needs it now."""
    wanted = _wanted(tool, python_version)
    if compare(layer.previous_metadata(), wanted, _describe).reuse and layer.has_contents():
        layer.commit(TYPES, wanted)


def ensure(layer: Layer, tool: Tool, python: str, python_version: str, env: Mapping[str, str],
           runner: Runner, log: Log) -> Dict[str, str]:
    """Install the tool unless the cached copy matches; returns the env to run it with."""
    wanted = _wanted(tool, python_version)
    site = os.path.join(layer.path, "site")
    decision = compare(layer.previous_metadata(), wanted, _describe)
    if decision.reuse and os.path.isdir(site):
        log.info("Reusing {} {}".format(tool.name, tool.version))
    else:
        log.info("Installing {} {}{}".format(tool.name, tool.version,
                                             " ({})".format(decision.reason) if decision.reason else ""))
        timer = log.timer()
        layer.reset()
        code = runner.run([python, "-m", "pip", "install", "--quiet", "--target", site, "--no-compile"]
                          + list(tool.packages), env, quiet=True)
        if code != 0:
            raise BuildpackError("Could not install {} {} (pip exited {}).".format(tool.name, tool.version, code),
                                 hint="Check the network or PIP_INDEX_URL, then build again.")
        layer.commit(TYPES, wanted)
        log.info("Installed {} in {}".format(tool.name, timer.elapsed()))
    out = dict(env)
    out["PYTHONPATH"] = site + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out["PATH"] = os.path.join(site, "bin") + os.pathsep + env.get("PATH", "")
    out.update({"PIPENV_VERBOSITY": "-1", "PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_YES": "1",
                "POETRY_VIRTUALENVS_CREATE": "false", "POETRY_NO_INTERACTION": "1",
                "UV_NO_MANAGED_PYTHON": "1", "UV_PYTHON_DOWNLOADS": "never"})
    return out
