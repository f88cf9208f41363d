"""The one way the buildpack reads a file of the app. An app directory can hold anything: a
directory or a FIFO where a file is expected, a symlink to nowhere or out of the app, a file the
build's user cannot read, a file too large or not UTF-8. Each is a BuildpackError naming the file
and the fix; a FIFO or a device is never opened (reading one could hang the build)."""
import errno
import hashlib
import json
import os
import stat
from typing import Any, Optional, Tuple

from .cnb import tomlfile
from .cnb.tomlfile import open_regular  # for every read of a file the app controls
from .cnb.layers import TOML_WORDS
from .errors import BuildpackError

KB = 1024
MB = 1024 * KB
# Files that hold one line (runtime.txt, .python-version); a Procfile (a few process types);
# manifests and lock files (a big Pipfile.lock is a few MB).
SMALL = 64 * KB
PROCFILE = 1 * MB
LARGE = 32 * MB

_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bytes(app_dir: str, name: str, limit: int = LARGE, whole: bool = True) -> bytes:
    """The contents of app_dir/name (an app-relative path): a file larger than limit is an error,
    or, when not whole, its first limit bytes are enough."""
    path = os.path.join(app_dir, name)
    _check_link(app_dir, name, path)
    try:
        found = os.stat(path)
        for test, what in _NOT_REGULAR:
            if test(found.st_mode):
                raise BuildpackError("{} is {}, not a file.".format(name, what), hint="python-cnb reads {} as "
                                     "a file: replace it with one, or remove it.".format(name))
        f = open_regular(path)
    except OSError as e:
        raise _os_error(name, e)
    with f:
        data = f.read(limit + 1 if whole else limit)
    if len(data) > limit and whole:
        raise BuildpackError("{} is larger than {}: that is not the file python-cnb expects there.".format(
            name, _size(limit)), hint="Check what {} holds (a build artefact committed by mistake?).".format(name))
    return data


def digest(path: str, shown: str) -> str:
    """sha256 of a regular file of any size, streamed; shown names it in errors."""
    h = hashlib.sha256()
    try:
        with open_regular(path) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise _os_error(shown, e)
    return h.hexdigest()


def read_text(app_dir: str, name: str, limit: int = LARGE) -> str:
    """The file as UTF-8 text (a byte-order mark is dropped)."""
    data = read_bytes(app_dir, name, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BuildpackError("{} is not UTF-8 text.".format(name), hint="Save it as UTF-8 and build again.")


def read_source(app_dir: str, name: str, limit: int = SMALL * 4) -> Optional[str]:
    """The start of a source file, for guesses about the app (undecodable bytes replaced); None
    when it cannot be read as a file. A guess never fails the build."""
    try:
        return read_bytes(app_dir, name, limit, whole=False).decode("utf-8", errors="replace")
    except BuildpackError:
        return None


def read_toml(app_dir: str, name: str, fix: str) -> "Document":
    """The file's TOML; fix says how to repair it."""
    try:
        return Document(name, tomlfile.parse(read_text(app_dir, name)), fix)
    except tomlfile.UnreadableToml as e:
        raise BuildpackError("{} is not valid TOML: {}.".format(name, str(e).rstrip(".")), hint=fix)


def read_json(app_dir: str, name: str, fix: str) -> "Document":
    text = read_text(app_dir, name)
    try:
        data = json.loads(text)
    except RecursionError:
        raise BuildpackError("{} is not valid JSON: it nests too deeply.".format(name), hint=fix)
    except ValueError as e:
        raise BuildpackError("{} is not valid JSON: {}.".format(name, e), hint=fix)
    return Document(name, data, fix, json_words=True)


def _check_link(app_dir: str, name: str, path: str) -> None:
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise BuildpackError("{} is a symbolic link that loops.".format(name), hint="Fix or remove the link.")
            raise BuildpackError("{} is a symbolic link to {}, which does not exist.".format(name, os.readlink(path)),
                                 hint="Fix or remove the link, then build again.")
    real = os.path.realpath(path)
    root = os.path.realpath(app_dir)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise BuildpackError("{} is a symbolic link to {}, outside the app.".format(name, real),
                             hint="Commit the file itself: the build only sees the app's directory.")


def _os_error(name: str, e: OSError) -> BuildpackError:
    if e.errno == errno.EINVAL:  # open_regular's refusal
        return BuildpackError("{} is not a regular file.".format(name), hint="Replace it with a file, or remove it.")
    if e.errno in (errno.EACCES, errno.EPERM):
        return BuildpackError("{} cannot be read by the build's user (uid {}): permission denied.".format(
            name, os.getuid()), hint="Make it readable by everyone (chmod a+r {}), then build again.".format(name))
    if e.errno == errno.ENOENT:
        return BuildpackError("{} does not exist.".format(name), hint="Commit it, or remove what refers to it.")
    return BuildpackError("{} cannot be read: {}.".format(name, e.strerror or e), hint="Check the file, then build again.")


def _size(n: int) -> str:
    return "{} MB".format(n // MB) if n >= MB else "{} KB".format(n // KB)


class Document:
    """A parsed manifest or lock file whose fields are read with their types checked: a value of
    the wrong type is a BuildpackError naming the file, the field and the fix."""

    def __init__(self, name: str, data: Any, fix: str, json_words: bool = False) -> None:
        self.name = name
        self.fix = fix
        self.words = _JSON_WORDS if json_words else TOML_WORDS
        if not isinstance(data, dict):
            raise BuildpackError("{} holds {}, not {}.".format(name, self._kind(data), self.words[dict]), hint=fix)
        self.data = data

    def get(self, path: Tuple[str, ...], expected: Tuple[type, ...]) -> Any:
        """data[path[0]][path[1]]..., checked to be one of expected; None when absent."""
        value = self.data  # type: Any
        for depth, key in enumerate(path):
            value = value.get(key)
            if value is None:
                return None
            wanted = expected if depth == len(path) - 1 else (dict,)
            if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
                raise BuildpackError("{}: {} is {}, not {}.".format(
                    self.name, ".".join(path[:depth + 1]), self._kind(value),
                    " or ".join(self.words[t] for t in wanted)), hint=self.fix)
        return value

    def _kind(self, value: Any) -> str:
        # isinstance, in TOML_WORDS' order (a bool is an int too)
        return next((self.words[t] for t in self.words if isinstance(value, t)), "a " + type(value).__name__)


_JSON_WORDS = {**TOML_WORDS, dict: "an object"}
