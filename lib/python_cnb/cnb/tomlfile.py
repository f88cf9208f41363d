"""Reading and writing the TOML files the lifecycle and the buildpack exchange.

The writer is our own, for the shapes we write (tables, arrays of tables, strings, bools, ints,
arrays): every string round-trips exactly, control characters included, which the vendored
encoder got wrong. Its layout is the one the files have always had (`[ "a", "b",]` arrays)."""
import contextlib
import errno
import os
import re
import stat
from typing import Any, BinaryIO, Dict, List, Mapping

from .. import vendored

# The biggest TOML file the buildpack reads back (layer metadata, buildpack.toml) is a few KB.
READ_LIMIT = 1024 * 1024

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERAL_UNSAFE = re.compile("['\x00-\x08\x0a-\x1f\x7f]")
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]|(?<=\\)[uU]')
# In an array, also the comma: the vendored reader splits arrays on commas before it reads strings
# (it reads [ ","] as two empty strings): as \uXXXX escapes, every TOML reader gets them right.
_IN_ARRAY = re.compile(r'[\\"\x00-\x1f\x7f,]|(?<=\\)[uU]')
# Strings and comments (skipped) or brackets (counted): how deeply arrays and inline tables nest.
_NESTING_TOKENS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]')
# No real TOML file nests this deeply; the vendored decoder needs seconds to fail on 100,000 levels.
MAX_NESTING = 100


class UnreadableToml(Exception):
    """The file exists but is not TOML the buildpack can use; the message says why."""


def read(path: str) -> Dict[str, Any]:
    """The parsed file, or {} when it does not exist. Raises UnreadableToml for anything else:
    not a regular file, unreadable, too large, not UTF-8, not TOML."""
    try:
        f = open_regular(path)
    except FileNotFoundError:
        return {}
    except OSError as e:  # "not a regular file" for a FIFO, a device, a directory
        raise UnreadableToml(e.strerror or str(e))
    with f:
        data = f.read(READ_LIMIT + 1)
    if len(data) > READ_LIMIT:
        raise UnreadableToml("larger than {} bytes".format(READ_LIMIT))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableToml("not UTF-8")
    return parse(text)


def open_regular(path: str) -> BinaryIO:
    """path opened for reading, if it is a regular file (symlinks followed): anything else (a FIFO,
    a device, a directory) is OSError(EINVAL), never a hang. For every read of a file the app
    controls, wherever it lies (a local package's tree, a git repository's refs)."""
    # O_NONBLOCK: should a FIFO take the file's place after a caller's check, opening it does not hang.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", path)
    return os.fdopen(fd, "rb")


def parse(text: str) -> Dict[str, Any]:
    """TOML text -> dict. Any failure of the vendored decoder (it raises more than its own
    TomlDecodeError on odd input) is an UnreadableToml with the decoder's words."""
    if _nesting(text) > MAX_NESTING:
        raise UnreadableToml("arrays or tables nested more than {} deep".format(MAX_NESTING))
    toml = vendored.load("toml")
    try:
        return toml.loads(text)
    except RecursionError:
        raise UnreadableToml("nested too deeply") from None
    except Exception as e:  # IndexError, ValueError, ... from the decoder's internals
        if isinstance(e, toml.TomlDecodeError):
            raise UnreadableToml(str(e)) from None
        raise UnreadableToml("the TOML parser fails on it ({}: {})".format(type(e).__name__, e)) from None


def _nesting(text: str) -> int:
    depth = deepest = 0
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group(0)
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth = max(0, depth - 1)
    return deepest


def write(path: str, data: Mapping[str, Any]) -> None:
    """Write atomically: a reader (or a killed build) never sees half a file, and a failed write
    (disk full, read-only) leaves no temporary file behind. OSError propagates to the caller."""
    text = dumps(data)
    tmp = path + ".tmp"
    try:
        if os.path.lexists(tmp):
            os.remove(tmp)  # a killed build's leftover: never write through what is there
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


# -- writer -------------------------------------------------------------------------------------

def dumps(data: Mapping[str, Any]) -> str:
    out = []  # type: List[str]
    _table_body(out, data, "")
    return "".join(out)


def _table_body(out: List[str], table: Mapping[str, Any], prefix: str) -> None:
    """Key/values first, then arrays of tables, then sub-tables (a header's keys must come before
    any other header). prefix: the enclosing tables' keys, each followed by a dot."""
    tables = []
    arrays = []
    for key, value in table.items():
        if not isinstance(key, str):
            raise TypeError("TOML keys are strings, not {}".format(type(key).__name__))
        if isinstance(value, dict):
            tables.append((key, value))
        elif _is_table_array(value):
            arrays.append((key, value))
        else:
            out.append("{} = {}\n".format(_key(key), _value(value)))
    for key, items in arrays:
        for item in items:
            out.append("[[{}{}]]\n".format(prefix, _key(key)))
            _table_body(out, item, prefix + _key(key) + ".")
            out.append("\n")
    for key, sub in tables:
        if out and not "".join(out[-2:]).endswith("\n\n"):
            out.append("\n")
        out.append("[{}{}]\n".format(prefix, _key(key)))
        _table_body(out, sub, prefix + _key(key) + ".")


def _is_table_array(value: Any) -> bool:
    if not isinstance(value, (list, tuple)) or not value:
        return False
    tables = [isinstance(v, dict) for v in value]
    if any(tables) and not all(tables):
        raise TypeError("an array mixes tables and other values")
    return all(tables)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else string(key)


def _value(value: Any) -> str:
    if isinstance(value, (bool, int)):
        return str(value).lower()  # True -> true
    if isinstance(value, str):
        return string(value)
    if isinstance(value, (list, tuple)):  # [] when empty
        if any(isinstance(v, dict) for v in value):
            raise TypeError("an array of tables inside an array")
        items = (string(v, _IN_ARRAY) if isinstance(v, str) else _value(v) for v in value)
        return "[" + "".join(" {},".format(item) for item in items) + "]"
    raise TypeError("cannot write a {} to TOML".format(type(value).__name__))


def string(text: str, needs_escape: "re.Pattern" = _NEEDS_ESCAPE) -> str:
    """A TOML basic string: backslash, quote and every control character escaped.

    Two choices keep the vendored reader (older build images' Pythons read these files with it)
    exact: a u or U right after a backslash is written \\u0075 / \\u0055 (it takes "\\\\u" for the
    start of a \\u escape), and a string that starts with two quotes (or is one) is written as a
    literal string when it can be ('""x'): the vendored reader takes any such string for a
    multi-line one. (With a ' or a control character too, no TOML string form suits it.)"""
    if _SURROGATE.search(text):
        raise ValueError("a string with a lone surrogate cannot be written as UTF-8")
    if (text == '"' or text.startswith('""')) and vendored_literal_ok(text):
        return "'" + text + "'"
    return '"' + needs_escape.sub(_escape, text) + '"'


def vendored_literal_ok(text: str) -> bool:
    """Whether the vendored reader reads text back exactly as a literal string."""
    return not _LITERAL_UNSAFE.search(text) and not text.endswith("\\")


def _escape(match: "re.Match") -> str:
    c = match.group(0)
    return _ESCAPES.get(c) or "\\u{:04X}".format(ord(c))
