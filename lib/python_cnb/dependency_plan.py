"""What the dependencies step will do, decided before any step runs (the runtime step must know
whether an installer will run): the layer's key, and reuse or rebuild with every reason.

Keyed on the sha256 of every input file, of each local package (local_packages.py: an editable
one's project files, another's tree, a git+file repository's commit), the Python version, the
installer and the target: a rebuild where none changed runs no installer at all."""
import glob
import hashlib
import os
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from . import appfiles, local_packages, sbom
from .cnb.layers import Layer
from .installers import Installer
from .local_packages import LocalSource
from .project import Project
from .retention import Retention
from .reuse import Decision, against_previous, changed, rebuild
from .runtime_choice import Choice
from .settings import Settings

NAME = "dependencies"


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
    # sha256 (16 hex digits) of each requirement line of requirements.txt, for pip: a change that
    # only adds lines installs over the cached layer (steps/pip_install.py, added_lines_only).
    # [] for other installers, and for a layer an older version wrote (it has no such field).
    requirement_lines: List[str] = []


GROUPS = "dependency groups"  # the inputs' entry for BP_PYTHON_INSTALL_GROUPS
# The inputs' entry of a lock installed by its own tool into a venv: a layer of a release that
# exported the lock to pip (without it) is reinstalled once, saying why.
VENV = "virtual environment"


def metadata(project: Project, python_version: str, target: str,
             chosen: Installer = Installer.PIP, groups: Sequence[str] = ()) -> Metadata:
    """chosen (BP_PYTHON_PACKAGE_MANAGER) keys a requirements.txt app's layer: switching reinstalls.
    The groups asked for key it as an input, only when there are some: a layer of a build before
    groups existed is reused as it was."""
    assert project.installer is not None
    inputs = {name: appfiles.digest(os.path.join(project.app_dir, name), name)
              for name in project.dependency_inputs}
    if groups:
        inputs[GROUPS] = ",".join(groups)
    if project.installer.in_venv:
        inputs[VENV] = project.installer.value
    inputs.update(local_packages.digests(project.app_dir, local_sources(project)))
    vendor = vendored_packages(project)
    if vendor:
        inputs[vendor + "/"] = local_packages.tree_digest(os.path.join(project.app_dir, vendor))
    installer = chosen if project.installer is Installer.PIP else project.installer
    lines = requirement_lines(project.app_dir, project.dependency_inputs[0]) if installer is Installer.PIP else []
    return Metadata(installer.value, python_version, target, inputs, lines)


def requirement_lines(app_dir: str, name: str) -> List[str]:
    """A digest per line that says something (not blank, not a comment), in order."""
    text = appfiles.read_text(app_dir, name)
    return [hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:16] for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def local_sources(project: Project) -> List[LocalSource]:
    """The packages the app installs from paths and git+file repositories, whatever declares them."""
    if project.installer in (Installer.PIPENV, Installer.POETRY, Installer.UV):
        assert project.installer is not None
        return local_packages.from_manifest(project.app_dir, project.installer.value)
    return list(project.requirement_sources)  # requirements.txt's (project.py reads none for others)


def _inputs_changed(old: Dict[str, str], new: Dict[str, str]) -> str:
    parts = (("changed", [n for n in new if n in old and old[n] != new[n]]),
             ("added", [n for n in new if n not in old and n != VENV]), ("removed", [n for n in old if n not in new]))
    said = ["{} {}".format(", ".join(names), what) for what, names in parts if names]
    if VENV in new and VENV not in old:
        said.append("the last build installed the lock with pip; {} now installs it into a virtual "
                    "environment".format(new[VENV]))
    return "; ".join(said)


_PHRASES = {"installer": "installer changed ({} -> {})", "python_version": "Python version changed ({} -> {})",
            "target": "the build's target changed ({} -> {})"}


def reasons(old: Metadata, new: Metadata) -> List[str]:
    """Every way old differs from new, a phrase per field ([] when they match); the lines of
    requirements.txt change with its digest, which says it."""
    return [_inputs_changed(a, b) if name == "inputs" else _PHRASES[name].format(a, b)
            for name, a, b in changed(old, new) if name != "requirement_lines"]


def decide(layer: Layer, wanted: Metadata, needs: Sequence[str] = ()) -> Decision:
    """needs: why this build needs the dependencies at hand (retention.py); without any, those the
    previous image holds (the TOML came back without contents) are reused there."""
    decision = against_previous(layer, wanted, reasons)
    if decision.reuse and not layer.has_contents() and needs:
        return rebuild("the last build kept them in the image only, and this build needs them ({})".format(
            "; ".join(needs)))
    if decision.reuse and layer.has_contents() and not site_packages(layer.path):
        return rebuild("the cached dependencies' files are missing")
    return decision


class Plan(NamedTuple):
    """The metadata, the decision and, for dependencies reused from the previous image, their
    list from its SBOM (the layer's files are not here to read)."""
    wanted: Metadata
    decision: Decision
    in_image: Optional[List[Tuple[str, str]]] = None
    chosen: Installer = Installer.PIP  # BP_PYTHON_PACKAGE_MANAGER: PIP, or UV_PIP


def plan(layer: Layer, project: Project, choice: Choice, settings: Settings, kept: Retention) -> Optional[Plan]:
    """None when the app has nothing to install."""
    if project.installer is None:
        return None
    chosen = settings.package_manager
    wanted = metadata(project, choice.runtime.version, choice.target, chosen, settings.install_groups)
    decision = decide(layer, wanted, kept.needs)
    if not decision.reuse or layer.has_contents():
        return Plan(wanted, decision, None, chosen)
    listed = sbom.read_distributions(layer.layers_dir, NAME)
    if listed is None:
        return Plan(wanted, rebuild("the last build's list of them (dependencies.sbom.cdx.json) is missing"), None, chosen)
    return Plan(wanted, decision, listed, chosen)


def site_packages(layer_path: str) -> Optional[str]:
    found = glob.glob(os.path.join(layer_path, "lib", "python*", "site-packages"))
    return found[0] if found else None
