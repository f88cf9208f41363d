"""Layer directories and <layers>/<name>.toml, as the Buildpack API defines them.

The contract this module keeps: a layer's TOML is written last, after its contents are complete,
and removed first, before they are touched. A build that fails or is killed half-way therefore
leaves no TOML, and the lifecycle neither exports nor caches what it left behind. A TOML that
cannot be read back is no layer at all: the layer is rebuilt, and the reason says why."""
import contextlib
import errno
import os
from typing import Any, Dict, Iterator, Mapping, NamedTuple, Optional

from .. import filetree
from ..errors import BuildpackError
from . import tomlfile


class LayerTypes(NamedTuple):
    build: bool = False
    launch: bool = False
    cache: bool = False


class PreviousMetadata(dict):
    """[metadata] of the previous build's layer ({} when there is none), with `problem` saying why
    it cannot be trusted ("" when it can), `file` naming the TOML, for reasons in the log, and
    `found`: whether there was a TOML at all."""

    def __init__(self, values: Mapping[str, Any], file: str, problem: str = "", found: bool = True) -> None:
        super().__init__(values)
        self.file = file
        self.problem = problem
        self.found = found


class Layer:
    def __init__(self, layers_dir: str, name: str) -> None:
        self.name = name
        self.layers_dir = layers_dir
        self.path = os.path.join(layers_dir, name)
        self.toml_path = os.path.join(layers_dir, name + ".toml")

    def previous_metadata(self) -> PreviousMetadata:
        """[metadata] of the previous build's layer (restored by the lifecycle), or {}."""
        file = self.name + ".toml"
        try:
            data = tomlfile.read(self.toml_path)
        except tomlfile.UnreadableToml as e:
            return PreviousMetadata({}, file, "{} is unreadable ({})".format(file, e))
        if not data and not os.path.exists(self.toml_path):
            return PreviousMetadata({}, file, found=False)
        metadata = data.get("metadata", {})
        if not isinstance(metadata, dict):
            return PreviousMetadata({}, file, "{} is not what this buildpack writes ([metadata] is {}, "
                                              "not a table)".format(file, kind(metadata)))
        return PreviousMetadata(metadata, file)

    def has_contents(self) -> bool:
        """Whether the directory holds anything: a launch-only layer's TOML comes back from the
        previous image without its contents, and a lost cache brings back none."""
        try:
            return bool(os.listdir(self.path))
        except OSError:
            return False

    def reset(self) -> None:
        """Forget the layer, TOML first, and give back an empty directory to fill."""
        with in_layers_dir("clear the layer {}".format(self.name)):
            _remove(self.toml_path)
            _remove(self.path)
            os.makedirs(self.path)

    def remove(self) -> None:
        """Leave nothing of the layer after this build: no TOML (first), no directory."""
        with in_layers_dir("remove the layer {}".format(self.name)):
            _remove(self.toml_path)
            _remove(self.path)

    def reopen(self) -> None:
        """Forget the layer's TOML and keep its contents to build on: from here until commit, a
        failure leaves nothing the lifecycle trusts."""
        with in_layers_dir("clear the layer {}".format(self.name)):
            _remove(self.toml_path)

    def commit(self, types: LayerTypes, metadata: Dict[str, Any]) -> None:
        """Mark the layer done: only now does the lifecycle trust its contents."""
        with in_layers_dir("write {}.toml".format(self.name)):
            if os.path.lexists(self.path) and not _is_real_dir(self.path):
                _remove(self.path)  # a file where the layer's directory belongs holds nothing of it
            os.makedirs(self.path, exist_ok=True)
            tomlfile.write(self.toml_path, {"types": types._asdict(), "metadata": metadata})

    def keep_in_image(self, metadata: Dict[str, Any]) -> None:
        """Reuse the previous image's layer as it is: its TOML says launch, and no directory is
        left (an empty one would replace the layer with nothing)."""
        with in_layers_dir("write {}.toml".format(self.name)):
            _remove(self.path)
            tomlfile.write(self.toml_path, {"types": LayerTypes(launch=True)._asdict(), "metadata": metadata})


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _remove(path: str) -> None:
    if os.path.lexists(path):
        filetree.remove(path)  # a restored layer may be deeper than rmtree recurses, or read-only


def kind(value: Any) -> str:
    """How a TOML value is named in messages."""
    return type_name(type(value))


TOML_WORDS = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
              dict: "a table"}  # type: Dict[type, str]


def type_name(value_type: Any) -> str:
    return TOML_WORDS.get(value_type, "a " + getattr(value_type, "__name__", str(value_type)))


_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)


def environment_error(error: Exception) -> Optional[BuildpackError]:
    """A full disk or a read-only file system met anywhere in the build (unpacking the runtime,
    pip writing the dependencies): the build's environment, not a bug."""
    if isinstance(error, OSError) and error.errno in _FULL + (errno.EROFS,):
        return layers_dir_error("finish the build", error)
    return None


@contextlib.contextmanager
def in_layers_dir(action: str) -> Iterator[None]:
    """An OSError in the block is raised as layers_dir_error(action)."""
    try:
        yield
    except OSError as e:
        raise layers_dir_error(action, e)


def layers_dir_error(action: str, e: OSError) -> BuildpackError:
    """An OSError in the layers directory, as a message about the build's environment."""
    where = e.filename or ""
    detail = "{}{}".format(e.strerror or e, ": " + str(where) if where else "")
    if e.errno in _FULL:
        return BuildpackError("Could not {}: the disk is full ({}).".format(action, detail),
                              hint="Free disk space where the build runs (or give it more), then build again.")
    if e.errno in _DENIED:
        return BuildpackError("Could not {}: the layers directory is not writable ({}).".format(action, detail),
                              hint="The platform must give the buildpack a writable CNB_LAYERS_DIR; "
                                   "this is a problem of the build's environment, not of the app.")
    return BuildpackError("Could not {} ({}).".format(action, detail),
                          hint="Check the layers directory (CNB_LAYERS_DIR) the platform gave the build.")
