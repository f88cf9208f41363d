"""The opt-in uv installer for requirements.txt apps: BP_PYTHON_PACKAGE_MANAGER=uv makes
`uv pip install` (uv pinned in installers.py, kept in its build-only tools layer) install into the
same dependencies layer pip would, with the same rules:

- the layer's layout is pip's: `--prefix <layer>` writes lib/pythonX.Y/site-packages and bin/
  (the user scheme's paths on POSIX), scripts run the runtime's python;
- pip's settings (PIP_* variables and pip.conf files, pip_settings.py) map to uv's, index URLs
  through the environment so credentials never reach a command line, and the log masks them;
- a requirement with --hash turns on hash-checking for all, as in pip: `--require-hashes`;
- the runtime's own distributions (pip, setuptools, wheel) constrain the install: pip --user
  counts them as installed, uv --prefix sees only the layer, and would otherwise put a newer
  setuptools (without pkg_resources) in front of the runtime's.

Why the name: Google's buildpacks call the same choice GOOGLE_PYTHON_PACKAGE_MANAGER (pip | uv,
for requirements.txt); BP_ is the prefix Paketo's and this buildpack's settings use."""
import glob
import os
import re
import tempfile
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .. import install_failures, pip_settings, requirements
from ..errors import BuildpackError
from ..installers import UV_TOOL, Installer, Tool
from ..log import Log
from ..pip_settings import Setting, is_true
from ..settings import INSTALL_GROUPS, PACKAGE_MANAGER as SETTING
from . import StepContext, tools
from .installing import SYSTEM_CA_BUNDLE, Job, cache_dir


def tool_for(installer: Installer, chosen: Installer, release: Tuple[int, ...], log: Log) -> Optional[Tool]:
    """uv, when it is chosen for a requirements.txt app (None otherwise, with a warning when it
    was chosen for an app it does not apply to)."""
    if chosen is not Installer.UV_PIP:
        return None
    if installer is not Installer.PIP:
        log.warning("{}=uv applies to requirements.txt apps only; this app installs from {} as before.".format(
            SETTING, installer.lock.file if installer.lock else installer.manifest))
        return None
    if tuple(release[:2]) < UV_TOOL.min_python:
        raise BuildpackError("{}=uv needs Python {}.{} or newer (uv {} supports no older); this app uses Python {}.".format(
            SETTING, UV_TOOL.min_python[0], UV_TOOL.min_python[1], UV_TOOL.version, ".".join(str(p) for p in release)),
            hint="Ask for a newer Python, or unset {} to install with pip.".format(SETTING))
    return UV_TOOL


# pip settings that mean nothing for an install into a layer by uv (the buildpack sets most of them).
_NOT_APPLICABLE = frozenset((
    "cache-dir", "no-cache-dir", "no-input", "disable-pip-version-check", "root-user-action", "progress-bar",
    "no-warn-script-location", "no-compile", "compile", "user", "target", "prefix", "src", "quiet", "verbose",
    "no-color", "log", "no-python-version-warning", "exists-action", "upgrade", "upgrade-strategy", "force-reinstall",
    "ignore-installed", "warn-script-location",
))


# pip settings uv reads from variables, and those it takes as one flag per word.
_AS_VARIABLES = {"index-url": ("UV_INDEX_URL",), "timeout": ("UV_HTTP_TIMEOUT",),
                 "default-timeout": ("UV_HTTP_TIMEOUT",), "client-cert": ("SSL_CLIENT_CERT",),
                 "proxy": ("HTTPS_PROXY", "HTTP_PROXY")}
_PER_WORD = {"find-links": "--find-links", "trusted-host": "--allow-insecure-host",
             "constraint": "--constraints", "only-binary": "--only-binary", "no-binary": "--no-binary"}


class UvSettings(NamedTuple):
    env: Dict[str, str]    # UV_* and TLS variables to add
    flags: List[str]       # command-line flags (no credentials can be in them)
    ignored: List[str]     # pip settings uv has no equivalent for, with their source


