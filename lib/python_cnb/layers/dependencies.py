"""The app's dependencies (launch; build and cache too when retention.py says), installed with pip into a user base
(PYTHONUSERBASE = this layer): its bin/ reaches PATH through the lifecycle and Python finds its
site-packages by itself. A requirements.txt app with BP_PYTHON_PACKAGE_MANAGER=uv gets the same
layout from `uv pip install --prefix` (uv_install.py); the choice keys the layer.

Keyed on the sha256 of every input file, of each local package (local_packages.py: an editable
one's project files, another's tree, a git+file repository's commit), the Python version, the
installer and the target: a rebuild where none changed runs no installer at all. Editable VCS
checkouts go to the layer's src/ (pip --src), so what they install is in the image."""
import glob
import os
import re
import tempfile
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .. import appfiles, install_failures, installed_urls, local_packages, requirements, sbom, tool_launch, uv_install
from ..bytecode import compile_paths
from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..installers import UV_TOOL, Installer, Lock
from ..local_packages import LocalSource
from ..project import Project
from ..runner import Runner
from ..uv_install import RequirementsInstaller
from . import Decision, Python, StepContext, compare, rebuild, tools
from .retention import Retention

NAME = "dependencies"
TYPES = LayerTypes(build=True, launch=True, cache=True)

PIP_INSTALL = ["install", "--user", "--no-warn-script-location", "--no-compile",
               "--progress-bar", "off", "--disable-pip-version-check"]


def file_digests(app_dir: str, names: Sequence[str]) -> Dict[str, str]:
    return {name: appfiles.digest(os.path.join(app_dir, name), name) for name in names}


# Where an app vendors its packages for offline builds (as Paketo's and Google's buildpacks look).
VENDOR_DIRS = ("vendor", "wheels")
_DISTRIBUTIONS = (".whl", ".tar.gz", ".zip")


def vendored_packages(project: Project) -> Optional[str]:
    """The app's vendor/ (or wheels/) directory when it holds distributions: pip then installs
    from it alone (--no-index), for builds with no network."""
    if project.installer not in (Installer.PIP, Installer.PIP_PROJECT):
        return None
    for name in VENDOR_DIRS:
        path = os.path.join(project.app_dir, name)
        if os.path.isdir(path) and not os.path.islink(path) and any(
                entry.endswith(_DISTRIBUTIONS) for entry in os.listdir(path)):
            return name
    return None


class Metadata(NamedTuple):
    """What the dependencies layer is keyed on (its [metadata])."""
    installer: str             # Installer's value
    python_version: str
    target: str
    inputs: Dict[str, str]     # input file (or local package) -> sha256 (or commit)


def metadata(project: Project, python_version: str, target: str,
             chosen: RequirementsInstaller = RequirementsInstaller.PIP) -> Metadata:
    """chosen (BP_PYTHON_PACKAGE_MANAGER) keys a requirements.txt app's layer: switching reinstalls."""
    inputs = file_digests(project.app_dir, project.dependency_inputs)
    inputs.update(local_packages.digests(project.app_dir, local_sources(project)))
    vendor = vendored_packages(project)
    if vendor:
        inputs[vendor + "/"] = local_packages.tree_digest(os.path.join(project.app_dir, vendor))
    assert project.installer is not None
    installer = chosen.key if project.installer == Installer.PIP else project.installer.value
    return Metadata(installer, python_version, target, inputs)


def local_sources(project: Project) -> List[LocalSource]:
    """The packages the app installs from paths and git+file repositories, whatever declares them."""
    if project.installer == Installer.PIP:
        return list(project.requirement_sources)
    if project.installer is not None and project.installer.lock:
        return local_packages.from_manifest(project.app_dir, project.installer.value)
    return []


def src_dir(layer_path: str) -> str:
    """Where pip checks out editable VCS requirements (v242: .heroku/src): in the layer, so the
    image has them at the path their install points at."""
    return os.path.join(layer_path, "src")


