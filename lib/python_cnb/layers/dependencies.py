"""The app's dependencies (build + launch + cache), installed with pip into a user base
(PYTHONUSERBASE = this layer): its bin/ reaches PATH through the lifecycle and Python finds its
site-packages by itself.

Keyed on the sha256 of every input file, of each local package (local_packages.py: an editable
one's project files, another's tree, a git+file repository's commit), the Python version, the
installer and the target: a rebuild where none changed runs no installer at all. Editable VCS
checkouts go to the layer's src/ (pip --src), so what they install is in the image."""
import glob
import os
import re
import tempfile
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ..bytecode import compile_paths
from ..cnb.layers import Layer, LayerTypes
from .. import appfiles, local_packages, requirements
from ..errors import BuildpackError
from ..local_packages import LocalSource
from ..log import Log
from ..project import PIP, PIP_PROJECT, PIPENV, POETRY, UV, Project
from ..runner import Runner
from . import Decision, compare

NAME = "dependencies"
TYPES = LayerTypes(build=True, launch=True, cache=True)

PIP_INSTALL = ["-m", "pip", "install", "--user", "--no-warn-script-location", "--no-compile",
               "--progress-bar", "off", "--disable-pip-version-check"]


def file_digests(app_dir: str, names: Sequence[str]) -> Dict[str, str]:
    return {name: appfiles.digest(os.path.join(app_dir, name), name) for name in names}


# Where an app vendors its packages for offline builds (as Paketo's and Google's buildpacks look).
VENDOR_DIRS = ("vendor", "wheels")
_DISTRIBUTIONS = (".whl", ".tar.gz", ".zip")


def vendored_packages(project: Project) -> Optional[str]:
    """The app's vendor/ (or wheels/) directory when it holds distributions: pip then installs
    from it alone (--no-index), for builds with no network."""
    if project.installer not in (PIP, PIP_PROJECT):
        return None
    for name in VENDOR_DIRS:
        path = os.path.join(project.app_dir, name)
        if os.path.isdir(path) and not os.path.islink(path) and any(
                entry.endswith(_DISTRIBUTIONS) for entry in os.listdir(path)):
            return name
    return None


def metadata(project: Project, python_version: str, target: str) -> Dict[str, object]:
    inputs = file_digests(project.app_dir, project.dependency_inputs)
    inputs.update(local_packages.digests(project.app_dir, local_sources(project)))
    vendor = vendored_packages(project)
    if vendor:
        inputs[vendor + "/"] = local_packages.tree_digest(os.path.join(project.app_dir, vendor))
    return {
        "installer": project.installer,
        "python_version": python_version,
        "target": target,
        "inputs": inputs,
    }


def local_sources(project: Project) -> List[LocalSource]:
    """The packages the app installs from paths and git+file repositories, whatever declares them."""
    if project.installer == PIP:
        return list(requirements.parse(project.app_dir, project.dependency_inputs[0]).sources)
    if project.installer in (PIPENV, POETRY, UV):
        return local_packages.from_manifest(project.app_dir, str(project.installer))
    return []


def src_dir(layer_path: str) -> str:
    """Where pip checks out editable VCS requirements (v242: .heroku/src): in the layer, so the
    image has them at the path their install points at."""
    return os.path.join(layer_path, "src")


def pip_install(python: str, env: Mapping[str, str]) -> List[str]:
    return [python] + PIP_INSTALL + ["--src", src_dir(env["PYTHONUSERBASE"])]


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


SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def install_env(layer_path: str, pip_cache: str, env: Mapping[str, str],
                ca_bundle: str = SYSTEM_CA_BUNDLE) -> Dict[str, str]:
    out = dict(env)
    # pip, poetry and uv carry their own CA lists; point them at the build image's trust store
    # instead (unless the user chose), so a builder with extra CAs (a company's, a proxy's) works.
    if os.path.isfile(ca_bundle):
        for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            out.setdefault(name, ca_bundle)
    out["PYTHONUSERBASE"] = layer_path
    out["PIP_CACHE_DIR"] = pip_cache
    out["PIP_NO_INPUT"] = "1"
    out["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    out["PIP_ROOT_USER_ACTION"] = "ignore"  # builds run as root on some platforms; no venv is wanted
    out.pop("PIP_USER", None)
    out.pop("PIP_TARGET", None)
    out.pop("PIP_PREFIX", None)
    return out


class LockedInstaller(NamedTuple):
    """How a package manager's lock becomes a pip install: check the lock is current, export its
    main (non-dev) packages with their hashes, pip installs them."""
    lock: str
    manifest: str
    check: List[str]    # arguments to `python -m <tool>`
    export: List[str]   # likewise; prints a requirements file with hashes
    fix: str            # the command that refreshes the lock


LOCKED = {
    PIPENV: LockedInstaller("Pipfile.lock", "Pipfile", ["verify"], ["requirements", "--hash"], "pipenv lock"),
    POETRY: LockedInstaller("poetry.lock", "pyproject.toml", ["check", "--lock"],
                            ["export", "--only", "main", "--format", "requirements.txt"], "poetry lock"),
    UV: LockedInstaller("uv.lock", "pyproject.toml", ["lock", "--check"],
                        ["export", "--frozen", "--no-dev", "--format", "requirements.txt", "--no-header"], "uv lock"),
}


def install(layer: Layer, project: Project, python: str, python_release: Sequence[int],
            wanted: Dict[str, object], env: Dict[str, str], runner: Runner, log: Log,
            tool_env: Optional[Dict[str, str]] = None) -> None:
    layer.reset()
    timer = log.timer()
    vendor = vendored_packages(project)
    offline = ["--no-index", "--find-links", vendor] if vendor else []
    offline_note = ", offline from {}/".format(vendor) if vendor else ""
    if project.installer == PIP:
        log.info("Installing dependencies with pip from {}{}".format(project.dependency_inputs[0], offline_note))
        _pip(python, offline + ["--requirement", project.dependency_inputs[0]], project, env, runner)
    elif project.installer == PIP_PROJECT:
        log.info("Installing the app and its dependencies with pip (pip install --editable .){}".format(offline_note))
        _pip(python, offline + ["--editable", "."], project, env, runner)
    else:
        assert tool_env is not None
        _locked(python, project, LOCKED[str(project.installer)], env, tool_env, runner, log)
    _compile(python, python_release, layer.path, env, runner)
    layer.write_env("PYTHONUSERBASE", layer.path, "override")
    layer.commit(TYPES, wanted)
    log.info("Installed {} distributions in {}".format(len(installed_distributions(layer.path)), timer.elapsed()))


def _pip(python: str, args: List[str], project: Project, env: Dict[str, str], runner: Runner) -> None:
    code = runner.run(pip_install(python, env) + args, env, cwd=project.app_dir)
    if code != 0:
        what = project.dependency_inputs[0] if project.installer == PIP else "the app's project files"
        raise BuildpackError("pip could not install the dependencies (exit {}); its output is above.".format(code),
                             hint="Fix {} (a missing package, a version that does not exist, or a package "
                                  "needing system libraries), then build again.".format(what))


def _locked(python: str, project: Project, how: LockedInstaller, env: Dict[str, str], tool_env: Dict[str, str],
            runner: Runner, log: Log) -> None:
    tool = [python, "-m", str(project.installer)]
    cwd = project.app_dir
    tenv = dict(tool_env)
    tenv["PIPENV_PIPFILE"] = os.path.join(cwd, "Pipfile")
    tenv["UV_PYTHON"] = python
    if how.lock in project.files:
        log.info("Checking {} is up to date with {} ({} {})".format(how.lock, how.manifest, project.installer,
                                                                    " ".join(how.check)))
        if runner.run(tool + how.check, tenv, cwd=cwd) != 0:
            raise BuildpackError("{} is out of date with {}.".format(how.lock, how.manifest),
                                 hint="Run `{}` and commit the new {}.".format(how.fix, how.lock))
    else:  # only pipenv lets an app come without its lock
        log.warning("No {}: resolving {} now. Builds are only reproducible with a lock.".format(how.lock, how.manifest),
                    hint="Run `{}` and commit {}.".format(how.fix, how.lock))
        if runner.run(tool + ["lock"], tenv, cwd=cwd) != 0:
            raise BuildpackError("{} could not lock {}; its output is above.".format(project.installer, how.manifest),
                                 hint="Fix {}, run `{}` locally and commit {}.".format(how.manifest, how.fix, how.lock))
    exported = runner.capture(tool + how.export, tenv, cwd=cwd)
    if exported.returncode != 0:
        raise BuildpackError("{} could not export {}: {}".format(
            project.installer, how.lock, exported.stderr.strip()[-500:]),
            hint="Regenerate it with `{}` and commit it.".format(how.fix))
    split = requirements.split_by_hashes(exported.stdout)
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        code = 0
        if split.hashed:
            log.info("Installing dependencies with pip from {} (main packages, hashes checked)".format(how.lock))
            code = runner.run(pip_install(python, env) + ["--requirement", _write(tmp, "hashed.txt", split.hashed)],
                              env, cwd=cwd)
        if split.unhashed and code == 0:
            # pip cannot hash a path or a checkout; the lock already pinned what they depend on.
            log.info("Installing the local and VCS packages of {} (no hashes to check; their dependencies "
                     "are locked and installed above)".format(how.lock))
            code = runner.run(pip_install(python, env) + ["--no-deps", "--requirement",
                                                          _write(tmp, "unhashed.txt", split.unhashed)], env, cwd=cwd)
    if code != 0:
        raise BuildpackError("pip could not install the packages in {} (exit {}); its output is above.".format(
            how.lock, code), hint="Fix {}, run `{}`, commit both, build again.".format(how.manifest, how.fix))


def _write(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _compile(python: str, release: Sequence[int], layer_path: str, env: Dict[str, str], runner: Runner) -> None:
    sp = site_packages(layer_path)
    if sp and compile_paths(python, release, [sp], env, runner) != 0:
        raise BuildpackError("Compiling the dependencies' bytecode failed; the output is above.",
                             hint="A package ships Python files that do not compile with this Python version.")