def from_pip(settings: Mapping[str, Setting], env: Mapping[str, str], ca_default: str) -> UvSettings:
    """uv's equivalents of pip's effective settings. A UV_* variable the user set wins over the
    pip setting it would come from."""
    out = {}  # type: Dict[str, str]
    flags = []  # type: List[str]
    ignored = []  # type: List[str]
    for key in sorted(settings):
        value, source = settings[key]
        if key in _AS_VARIABLES:
            out.update(dict.fromkeys(_AS_VARIABLES[key], value.strip()))
        elif key == "extra-index-url":
            out["UV_EXTRA_INDEX_URL"] = " ".join(value.split())
        elif key in _PER_WORD:
            words = value.replace(",", " ").split() if key.endswith("-binary") else value.split()
            flags += [part for word in words for part in (_PER_WORD[key], word)]
        elif key in ("no-index", "require-hashes", "pre"):
            if is_true(value):
                flags += ["--prerelease", "allow"] if key == "pre" else ["--" + key]
        elif key == "cert":
            # PIP_CERT is the build image's bundle unless the user chose one; uv reads SSL_CERT_FILE.
            if value.strip() != ca_default or not env.get("SSL_CERT_FILE"):
                out["SSL_CERT_FILE"] = value.strip()
        elif key not in _NOT_APPLICABLE:
            ignored.append("{} (from {})".format(key, source))
    return UvSettings({k: v for k, v in out.items() if not (k.startswith("UV_") and env.get(k))}, flags, ignored)


_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.I)


def refuse_editable_vcs(app_dir: str, files: Sequence[str], env: Mapping[str, str]) -> None:
    """uv installs no editable VCS requirement (pip checks those out into the layer's src/):
    say so, with the line, before uv runs."""
    for name in files:
        for number, text in requirements.logical_lines(requirements.read_text(app_dir, name, "")):
            for option, value in requirements.parse_line(number, requirements.expand(text, env), name).options:
                if option == "--editable" and _VCS.match(value):
                    raise BuildpackError(
                        "{}, line {}: uv cannot install an editable VCS requirement (-e {}).".format(name, number, value),
                        hint="Install it without -e (uv then builds it into the layer), or build with pip ({}=pip), "
                             "which checks it out into the layer's src/.".format(SETTING))


def uses_hashes(app_dir: str, files: Sequence[str]) -> bool:
    """Whether pip would install in hash-checking mode: a requirement with --hash, or a
    --require-hashes line, in the requirements file or one it includes."""
    lines = (line for name in files
             for _, line in requirements.logical_lines(requirements.read_text(app_dir, name, "")))
    return any(w == "--require-hashes" or w.startswith("--hash") for line in lines for w in line.split())


def runtime_constraints(runtime_prefix: str) -> str:
    """`name==version` of each distribution the runtime carries (pip, setuptools, wheel)."""
    paths = glob.glob(os.path.join(runtime_prefix, "lib", "python*", "site-packages", "*.dist-info"))
    dists = (os.path.basename(path)[:-len(".dist-info")].partition("-") for path in sorted(paths))
    return "".join("{}=={}\n".format(name, version) for name, _, version in dists if name and version)


def environment(env: Mapping[str, str], cache_dir: str, uv_settings: UvSettings) -> Dict[str, str]:
    """The build's environment, for uv: its cache, no interpreter of its own, no progress bars,
    copies (not links into the cache) in the layer, pip's index strategy (every index, best
    version) unless the user chose uv's own."""
    out = {**env, **uv_settings.env, "UV_CACHE_DIR": cache_dir, "UV_LINK_MODE": "copy", "UV_NO_PROGRESS": "1",
           "UV_PYTHON_DOWNLOADS": "never", "UV_NO_MANAGED_PYTHON": "1"}
    out.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")
    # The buildpack compiles bytecode itself, reproducibly (bytecode.py); uv's would be kept as is.
    for name in ("UV_COMPILE_BYTECODE", "UV_SYSTEM_PYTHON", "VIRTUAL_ENV", "PYTHONPATH"):
        out.pop(name, None)
    return out


