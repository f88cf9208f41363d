"""The app's dependencies (launch; build and cache too when retention.py says), installed into
one layer by the installer the app's files call for, one module each, dispatched through
INSTALLERS (keyed by Installer):

- pip and uv pip (requirements.txt, a project with no lock) install into a user base
  (PYTHONUSERBASE = this layer): the runtime finds its site-packages by itself;
- a lock's own tool (uv sync, poetry sync, pipenv sync, uv pip sync for pylock.toml) installs into
  a virtual environment of the runtime that is this layer. Its bin/ is prepended to PATH by an env
  file, which the lifecycle applies after every layer's bin/ (launch/launcher.go: all layer roots
  first, then env files), so `python`, console scripts and Procfile commands are the venv's,
  whatever the layers' names sort as; PYTHONUSERBASE points at it too, so the runtime's own
  python (the same lib/pythonX.Y/site-packages) sees the packages as well.

Whether to reuse the layer was decided before any step ran (dependency_plan.py)."""
import os
import re
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from .. import installed_urls, sbom
from ..bytecode import compile_paths, sources
from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import LayerTypes
from ..dependency_plan import NAME, Metadata, site_packages, vendored_packages
from ..errors import BuildpackError
from ..installers import Installer
from ..runner import Runner, stop_and_close
from . import (Python, Result, StepContext, pip_dependencies, pip_install, pipenv_sync, poetry_sync, pylock_install,
               tools, uv_pip_install, uv_sync)
from .installing import SYSTEM_CA_BUNDLE, Job, make_venv
TYPES = LayerTypes(build=True, launch=True, cache=True)

INSTALLERS: Dict[Installer, Callable[[StepContext, Job], None]] = {
    Installer.PIP: pip_install.install,
    Installer.PIP_PROJECT: pip_install.install,
    Installer.UV_PIP: uv_pip_install.install,
    Installer.PIPENV: pipenv_sync.install,
    Installer.POETRY: poetry_sync.install,
    Installer.UV: uv_sync.install,
    Installer.PYLOCK: pylock_install.install,
}


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


CA_BUNDLE_SETTINGS = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def env(layers_dir: str, ca_bundle: str = SYSTEM_CA_BUNDLE, venv: bool = False,
        user_env: Optional[Mapping[str, str]] = None) -> LayerEnv:
    """PYTHONUSERBASE is this layer, for this build (pip installs into it), later buildpacks and
    launch (Python finds its site-packages); its bin/ reaches PATH through the lifecycle (and this
    build's later steps through this env); a venv (venv=True) adds venv_env. The rest is how pip
    runs in this build: no prompts, no version check, no venv advice as root, no user settings
    that would install elsewhere."""
    out = LayerEnv()
    # pip, poetry and uv carry their own CA lists; point them all at one bundle: the one the user
    # named in any of these settings, else the build image's trust store (so a builder with extra
    # CAs, a company's or a proxy's, works). One for all, as requests (under pip and poetry) lets
    # REQUESTS_CA_BUNDLE win over PIP_CERT: a user's PIP_CERT beside our REQUESTS_CA_BUNDLE was lost.
    user = user_env or {}
    chosen = next((user[name] for name in CA_BUNDLE_SETTINGS if user.get(name)), "")
    if chosen or os.path.isfile(ca_bundle):
        for name in CA_BUNDLE_SETTINGS:
            out = out.default(name, chosen or ca_bundle, Scope.THIS_BUILD)
    out = (out.override("PYTHONUSERBASE", os.path.join(layers_dir, NAME))
            # The lifecycle puts bin/ on PATH for later buildpacks and launch; bin/post_compile needs it now.
            .prepend("PATH", os.path.join(layers_dir, NAME, "bin"), Scope.THIS_BUILD)
            .override("PIP_NO_INPUT", "1", Scope.THIS_BUILD)
            .override("PIP_DISABLE_PIP_VERSION_CHECK", "1", Scope.THIS_BUILD)
            .override("PIP_ROOT_USER_ACTION", "ignore", Scope.THIS_BUILD)
            .unset("PIP_USER").unset("PIP_TARGET").unset("PIP_PREFIX")
            # a user's settings that would refuse the user scheme this layer is: for this build only
            .unset("PYTHONNOUSERSITE").unset("PIP_REQUIRE_VIRTUALENV"))
    return LayerEnv(out.entries + venv_env(layers_dir).entries) if venv else out


def venv_env(layers_dir: str) -> LayerEnv:
    """The layer as the active virtual environment, its bin/ first on PATH (an env file: the
    lifecycle applies those after every layer's bin/), for this build, later buildpacks and launch."""
    layer = os.path.join(layers_dir, NAME)
    return LayerEnv().override("VIRTUAL_ENV", layer).prepend("PATH", os.path.join(layer, "bin"))


