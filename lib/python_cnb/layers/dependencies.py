"""The app's dependencies (build + launch + cache), installed with pip into a user base
(PYTHONUSERBASE = this layer): its bin/ reaches PATH through the lifecycle and Python finds its
site-packages by itself.

Keyed on the sha256 of every input file, the Python version, the installer and the target: a
rebuild where none changed runs no installer at all."""
import glob
import hashlib
import os
import re
import tempfile
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..log import Log
from ..project import PIP, PIP_PROJECT, PIPENV, Project
from ..runner import Runner
from . import Decision, compare

NAME = "dependencies"
TYPES = LayerTypes(build=True, launch=True, cache=True)

PIP_INSTALL = ["-m", "pip", "install", "--user", "--no-warn-script-location", "--no-compile",
               "--progress-bar", "off", "--disable-pip-version-check"]


def file_digests(app_dir: str, names: Sequence[str]) -> Dict[str, str]:
    out = {}
    for name in names:
        with open(os.path.join(app_dir, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def metadata(project: Project, python_version: str, target: str) -> Dict[str, object]:
    return {
        "installer": project.installer,
        "python_version": python_version,
        "target": target,
        "inputs": file_digests(project.app_dir, project.dependency_inputs),
    }


def decide(layer: Layer, wanted: Dict[str, object]) -> Decision:
    def describe(key: str, old: object, new: object) -> str:
        if key == "inputs":
            old_files = old if isinstance(old, dict) else {}
            new_files = new if isinstance(new, dict) else {}
            changed = [n for n in new_files if n in old_files and old_files[n] != new_files[n]]
            added = [n for n in new_files if n not in old_files]
            removed = [n for n in old_files if n not in new_files]
            parts = (["{} changed".format(", ".join(changed))] if changed else []) + \
                    (["{} added".format(", ".join(added))] if added else []) + \
                    (["{} removed".format(", ".join(removed))] if removed else [])
            return "; ".join(parts) or "dependency files changed"
        if key == "python_version":
            return "Python version changed ({} -> {})".format(old, new)
        if key == "installer":
            return "installer changed ({} -> {})".format(old, new)
        return "the build's target changed ({} -> {})".format(old, new)

    decision = compare(layer.previous_metadata(), wanted, describe)
    if decision.reuse and not site_packages(layer.path):
        return Decision(False, "the cached dependencies' files are missing")
    return decision


def site_packages(layer_path: str) -> Optional[str]:
    found = glob.glob(os.path.join(layer_path, "lib", "python*", "site-packages"))
    return found[0] if found else None


def distributions(layer_path: str) -> List[Tuple[str, str]]:
    """(normalized name, version) of each distribution in the layer, from the names of their
    .dist-info/.egg-info directories: <name>-<version>.dist-info, dashes in names as underscores."""
    sp = site_packages(layer_path)
    if not sp:
        return []
    found = set()
    for entry in os.listdir(sp):
        if entry.endswith((".dist-info", ".egg-info")):
            name, _, version = entry.rsplit(".", 1)[0].partition("-")
            found.add((re.sub(r"[-_.]+", "-", name).lower(), version.split("-")[0]))
    return sorted(found)


def installed_distributions(layer_path: str) -> List[str]:
    return [name for name, _ in distributions(layer_path)]


def install_env(layer_path: str, pip_cache: str, env: Mapping[str, str]) -> Dict[str, str]:
    out = dict(env)
    out["PYTHONUSERBASE"] = layer_path
    out["PIP_CACHE_DIR"] = pip_cache
    out["PIP_NO_INPUT"] = "1"
    out["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    out["PIP_ROOT_USER_ACTION"] = "ignore"  # builds run as root on some platforms; no venv is wanted
    out.pop("PIP_USER", None)
    out.pop("PIP_TARGET", None)
    out.pop("PIP_PREFIX", None)
    return out


def install(layer: Layer, project: Project, python: str, python_release: Sequence[int],
            wanted: Dict[str, object], env: Dict[str, str], runner: Runner, log: Log,
            pipenv_env: Optional[Dict[str, str]] = None) -> None:
    layer.reset()
    timer = log.timer()
    if project.installer == PIP:
        log.info("Installing dependencies with pip from {}".format(project.dependency_inputs[0]))
        _pip(python, ["--requirement", project.dependency_inputs[0]], project, env, runner)
    elif project.installer == PIP_PROJECT:
        log.info("Installing the app and its dependencies with pip (pip install --editable .)")
        _pip(python, ["--editable", "."], project, env, runner)
    elif project.installer == PIPENV:
        assert pipenv_env is not None
        _pipenv(python, project, env, pipenv_env, runner, log)
    _compile(python, python_release, layer.path, env, runner)
    layer.write_env("PYTHONUSERBASE", layer.path, "override")
    layer.commit(TYPES, wanted)
    log.info("Installed {} distributions in {}".format(len(installed_distributions(layer.path)), timer.elapsed()))


def _pip(python: str, args: List[str], project: Project, env: Dict[str, str], runner: Runner) -> None:
    code = runner.run([python] + PIP_INSTALL + args, env, cwd=project.app_dir)
    if code != 0:
        what = project.dependency_inputs[0] if project.installer == PIP else "the app's project files"
        raise BuildpackError("pip could not install the dependencies (exit {}); its output is above.".format(code),
                             hint="Fix {} (a missing package, a version that does not exist, or a package "
                                  "needing system libraries), then build again.".format(what))


def _pipenv(python: str, project: Project, env: Dict[str, str], pipenv_env: Dict[str, str],
            runner: Runner, log: Log) -> None:
    pipenv = [python, "-m", "pipenv"]
    cwd = project.app_dir
    penv = dict(pipenv_env)
    penv["PIPENV_PIPFILE"] = os.path.join(cwd, "Pipfile")
    if "Pipfile.lock" in project.files:
        log.info("Checking Pipfile.lock is up to date with Pipfile (pipenv verify)")
        if runner.run(pipenv + ["verify"], penv, cwd=cwd) != 0:
            raise BuildpackError("Pipfile.lock is out of date with Pipfile.",
                                 hint="Run `pipenv lock` and commit the new Pipfile.lock.")
    else:
        log.warning("No Pipfile.lock: resolving Pipfile now. Builds are only reproducible with a lock.",
                    hint="Run `pipenv lock` and commit Pipfile.lock.")
        if runner.run(pipenv + ["lock"], penv, cwd=cwd) != 0:
            raise BuildpackError("pipenv could not lock Pipfile; its output is above.",
                                 hint="Fix Pipfile, run `pipenv lock` locally and commit Pipfile.lock.")
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        requirements = os.path.join(tmp, "requirements.txt")
        log.info("Installing dependencies with pip from Pipfile.lock (default packages, hashes checked)")
        exported = runner.capture(pipenv + ["requirements", "--hash"], penv, cwd=cwd)
        if exported.returncode != 0:
            raise BuildpackError("pipenv could not read Pipfile.lock: {}".format(exported.stderr.strip()[-500:]),
                                 hint="Regenerate it with `pipenv lock` and commit it.")
        with open(requirements, "w", encoding="utf-8") as f:
            f.write(exported.stdout)
        code = runner.run([python] + PIP_INSTALL + ["--requirement", requirements], env, cwd=cwd)
        if code != 0:
            raise BuildpackError("pip could not install the packages in Pipfile.lock (exit {}); its output is above."
                                 .format(code), hint="Fix Pipfile, run `pipenv lock`, commit both, build again.")


def _compile(python: str, release: Sequence[int], layer_path: str, env: Dict[str, str], runner: Runner) -> None:
    """Bytecode with unchecked-hash pycs (Python 3.7+): they do not embed source mtimes, so the
    layer is the same bytes for the same inputs and the image layer is reused."""
    sp = site_packages(layer_path)
    if not sp:
        return
    args = [python, "-m", "compileall", "-q"]
    if tuple(release[:2]) >= (3, 7):
        args += ["--invalidation-mode", "unchecked-hash", "-j", "0"]
    elif tuple(release[:2]) >= (3, 5):
        args += ["-j", "0"]
    if runner.run(args + [sp], env, quiet=True) != 0:
        raise BuildpackError("Compiling the dependencies' bytecode failed; the output is above.",
                             hint="A package ships Python files that do not compile with this Python version.")
