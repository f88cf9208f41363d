"""The last build's dependencies as pip installs over them, kept in the cache when the image keeps
the dependencies layer itself (retention.py) and pip installs a requirements.txt: one file,
dependencies.tar, of the layer as it was committed. A cache-only layer keyed on the dependencies
layer's own metadata.

Why: a launch-only layer comes back as its TOML alone, so a requirements.txt that only gained
lines would reinstall every package. With this copy, that build unpacks one file (a few hundred
files of a few MB, a few hundredths of a second) and pip installs only what was added, as v242
does with its cached site-packages. One file, not the layer in the cache: the lifecycle would
restore and export every file of it on every build, the no-change ones too (steps/pip_runtime.py
has the figures)."""
import os
import tarfile
from typing import Any, Dict, Mapping, Optional, Tuple

from ..appfiles import digest
from ..archive import UnpackLimits, extract
from ..cnb.layers import Layer, LayerTypes
from ..dependency_plan import Metadata, site_packages
from ..errors import BuildpackError
from ..installers import Installer
from ..retention import IMAGE_ONLY
from ..settings import RuntimeCache
from . import StepContext

NAME = "pip-dependencies"
TYPES = LayerTypes(cache=True)
FILE = "dependencies.tar"
TOP = "dependencies"  # the archive's one top-level directory, which extract strips
DIGEST = "sha256"  # of FILE, beside the dependencies' metadata: a cut-short copy is never trusted


def wanted_here(step: StepContext, installer: str) -> bool:
    """Kept when the image alone keeps the dependencies, pip installs them from requirements.txt
    (the only install that builds on the last one) and BP_PYTHON_RUNTIME_CACHE is unset."""
    return step.kept.types == IMAGE_ONLY and step.settings.runtime_cache is RuntimeCache.PIP_RUNTIME \
        and installer == Installer.PIP.value


def keep_or_drop(step: StepContext, metadata: Dict[str, Any]) -> None:
    """After a reuse: the copy stays when it is of these dependencies and still wanted."""
    copy = step.layer(NAME)
    of, sha256 = _split(copy.previous_metadata())
    if wanted_here(step, metadata["installer"]) and of == metadata and sha256 \
            and os.path.isfile(os.path.join(copy.path, FILE)):
        copy.commit(TYPES, dict(metadata, **{DIGEST: sha256}))
    else:
        drop(step)


def drop(step: StepContext) -> None:
    step.layer(NAME).remove()


def pack(step: StepContext, layer_path: str, metadata: Dict[str, Any]) -> None:
    """After an install: a copy of the layer just committed, for the next build to install over
    (or none, when it is not wanted), written beside the steps after this one (no later step
    reads it). Marked done only once the file is whole."""
    if not wanted_here(step, metadata["installer"]):
        drop(step)
        return
    copy, limits = step.layer(NAME), step.settings.unpack_limits()
    copy.reset()
    if step.background is None:
        said = _write(copy, layer_path, metadata, limits)
        if said:
            step.log.info(said)
    else:
        step.background.start(lambda: _write(copy, layer_path, metadata, limits))


def _write(copy: Layer, layer_path: str, metadata: Dict[str, Any], limits: UnpackLimits) -> str:
    """The copy written and committed: "", or why there is none (the next change then installs
    every package)."""
    file = os.path.join(copy.path, FILE)
    try:
        with tarfile.open(file, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(layer_path, TOP, filter=_Within(limits))
        sha256 = digest(file, FILE)
    except (OSError, BuildpackError, _OverLimits) as e:
        copy.remove()
        return "No copy of the dependencies kept for pip: {}".format(_why(e))
    copy.commit(TYPES, dict(metadata, **{DIGEST: sha256}))
    return ""


class _OverLimits(Exception):
    """The layer is more than unpack() would take back: packing it would be wasted."""


class _Within:
    """tar.add's filter: counts what goes in and stops at the limits extract() enforces; whole
    seconds (pycs here are unchecked-hash: no mtime is read)."""

    def __init__(self, limits: UnpackLimits) -> None:
        self.limits, self.members, self.size = limits, 0, 0

    def __call__(self, info: tarfile.TarInfo) -> tarfile.TarInfo:
        self.members, self.size = self.members + 1, self.size + info.size
        if self.members > self.limits.max_members or self.size > self.limits.max_bytes:
            raise _OverLimits("the dependencies are over BP_UNPACK_LIMIT_MB ({} MB) or {} files".format(
                self.limits.max_bytes >> 20, self.limits.max_members))
        info.mtime = int(info.mtime)  # no pax header per entry for its fraction: half the headers to read
        return info


def _why(e: Exception) -> str:
    if isinstance(e, BuildpackError):
        return e.message
    if isinstance(e, OSError):
        return e.strerror or type(e).__name__
    return str(e)


def _split(found: Mapping[str, Any]) -> Tuple[Dict[str, Any], Optional[str]]:
    """The copy's TOML: the dependencies' metadata it is of, and the sha256 of its file."""
    of = dict(found)
    sha256 = of.pop(DIGEST, None)
    return of, sha256 if isinstance(sha256, str) else None


def unpack(step: StepContext, layer: Layer, previous: Metadata) -> bool:
    """Unpack the copy of the last build's dependencies into the layer (reopened: no TOML), when
    the cache holds one of exactly those (previous, the metadata the image's layer came with)."""
    copy = step.layer(NAME)
    found = copy.previous_metadata()
    of, sha256 = _split(found)
    same = of == previous._asdict()
    if not same or not sha256:
        if found.found:
            why = "its TOML has no sha256" if same else "it is of other dependencies"
            step.log.info("Not using the cache's copy of the last build's dependencies: {}".format(found.problem or why))
        return False
    timer = step.log.timer()
    layer.reset()
    file = os.path.join(copy.path, FILE)
    try:
        if digest(file, FILE) != sha256:
            step.log.info("Not using the cache's copy of the last build's dependencies: "
                          "{} is not the file the last build wrote (its sha256 differs)".format(FILE))
            return False
        extract(file, layer.path, "tar", step.settings.unpack_limits())
    except BuildpackError as e:
        step.log.info("Not using the cache's copy of the last build's dependencies: {}".format(e.message))
        return False
    if site_packages(layer.path) is None:
        layer.reset()
        return False
    step.log.info("Unpacked the cache's copy of the last build's dependencies in {}".format(timer.elapsed()))
    return True