def pip_install(python: str, env: Mapping[str, str]) -> List[str]:
    return tool_launch.module(python, "pip") + PIP_INSTALL + ["--src", src_dir(env["PYTHONUSERBASE"])]


def _describe(key: str, old: Any, new: Any) -> str:
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


def reasons(previous: Mapping[str, Any], wanted: Metadata) -> List[str]:
    """Every way previous differs from wanted, in words ([] when they match or there is none)."""
    return list(compare(previous, wanted._asdict(), _describe).reasons)


def decide(layer: Layer, wanted: Metadata, needs: Sequence[str] = ()) -> Decision:
    """needs: why this build needs the dependencies at hand (retention.py); without any, those the
    previous image holds (the TOML came back without contents) are reused there."""
    decision = compare(layer.previous_metadata(), wanted._asdict(), _describe)
    if decision.reuse and not layer.has_contents():
        if needs:
            return rebuild("the last build kept them in the image only, and this build needs them ({})".format(
                "; ".join(needs)))
        return decision
    if decision.reuse and not site_packages(layer.path):
        return rebuild("the cached dependencies' files are missing")
    return decision


class Plan(NamedTuple):
    """What the dependencies step will do, decided before the runtime step (which must know
    whether pip will run): the metadata, the decision and, for dependencies reused from the
    previous image, their list from its SBOM (the layer's files are not here to read)."""
    wanted: Metadata
    decision: Decision
    in_image: Optional[List[Tuple[str, str]]] = None
    chosen: RequirementsInstaller = RequirementsInstaller.PIP  # BP_PYTHON_PACKAGE_MANAGER


def plan(step: StepContext, project: Project, python_version: str, kept: Retention) -> Optional[Plan]:
    """None when the app has nothing to install."""
    if project.installer is None:
        return None
    layer, chosen = step.layer(NAME), uv_install.chosen(step.env)
    wanted = metadata(project, python_version, step.target, chosen)
    decision = decide(layer, wanted, kept.needs)
    if not decision.reuse or layer.has_contents():
        return Plan(wanted, decision, None, chosen)
    listed = sbom.read_distributions(step.layers_dir, NAME)
    if listed is None:
        return Plan(wanted, rebuild("the last build's list of them (dependencies.sbom.cdx.json) is missing"), None, chosen)
    return Plan(wanted, decision, listed, chosen)


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


CA_BUNDLE_SETTINGS = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def env(layers_dir: str, ca_bundle: str = SYSTEM_CA_BUNDLE, user_env: Optional[Mapping[str, str]] = None) -> LayerEnv:
    """PYTHONUSERBASE is this layer, for this build (pip installs into it), later buildpacks and
    launch (Python finds its site-packages); its bin/ reaches PATH through the lifecycle (and this
    build's later steps through this env). The
    rest is how pip runs in this build: no prompts, no version check, no venv advice as root, no
    user settings that would install elsewhere."""
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
    return (out.override("PYTHONUSERBASE", os.path.join(layers_dir, NAME))
            # The lifecycle puts bin/ on PATH for later buildpacks and launch; bin/post_compile needs it now.
            .prepend("PATH", os.path.join(layers_dir, NAME, "bin"), Scope.THIS_BUILD)
            .override("PIP_NO_INPUT", "1", Scope.THIS_BUILD)
            .override("PIP_DISABLE_PIP_VERSION_CHECK", "1", Scope.THIS_BUILD)
            .override("PIP_ROOT_USER_ACTION", "ignore", Scope.THIS_BUILD)
            .unset("PIP_USER").unset("PIP_TARGET").unset("PIP_PREFIX")
            # a user's settings that would refuse the user scheme this layer is: for this build only
            .unset("PYTHONNOUSERSITE").unset("PIP_REQUIRE_VIRTUALENV"))


