"""What every installer module (pip_install, uv_pip_install, pipenv_sync, poetry_sync, uv_sync,
pylock_install) gets and shares: one Job, one call shape `install(step, job) -> None`, and the
pieces two of them need (the virtual environment the lock tools install into, the stale-lock
error, how the log names the groups)."""
import os
import subprocess
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from .. import install_failures
from ..errors import BuildpackError
from ..installers import Installer
from . import StepContext, pip_cache


SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class Job(NamedTuple):
    """One install into the dependencies layer."""
    installer: Installer
    layer_path: str
    tool_env: Dict[str, str]      # the build's env, with the installer's tool (if any) runnable
    groups: Tuple[str, ...] = ()  # dependency groups asked for beside the main ones
    vendor: Optional[str] = None  # vendor/ or wheels/: pip installs from it alone
    over: bool = False            # into the last build's layer, which holds all but what was added
    ahead: Optional["subprocess.Popen[str]"] = None  # the installer, started ahead (pip_install.start_ahead)


def cache_dir(step: StepContext, tool: str) -> str:
    """The tool's cache, in the pip cache's layer (cache-only, keyed on target and Python)."""
    return os.path.join(step.layers_dir, pip_cache.NAME, tool)


def make_venv(step: StepContext, path: str) -> None:
    """The layer as a virtual environment of the runtime, without pip (the lock tools bring their
    own installers): at launch its bin/ comes first on PATH, so `python` and console scripts see
    the installed packages."""
    assert step.python is not None
    code = step.runner.run([step.python.path, "-m", "venv", "--without-pip", path], step.env, quiet=True)
    if code != 0:
        raise BuildpackError("Could not create the virtual environment for the dependencies (exit {}).".format(code),
                             hint="The runtime's venv module failed; its output is above. Report this.")


def venv_python(layer_path: str) -> str:
    return os.path.join(layer_path, "bin", "python")


def groups_phrase(groups: Sequence[str]) -> str:
    """How the log names what is installed: "main packages only" or "main packages and groups test, docs"."""
    return "main packages and group{} {}".format("s" if len(groups) > 1 else "", ", ".join(groups)) if groups \
        else "main packages only"


def run_tool(step: StepContext, job: Job, command: List[str], env: Dict[str, str]) -> List[str]:
    """Run the installer's command in the app; returns its output (also streamed to the log)."""
    output = []  # type: List[str]
    code = step.runner.run(command, env, cwd=step.app_dir, keep=output)
    if code != 0:
        raise failed(job.installer, code, output)
    return output


def failed(installer: Installer, code: int, output: Sequence[str]) -> BuildpackError:
    """The error for a lock tool that failed: a stale lock with the tool's reason and the command
    that fixes it, a package that cannot build, or the tool's own last words."""
    lock = installer.lock
    tool = installer.tool.name if installer.tool else installer.value
    if lock is not None:
        stale = install_failures.stale_lock(tool, installer.manifest, lock, output)
        if stale is not None:
            return stale
    what = lock.file if lock else installer.manifest
    said = next((line.strip() for line in reversed(output) if line.strip()), "")
    return install_failures.explain(tool, output, BuildpackError(
        "{} could not install the packages of {} (exit {}){}".format(
            tool, what, code, ": " + said[-300:] if said else "; its output is above."),
        hint="Its output is above. Fix {}{}, then build again.".format(
            what, ", run `{}` and commit it".format(lock.fix) if lock else "")))