def install(step: StepContext, job: Job) -> None:
    """Install requirements.txt with `uv pip install`, as pip_install.py does with pip; raises
    BuildpackError if uv fails."""
    assert step.python is not None
    app_dir, env, log = step.app_dir, step.env, step.log
    requirement_file = step.project.dependency_inputs[0]
    if job.groups:
        log.warning("{} names groups, but requirements.txt has none: installing requirements.txt "
                    "alone.".format(INSTALL_GROUPS),
                    hint="Unset it, or list the packages in requirements.txt.")
    log.info("Installing dependencies with uv {} from {} (from {}=uv){}".format(
        UV_TOOL.version, requirement_file, SETTING, ", offline from {}/".format(job.vendor) if job.vendor else ""))
    runtime_prefix = os.path.dirname(os.path.dirname(step.python.path))
    uv_settings = from_pip(pip_settings.effective(env, runtime_prefix), env, SYSTEM_CA_BUNDLE)
    for setting in uv_settings.ignored:
        log.warning("pip's setting {} has no uv equivalent; uv ignores it.".format(setting),
                    hint="Unset it, or build with pip ({}=pip).".format(SETTING))
    files = requirements.parse(app_dir, requirement_file, env).files
    refuse_editable_vcs(app_dir, files, env)
    flags = uv_settings.flags
    hashes = ["--require-hashes"] if uses_hashes(app_dir, files) and "--require-hashes" not in flags else []
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        constraints = os.path.join(tmp, "runtime-constraints.txt")
        with open(constraints, "w", encoding="utf-8") as f:
            f.write(runtime_constraints(runtime_prefix))
        command = [tools.executable(step, UV_TOOL), "pip", "install", "--python", step.python.path,
                   "--prefix", job.layer_path, "--constraints", constraints] + hashes + flags
        if job.vendor:
            command += ([] if "--no-index" in flags else ["--no-index"]) + ["--find-links", job.vendor]
        output = []  # type: List[str]
        code = step.runner.run(command + ["--requirements", requirement_file],
                               environment(env, cache_dir(step, "uv"), uv_settings), cwd=app_dir, keep=output)
    if code != 0:
        raise install_failures.explain("uv", output, BuildpackError(
            "uv could not install the dependencies (exit {}); its output is above.".format(code),
            hint="Fix {} (a missing package, a version that does not exist, a package needing "
                 "system libraries, or a pip, setuptools or wheel version other than the "
                 "runtime's), or build with pip ({}=pip).".format(requirement_file, SETTING)))
    drop_bookkeeping(job.layer_path)


# What uv leaves for its own later runs and pip does not: the prefix's lock, and in a local
# package's .dist-info its source's mtimes (uv_cache.json: a checkout's mtimes would make the
# layer differ from one build to the next) and build settings (uv_build.json).
_UV_FILES = ("uv_cache.json", "uv_build.json")


def drop_bookkeeping(layer_path: str) -> None:
    lock = os.path.join(layer_path, ".lock")
    if os.path.isfile(lock):
        os.remove(lock)
    for dist_info in glob.glob(os.path.join(layer_path, "lib", "python*", "site-packages", "*.dist-info")):
        found = [name for name in _UV_FILES if os.path.isfile(os.path.join(dist_info, name))]
        for name in found:
            os.remove(os.path.join(dist_info, name))
        record = os.path.join(dist_info, "RECORD")
        if found and os.path.isfile(record):
            dropped = tuple("{}/{},".format(os.path.basename(dist_info), name) for name in found)
            with open(record, encoding="utf-8", newline="") as f:
                lines = f.readlines()
            with open(record, "w", encoding="utf-8", newline="") as f:
                f.writelines(line for line in lines if not line.startswith(dropped))
