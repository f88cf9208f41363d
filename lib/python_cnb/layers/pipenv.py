"""pipenv itself, at a pinned version, in a build-only cached layer of its own: it reads and
checks Pipfile/Pipfile.lock at build time and never reaches the image."""
import os
from typing import Dict, Mapping

from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..log import Log
from ..runner import Runner
from . import compare

NAME = "pipenv"
TYPES = LayerTypes(build=False, launch=False, cache=True)
PIPENV_VERSION = "2024.4.1"  # the newest pipenv that still runs on Python 3.8


def _wanted(python_version: str) -> Dict[str, str]:
    return {"pipenv": PIPENV_VERSION, "python_version": python_version}


def retain(layer: Layer, python_version: str) -> None:
    """Keep a cached pipenv for the next changed build, when no install needs it now."""
    wanted = _wanted(python_version)
    if compare(layer.previous_metadata(), wanted, str).reuse and layer.has_contents():
        layer.commit(TYPES, wanted)


def ensure(layer: Layer, python: str, python_version: str, env: Mapping[str, str], runner: Runner,
           log: Log) -> Dict[str, str]:
    """Install pipenv unless the cached copy matches; returns the env to run it with."""
    wanted = _wanted(python_version)
    site = os.path.join(layer.path, "site")
    decision = compare(layer.previous_metadata(), wanted,
                       lambda key, old, new: "{} changed ({} -> {})".format(key.replace("_", " "), old, new))
    if decision.reuse and os.path.isdir(os.path.join(site, "pipenv")):
        log.info("Reusing pipenv {}".format(PIPENV_VERSION))
    else:
        log.info("Installing pipenv {}{}".format(PIPENV_VERSION, " ({})".format(decision.reason) if decision.reason else ""))
        layer.reset()
        code = runner.run([python, "-m", "pip", "install", "--quiet", "--target", site, "--no-compile",
                           "pipenv==" + PIPENV_VERSION], env, quiet=True)
        if code != 0:
            raise BuildpackError("Could not install pipenv {} (pip exited {}).".format(PIPENV_VERSION, code),
                                 hint="Check the network or PIP_INDEX_URL, then build again.")
        layer.commit(TYPES, wanted)
    out = dict(env)
    out["PYTHONPATH"] = site + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out["PIPENV_VERBOSITY"] = "-1"
    out["PIPENV_IGNORE_VIRTUALENVS"] = "1"
    out["PIPENV_YES"] = "1"
    return out

