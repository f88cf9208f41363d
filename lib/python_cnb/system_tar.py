"""Unpacking a plain (uncompressed) tar with the build image's GNU tar, when its listing shows
nothing archive.py's own unpacking would refuse, change or order with care: the cache's copies
of the runtime and of the last dependencies (steps/pip_runtime.py, steps/pip_dependencies.py).

Why: creating files is most of an unpack's cost, and tar creates them in C, without holding this
interpreter's lock while pip starts beside it: the Flask app's dependencies (514 entries) in
0.24 s against 0.48-0.69 s (docs/benchmarks.md). What is taken here: regular files, directories
and symlinks; names inside the destination, none through a symlink, none twice; symlink targets
relative and without ".."; modes without setuid, setgid or sticky bits; within the limits. After
tar, every entry must be on disk as listed. Anything else, and any failure of tar, is left to
archive.py (what tar made is removed first), which refuses it or unpacks it with its own checks."""
import contextlib
import functools
import os
import posixpath
import shutil
import subprocess
import tarfile
from typing import Dict, List, Optional, Set, Tuple, Union

from .runner import start, stop_and_close

_TYPES = (tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE)
Listing = Dict[str, Tuple[str, Union[int, str]]]  # name: ("file", size), ("dir", 0) or ("link", target)
_PATH = "/usr/bin:/bin"  # the build image's own tar, whatever PATH the app's settings give


def unpacked(archive: str, dest: str, max_members: int, max_bytes: int) -> bool:
    """Whether GNU tar unpacked the plain tar archive into dest, every entry on disk as listed
    (dest may hold another part of the layer: the runtime's rest goes beside its first part).
    False leaves dest as it was, for archive.py to unpack or refuse."""
    tar = _gnu_tar(_PATH)
    listed = _plain(archive, max_members, max_bytes) if tar else None
    if tar is None or listed is None:
        return False
    before = _on_disk(dest)
    if any(before[name][0] != what[0] or what[0] == "link" for name, what in listed.items() if name in before):
        return False  # a link already there, or another kind of entry: for the checks
    # -p: modes as listed (checked above), also for the non-root user a build runs as; the
    # environment is not the app's (TAR_OPTIONS)
    proc = start([tar, "-x", "-p", "--no-same-owner", "--warning=no-timestamp", "-f", archive, "-C", dest],
                 {"PATH": _PATH, "LC_ALL": "C"}, stderr=subprocess.STDOUT)
    try:
        proc.communicate()
    finally:
        stop_and_close(proc)  # a build stopped meanwhile leaves no tar writing on
    after = _on_disk(dest)
    if proc.returncode == 0 and after == dict(before, **listed):
        return True
    _remove(dest, set(after) - set(before))
    return False


@functools.lru_cache(maxsize=None)
def _gnu_tar(path: str) -> Optional[str]:
    """GNU tar on path (busybox's takes other options), asked once a build."""
    tar = shutil.which("tar", path=path)
    if tar is None:
        return None
    try:
        version = subprocess.run([tar, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env={"PATH": path, "LC_ALL": "C"}, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return tar if b"GNU tar" in version.split(b"\n", 1)[0] else None


def _plain(archive: str, max_members: int, max_bytes: int) -> Optional[Listing]:
    """What the archive holds, parents included, when that is only what GNU tar unpacks exactly
    as archive.py would; else None."""
    listed: Listing = {}
    size = 0
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                size += member.size
                name = member.name
                if len(listed) >= max_members or size > max_bytes or member.type not in _TYPES \
                        or member.mode & ~0o777 or not _relative(name) or name in listed or _renamed(member):
                    return None
                parent = posixpath.dirname(name)
                while parent:
                    if listed.setdefault(parent, ("dir", 0)) != ("dir", 0):
                        return None  # through a symlink, or inside a file
                    parent = posixpath.dirname(parent)
                if member.issym():
                    if not _relative(member.linkname):
                        return None
                    listed[name] = ("link", member.linkname)
                else:
                    listed[name] = ("dir", 0) if member.isdir() else ("file", member.size)
    except (OSError, tarfile.TarError, ValueError, UnicodeError):
        return None
    return listed or None


def _renamed(member: tarfile.TarInfo) -> bool:
    """Whether GNU tar may read another name than tarfile's: tarfile strips a trailing "/" from
    a pax path, and hides GNU long-name headers."""
    raw = member.pax_headers.get("path", member.name)
    extended = member.offset_data - member.offset > tarfile.BLOCKSIZE
    return raw != member.name and not (member.isdir() and raw.rstrip("/") == member.name) \
        or extended and not member.pax_headers


def _relative(name: str) -> bool:
    """A plain relative path that stays below where it starts: no "./", "..", empty or
    undecodable parts."""
    return bool(name) and not name.startswith("/") and "\x00" not in name \
        and posixpath.normpath(name) == name and ".." not in name.split("/") \
        and _encodable(name)


def _encodable(name: str) -> bool:
    """Not undecodable bytes tarfile kept as surrogates: those are names to check one by one."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _on_disk(dest: str) -> Listing:
    found: Listing = {}
    directories: List[str] = [dest]
    while directories:
        with os.scandir(directories.pop()) as entries:
            for entry in entries:
                name = os.path.relpath(entry.path, dest)
                if entry.is_symlink():
                    found[name] = ("link", os.readlink(entry.path))
                elif entry.is_dir():
                    found[name] = ("dir", 0)
                    directories.append(entry.path)
                else:
                    found[name] = ("file", entry.stat().st_size if entry.is_file() else -1)
    return found


def _remove(dest: str, names: Set[str]) -> None:
    """What tar made under dest: each top-most name, with what is in it."""
    for name in names:
        if posixpath.dirname(name) in names:
            continue
        path = os.path.join(dest, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.remove(path)
