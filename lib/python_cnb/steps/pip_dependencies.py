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
from typing import Any, Dict

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


def wanted_here(step: StepContext, installer: str) -> bool:
    """Kept when the image alone keeps the dependencies, pip installs them from requirements.txt
    (the only install that builds on the last one) and BP_PYTHON_RUNTIME_CACHE is unset."""
    return step.kept.types == IMAGE_ONLY and step.settings.runtime_cache is RuntimeCache.PIP_RUNTIME \
        and installer == Installer.PIP.value


def keep_or_drop(step: StepContext, metadata: Dict[str, Any]) -> None:
    """After a reuse: the copy stays when it is of these dependencies and still wanted."""
    copy = step.layer(NAME)
    if wanted_here(step, metadata["installer"]) and dict(copy.previous_metadata()) == metadata \
            and os.path.isfile(os.path.join(copy.path, FILE)):
        copy.commit(TYPES, metadata)
    else:
        drop(step)


def drop(step: StepContext) -> None:
    step.layer(NAME).remove()


def pack(step: StepContext, layer_path: str, metadata: Dict[str, Any]) -> None:
    """After an install: a copy of the layer just committed, for the next build to install over
    (or none, when it is not wanted). Marked done only once the file is whole."""
    if not wanted_here(step, metadata["installer"]):
        drop(step)
        return
    copy = step.layer(NAME)
    copy.reset()
    try:
        with tarfile.open(os.path.join(copy.path, FILE), "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(layer_path, TOP)
    except OSError as e:  # a full disk: the next change installs every package, never wrongly
        drop(step)
        step.log.info("No copy of the dependencies kept for pip: {}".format(e.strerror or type(e).__name__))
        return
    copy.commit(TYPES, metadata)


def unpack(step: StepContext, layer: Layer, previous: Metadata) -> bool:
    """Unpack the copy of the last build's dependencies into the layer (reopened: no TOML), when
    the cache holds one of exactly those (previous, the metadata the image's layer came with)."""
    copy = step.layer(NAME)
    found = copy.previous_metadata()
    if dict(found) != previous._asdict():
        if found.found:
            step.log.info("Not using the cache's copy of the last build's dependencies: it is of other dependencies")
        return False
    timer = step.log.timer()
    layer.reset()
    try:
        extract(os.path.join(copy.path, FILE), layer.path, "tar", UnpackLimits(step.settings.unpack_limit_mb << 20))
    except BuildpackError as e:
        step.log.info("Not using the cache's copy of the last build's dependencies: {}".format(e.message))
        return False
    if site_packages(layer.path) is None:
        layer.reset()
        return False
    step.log.info("Unpacked the cache's copy of the last build's dependencies in {}".format(timer.elapsed()))
    return True