def run(step: StepContext, project: Project, kept: Retention, planned: Optional[Plan] = None) -> List[Tuple[str, str]]:
    """Reuse the installed dependencies (where the last build kept them) or install them (checking
    and exporting a lock with its package manager first); the distributions, as (name, version).
    planned: plan()'s answer, when the caller already asked."""
    assert step.python is not None
    planned = planned or plan(step, project, step.python.version, kept)
    if planned is None or project.installer is None:
        step.log.info("Nothing to install: no requirements.txt, Pipfile, pyproject.toml or setup.py")
        return []
    layer, log, python = step.layer(NAME), step.log, step.python
    wanted, decision = planned.wanted, planned.decision
    tool = uv_install.tool_for(project.installer, planned.chosen, python.release, log) or project.installer.tool
    if decision.reuse:
        kept.keep(layer, wanted._asdict())
        if tool:
            tools.retain(step, tool)
        log.info("Reusing dependencies ({} and Python {} unchanged)".format(
            ", ".join(project.dependency_inputs), python.version))
    else:
        if decision.reason:
            log.info("Rebuilding dependencies: {}".format(decision.reason))
        tool_env: Optional[Dict[str, str]] = None
        if tool:
            lock = project.installer.lock
            named = lock.file if lock and lock.file in project.files else project.installer.manifest
            tools.check_python(tool, python.release, named)
            tool_env = tools.run(step, tool)
        install(step, project, wanted, tool_env, kept.types)
    dists = distributions(layer.path) if planned.in_image is None or not decision.reuse else planned.in_image
    sbom.write(step.layers_dir, NAME, sbom.distribution_components(dists), step.buildpack_version)
    return dists


def install(step: StepContext, project: Project, wanted: Metadata, tool_env: Optional[Dict[str, str]] = None,
            types: LayerTypes = TYPES) -> None:
    """pip installs the app's dependencies into the layer (a package manager's lock, exported,
    when the installer has one: tool_env runs the tool); then bytecode, the env file, the TOML."""
    assert step.python is not None and project.installer is not None
    layer = step.layer(NAME)
    layer.reset()
    timer = step.log.timer()
    vendor = vendored_packages(project)
    offline = ["--no-index", "--find-links", vendor] if vendor else []
    offline_note = ", offline from {}/".format(vendor) if vendor else ""
    if project.installer == Installer.PIP and wanted.installer == RequirementsInstaller.UV.key:
        step.log.info("Installing dependencies with uv {} from {} (from {}=uv){}".format(
            UV_TOOL.version, project.dependency_inputs[0], uv_install.SETTING, offline_note))
        uv_install.run(step, uv_install.Install(tools.executable(step, UV_TOOL), step.python.path, layer.path,
                                                project.dependency_inputs[0], vendor), SYSTEM_CA_BUNDLE)
    elif project.installer == Installer.PIP:
        step.log.info("Installing dependencies with pip from {}{}".format(project.dependency_inputs[0], offline_note))
        _pip(step, offline + ["--requirement", project.dependency_inputs[0]], project)
    elif project.installer == Installer.PIP_PROJECT:
        step.log.info("Installing the app and its dependencies with pip (pip install --editable .){}".format(
            offline_note))
        _pip(step, offline + ["--editable", "."], project)
    else:
        assert tool_env is not None
        _locked(step, project, tool_env)
    installed_urls.scrub(layer.path)  # a launch layer: no clone URL keeps its token
    _compile(step.python, layer.path, step.env, step.runner)
    env(step.layers_dir).write(layer)
    layer.commit(types, wanted._asdict())
    step.log.info("Installed {} distributions in {}".format(len(installed_distributions(layer.path)),
                                                           timer.elapsed()))


def _pip(step: StepContext, args: List[str], project: Project) -> None:
    assert step.python is not None
    output: List[str] = []
    code = step.runner.run(pip_install(step.python.path, step.env) + args, step.env, cwd=project.app_dir, keep=output)
    if code != 0:
        what = project.dependency_inputs[0] if project.installer == Installer.PIP else "the app's project files"
        raise install_failures.explain("pip", output, BuildpackError(
            "pip could not install the dependencies (exit {}); its output is above.".format(code),
            hint="Fix {} (a missing package, a version that does not exist, or a package "
                 "needing system libraries), then build again.".format(what)))


