"""pip installs a requirements.txt app (`pip install --requirement`) or a project with no lock
(`pip install --editable .`, plus `--group` for the dependency groups asked for: pip 25.1+) into
the dependencies layer as a user base (PYTHONUSERBASE): the runtime finds its site-packages by
itself. Editable VCS checkouts go to the layer's src/ (pip --src), so what they install is in the
image."""
import os
import subprocess
from typing import List, Mapping, Optional, Tuple

from .. import install_failures, tool_launch
from ..cnb.layers import Layer
from ..dependency_plan import Metadata
from ..errors import BuildpackError
from ..installers import Installer
from ..reuse import previous
from ..settings import INSTALL_GROUPS
from . import StepContext
from .installing import Job

PIP_INSTALL = ["install", "--user", "--no-warn-script-location", "--no-compile",
               "--progress-bar", "off", "--disable-pip-version-check"]
GROUPS_SINCE = (25, 1)  # the first pip with --group (PEP 735)
# What `pip install` imports before any work: 0.4 s of a 0.7 s install of one added requirement.
# Started ahead, pip imports them while the last build's dependencies are unpacked for it, and
# builds its user agent once (0.1 s at its first request: distro, libc, setuptools' metadata in
# the runtime's zip), which leaves those caches filled; nothing in it reads the user site.
AHEAD = ("pip._internal.cli.main", "pip._internal.commands.install", "pip._internal.network.session:user_agent")
# pips before 23 (Python 3.7 and older here) load pkg_resources with those modules, and its working
# set is fixed at import: started ahead, they would not see the dependencies unpacked meanwhile.
AHEAD_SINCE = (23, 0)


def src_dir(layer_path: str) -> str:
    """Where pip checks out editable VCS requirements (v242: .heroku/src): in the layer, so the
    image has them at the path their install points at."""
    return os.path.join(layer_path, "src")


def pip_install(python: str, env: Mapping[str, str], ahead: bool = False) -> List[str]:
    launch = tool_launch.module_waiting(python, "pip", AHEAD) if ahead else tool_launch.module(python, "pip")
    return launch + PIP_INSTALL + ["--src", src_dir(env["PYTHONUSERBASE"])]


def start_ahead(step: StepContext, job: Job) -> Optional["subprocess.Popen[str]"]:
    """pip for a requirements.txt, started before the build unpacks the last build's dependencies
    to install over (steps/pip_dependencies.py); install() lets it run. None for other installs."""
    if job.installer is not Installer.PIP or _release(step.choice.toolset.versions().get("pip", "0")) < AHEAD_SINCE:
        return None
    assert step.python is not None
    return step.runner.start_waiting(pip_install(step.python.path, step.env, ahead=True) + _requirements(step, job),
                                     step.env, cwd=step.app_dir)


def _requirements(step: StepContext, job: Job) -> List[str]:
    return _offline(job) + ["--requirement", step.project.dependency_inputs[0]]


def _offline(job: Job) -> List[str]:
    """From the app's vendor/ (or wheels/) alone, when it has one."""
    return ["--no-index", "--find-links", job.vendor] if job.vendor else []


def added_lines_only(old: Metadata, new: Metadata) -> bool:
    """The same installer (pip), Python and target, and requirements.txt changed only by gaining
    lines (every other input the same): pip then installs over the previous layer and finds the
    rest already there, as v242 does with its cached site-packages."""
    if (old.installer, old.python_version, old.target) != (new.installer, new.python_version, new.target) \
            or new.installer != Installer.PIP.value or set(old.inputs) != set(new.inputs):
        return False
    changed_inputs = [name for name in new.inputs if old.inputs[name] != new.inputs[name]]
    left = list(new.requirement_lines)
    for line in old.requirement_lines:
        if line not in left:
            return False
        left.remove(line)
    # [] is also what an older version's TOML stands for: lines unknown, never "only gained"
    return changed_inputs == ["requirements.txt"] and bool(left) and bool(old.requirement_lines)


def grown_from(layer: Layer, wanted: Metadata) -> Optional[Metadata]:
    """The last build's metadata when requirements.txt only gained lines since: pip can install
    over that build's layer (at hand, or unpacked from steps/pip_dependencies.py's copy)."""
    old = previous(layer, Metadata)
    return None if isinstance(old, str) or not added_lines_only(old, wanted) else old


def install(step: StepContext, job: Job) -> None:
    project = step.project
    offline_note = ", offline from {}/".format(job.vendor) if job.vendor else ""
    if job.installer is Installer.PIP:
        if job.groups:
            step.log.warning("{} names groups, but requirements.txt has none: installing requirements.txt "
                             "alone.".format(INSTALL_GROUPS), hint="Unset it, or list the packages in requirements.txt.")
        if job.over:
            step.log.info("Installing the added requirements over the last build's with pip ({} only gained "
                          "lines){}".format(project.dependency_inputs[0], offline_note))
        else:
            step.log.info("Installing dependencies with pip from {}{}".format(project.dependency_inputs[0],
                                                                             offline_note))
        _pip(step, _requirements(step, job), project.dependency_inputs[0], job.ahead)
        return
    groups = []  # type: List[str]
    for group in job.groups:
        groups += ["--group", group]
    if groups:
        _check_groups(step.choice.toolset.versions()["pip"])
        step.log.info("Installing the app and its dependencies with pip (pip install --editable . --group {}){}".format(
            " --group ".join(job.groups), offline_note))
    else:
        step.log.info("Installing the app and its dependencies with pip (pip install --editable .){}".format(
            offline_note))
    _pip(step, _offline(job) + ["--editable", "."] + groups, "the app's project files")


def _check_groups(pip_version: str) -> None:
    if _release(pip_version) < GROUPS_SINCE:
        raise BuildpackError("{} asks for dependency groups, which pip installs from version {}.{} on; python-cnb "
                             "pins pip {} for this app's Python.".format(INSTALL_GROUPS, GROUPS_SINCE[0],
                                                                         GROUPS_SINCE[1], pip_version),
                             hint="Use Python 3.13 or newer (python-cnb pins pip 26.3 there), lock the project with "
                                  "uv or Poetry, or unset {}.".format(INSTALL_GROUPS))


def _release(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def _pip(step: StepContext, args: List[str], what: str, ahead: Optional["subprocess.Popen[str]"] = None) -> None:
    """pip install args; ahead: the same command, started ahead (start_ahead)."""
    assert step.python is not None
    output = []  # type: List[str]
    if ahead is not None:
        code = step.runner.go(ahead, keep=output)
    else:
        code = step.runner.run(pip_install(step.python.path, step.env) + args, step.env, cwd=step.app_dir, keep=output)
    if code != 0:
        raise install_failures.explain("pip", output, BuildpackError(
            "pip could not install the dependencies (exit {}); its output is above.".format(code),
            hint="Fix {} (a missing package, a version that does not exist, or a package "
                 "needing system libraries), then build again.".format(what)))