def user_base(step: StepContext) -> Result:
    """The step before the hooks: pip, pre_compile and every later step see this layer as the user
    base from here on."""
    return Result(env=env(step.layers_dir, user_env=step.env))


def run(step: StepContext) -> Result:
    """Reuse the installed dependencies (where the last build kept them) or install them with the
    app's installer, as planned before the first step."""
    assert step.python is not None
    step.log.header("Dependencies")
    project, planned, kept = step.project, step.plan, step.kept
    if planned is None or project.installer is None:
        step.log.info("Nothing to install: no requirements.txt, Pipfile, pyproject.toml or setup.py")
        pip_dependencies.drop(step)
        return Result(dists=())
    layer, log, python = step.layer(NAME), step.log, step.python
    wanted, decision = planned.wanted, planned.decision
    tool = uv_pip_install.tool_for(project.installer, planned.chosen, python.release, log) or project.installer.tool
    if decision.reuse:
        kept.keep(layer, wanted._asdict())
        pip_dependencies.keep_or_drop(step, wanted._asdict())
        if tool:
            tools.retain(step, tool)
        log.info("Reusing dependencies ({} and Python {} unchanged)".format(
            ", ".join(project.dependency_inputs), python.version))
    else:
        if decision.reason:
            log.info("Rebuilding dependencies: {}".format(decision.reason))
        tool_env = step.env
        if tool:
            lock = project.installer.lock
            named = lock.file if lock and lock.file in project.files else project.installer.manifest
            tools.check_python(tool, python.release, named)
            tool_env = tools.run(step, tool)
        install(step, wanted, tool_env, kept.types)
    dists = distributions(layer.path) if planned.in_image is None or not decision.reuse else planned.in_image
    sbom.write(step.layers_dir, NAME, sbom.distribution_components(dists), step.buildpack_version)
    in_venv = Installer(wanted.installer).in_venv
    return Result(NAME, decision.reasons, venv_env(step.layers_dir) if in_venv else LayerEnv(), dists=tuple(dists))


def install(step: StepContext, wanted: Metadata, tool_env: Mapping[str, str], types: LayerTypes = TYPES) -> None:
    """The installer wanted.installer names installs the app's dependencies into the emptied layer
    (tool_env runs its tool); then bytecode, the env file, the TOML."""
    assert step.python is not None
    installer = Installer(wanted.installer)
    layer = step.layer(NAME)
    job = Job(installer, layer.path, dict(tool_env), step.settings.install_groups, vendored_packages(step.project))
    grown, over, ahead = pip_install.grown_from(layer, wanted), False, None
    try:
        if grown is not None:
            layer.reopen()  # its TOML goes first: a failed install leaves nothing a later build trusts
            if site_packages(layer.path) is None:  # to unpack first: pip starts up meanwhile
                ahead = pip_install.start_ahead(step, job)
            over = site_packages(layer.path) is not None or pip_dependencies.unpack(step, layer, grown)
        if not over:
            layer.reset()
        timer = step.log.timer()
        if installer.in_venv:
            make_venv(step, layer.path)
        INSTALLERS[installer](step, job._replace(over=over, ahead=ahead))
    finally:
        if ahead is not None:
            stop_and_close(ahead)  # ended, or never let run (the unpack failed on an error)
    installed_urls.scrub(layer.path)  # a launch layer: no clone URL keeps its token
    _compile(step.python, layer.path, step.env, step.runner, only_new=over)
    env(step.layers_dir, venv=installer.in_venv).write(layer)
    layer.commit(types, wanted._asdict())
    pip_dependencies.pack(step, layer.path, wanted._asdict())
    step.log.info("Installed {} distributions in {}".format(len(installed_distributions(layer.path)),
                                                           timer.elapsed()))


def _compile(python: Python, layer_path: str, env: Dict[str, str], runner: Runner, only_new: bool = False) -> None:
    """Every module's pyc; only_new: those of modules that have none (what pip just installed over
    the last build's: compileall would rewrite every unchecked-hash pyc, whatever their age)."""
    sp = site_packages(layer_path)
    paths = [sp] if sp else []
    if sp and only_new:
        tag = "cpython-{}{}.pyc".format(*python.release[:2])
        paths = [f for f in sources([sp]) if not os.path.exists(os.path.join(
            os.path.dirname(f), "__pycache__", os.path.basename(f)[:-3] + "." + tag))]
    if paths and compile_paths(python.path, python.release, paths, env, runner) != 0:
        raise BuildpackError("Compiling the dependencies' bytecode failed; the output is above.",
                             hint="A package ships Python files that do not compile with this Python version.")