def _locked(step: StepContext, project: Project, tool_env: Dict[str, str]) -> None:
    """Check the lock is current (or, for a Pipfile alone, lock it), export its main packages,
    pip installs them: hashed ones first, then paths and checkouts with --no-deps."""
    assert step.python is not None and project.installer is not None and project.installer.lock is not None
    installer, how, log, runner = project.installer, project.installer.lock, step.log, step.runner
    python = step.python.path
    tool = tool_launch.module(python, installer.value)
    cwd = project.app_dir
    tenv = dict(tool_env)
    tenv["PIPENV_PIPFILE"] = os.path.join(cwd, "Pipfile")
    tenv["UV_PYTHON"] = python
    if how.file in project.files:
        log.info("Checking {} is up to date with {} ({} {})".format(how.file, installer.manifest, installer.value,
                                                                    " ".join(how.check)))
        output: List[str] = []
        code = runner.run(tool + list(how.check), tenv, cwd=cwd, keep=output)
        if code != 0:
            raise install_failures.lock_check_failed(installer.value, installer.manifest, how, code, output)
    else:  # only pipenv lets an app come without its lock
        log.warning("No {}: resolving {} now. Builds are only reproducible with a lock.".format(
            how.file, installer.manifest), hint="Run `{}` and commit {}.".format(how.fix, how.file))
        if runner.run(tool + ["lock"], tenv, cwd=cwd) != 0:
            raise BuildpackError("{} could not lock {}; its output is above.".format(installer.value, installer.manifest),
                                 hint="Fix {}, run `{}` locally and commit {}.".format(
                                     installer.manifest, how.fix, how.file))
    exported = runner.capture(tool + list(how.export), tenv, cwd=cwd)
    if exported.returncode != 0:
        raise BuildpackError("{} could not export {}: {}".format(
            installer.value, how.file, exported.stderr.strip()[-500:]),
            hint="Regenerate it with `{}` and commit it.".format(how.fix))
    _install_export(step, how, installer.manifest, requirements.split_by_hashes(exported.stdout), cwd)


def _install_export(step: StepContext, how: Lock, manifest: str, split: "requirements.Split", cwd: str) -> None:
    assert step.python is not None
    pip = pip_install(step.python.path, step.env)
    output: List[str] = []
    if not split.hashed and not split.unhashed:
        step.log.info("{} lists no main packages: nothing to install".format(how.file))
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        code = 0
        if split.hashed:
            step.log.info("Installing dependencies with pip from {} (main packages, hashes checked)".format(how.file))
            code = step.runner.run(pip + ["--requirement", _write(tmp, "hashed.txt", split.hashed)], step.env, cwd=cwd,
                                   keep=output)
        if split.unhashed and code == 0:
            # pip cannot hash a path or a checkout; the lock already pinned what they depend on.
            step.log.info("Installing the local and VCS packages of {} (no hashes to check; their dependencies "
                          "are locked and installed above)".format(how.file))
            code = step.runner.run(pip + ["--no-deps", "--requirement", _write(tmp, "unhashed.txt", split.unhashed)],
                                   step.env, cwd=cwd, keep=output)
    if code != 0:
        raise install_failures.explain("pip", output, BuildpackError(
            "pip could not install the packages in {} (exit {}); its output is above.".format(how.file, code),
            hint="Fix {}, run `{}`, commit both, build again.".format(manifest, how.fix)))


def _write(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _compile(python: Python, layer_path: str, env: Dict[str, str], runner: Runner) -> None:
    sp = site_packages(layer_path)
    if sp and compile_paths(python.path, python.release, [sp], env, runner) != 0:
        raise BuildpackError("Compiling the dependencies' bytecode failed; the output is above.",
                             hint="A package ships Python files that do not compile with this Python version.")
