"""Unpacking a plain (uncompressed) tar with the build image's GNU tar, when its listing shows
nothing archive.py's own unpacking would refuse, change or order with care: the cache's copies
of the runtime and of the last dependencies (steps/pip_runtime.py, steps/pip_dependencies.py).

Why: creating files is most of an unpack's cost, and tar creates them in C, without holding this
interpreter's lock while pip starts beside it: the Flask app's dependencies (514 entries) in
0.24 s against 0.48-0.69 s (docs/benchmarks.md).

The cache is input a build must not trust, and tar must read the archive as tarfile lists it.
Taken here: POSIX ustar or pax headers only (no GNU or v7 ones, whose names the two read
differently; no global headers), nothing but zeros after the last entry (tarfile stops at a
header it cannot read, tar goes on); regular files, directories and symlinks; names below the
destination, none through a symlink, none twice, none already there but a directory; symlink
targets relative and without "..", as every link already in the destination must be (the
runtime's rest goes beside its first part), so no link leads out of it; modes without setuid,
setgid or sticky bits; within the limits. After tar, every entry must be on disk as listed,
kind, size, link target and mode. Anything else, and any failure of tar, is left to archive.py
(what tar made removed first), which refuses it or unpacks it with its own checks."""
import contextlib
import functools
import os
import posixpath
import shutil
import stat
import subprocess
import tarfile
from typing import Dict, List, Optional, Set, Tuple, Union

from .runner import start, stop_and_close

_TYPES = (tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE)
_POSIX = b"ustar\x0000"  # a header's magic and version (257-265): what tarfile and tar read alike
_PAX_KEYS = {"path", "linkpath", "mtime"}
_TAIL = 1 << 20  # the zeros after the last entry: a record (10 kB) as tar pads, with room
Entry = Tuple[str, Union[int, str], Optional[int]]  # ("file", size, mode), ("dir", 0, mode), ("link", target, None)
Listing = Dict[str, Entry]
_PATH = "/usr/bin:/bin"  # the build image's own tar, whatever PATH the app's settings give


def unpacked(archive: str, dest: str, max_members: int, max_bytes: int) -> bool:
    """Whether GNU tar unpacked the plain tar archive into dest, every entry on disk as listed
    (dest may hold another part of the layer: the runtime's rest goes beside its first part).
    False: tar did not run, or what it made is removed again; archive.py unpacks or refuses."""
    tar = _gnu_tar(_PATH)
    listed = _plain(archive, max_members, max_bytes) if tar else None
    if tar is None or listed is None:
        return False
    before = _on_disk(dest)
    if any(what[0] == "link" and not _relative(str(what[1])) for what in before.values()) \
            or any(before[name][0] != "dir" or what[0] != "dir" for name, what in listed.items() if name in before):
        return False  # a link already there that may lead out, or an entry over another: for the checks
    # -p: modes as listed (checked above), also for the non-root user a build runs as; the
    # environment is not the app's (TAR_OPTIONS)
    proc = start([tar, "-x", "-p", "--no-same-owner", "--warning=no-timestamp", "-f", archive, "-C", dest],
                 {"PATH": _PATH, "LC_ALL": "C"}, stderr=subprocess.STDOUT)
    try:
        proc.communicate()
    finally:
        stop_and_close(proc)  # a build stopped meanwhile leaves no tar writing on
    after = _on_disk(dest)
    if proc.returncode == 0 and _as_listed(after, before, listed):
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
    """What the archive holds, parents included, when that is only what GNU tar reads and
    unpacks exactly as archive.py would; else None."""
    listed: Listing = {}
    size = 0
    try:
        with open(archive, "rb") as raw, tarfile.open(archive, "r:") as tar:
            for member in tar:
                size += member.size
                name = member.name
                if len(listed) >= max_members or size > max_bytes or member.type not in _TYPES \
                        or member.mode & ~0o777 or not _relative(name) or name in listed or _renamed(member) \
                        or not _posix_headers(raw, member):
                    return None
                parent = posixpath.dirname(name)
                while parent:
                    if listed.setdefault(parent, ("dir", 0, None))[0] != "dir":
                        return None  # through a symlink, or inside a file
                    parent = posixpath.dirname(parent)
                if member.issym():
                    if not _relative(member.linkname):
                        return None
                    listed[name] = ("link", member.linkname, None)
                else:
                    listed[name] = ("dir", 0, member.mode) if member.isdir() else ("file", member.size, member.mode)
            if tar.pax_headers or not _only_zeros_after(raw, tar.offset):
                return None  # a global header, or entries tarfile could not read and tar would
    except (OSError, tarfile.TarError, ValueError, UnicodeError):
        return None
    return listed or None


def _posix_headers(raw, member: tarfile.TarInfo) -> bool:
    """The member's first header (its pax header, if any) and its own header are POSIX ones, and
    its pax records are ones tarfile and tar apply alike."""
    if set(member.pax_headers) - _PAX_KEYS:
        return False
    for offset in {member.offset, member.offset_data - tarfile.BLOCKSIZE}:
        raw.seek(offset + 257)
        if raw.read(len(_POSIX)) != _POSIX:
            return False
    return True


def _only_zeros_after(raw, offset: int) -> bool:
    raw.seek(offset)
    tail = raw.read(_TAIL + 1)
    return len(tail) <= _TAIL and not tail.strip(b"\0")


def _renamed(member: tarfile.TarInfo) -> bool:
    """Whether tar may read another name than tarfile's: tarfile strips a trailing "/" from a
    pax path."""
    raw = member.pax_headers.get("path", member.name)
    return raw != member.name and not (member.isdir() and raw.rstrip("/") == member.name)


def _relative(name: str) -> bool:
    """A plain relative path below where it starts: no ".", "..", empty or undecodable parts."""
    return bool(name) and not name.startswith("/") and "\x00" not in name \
        and posixpath.normpath(name) == name and not {".", ".."} & set(name.split("/")) and _encodable(name)


def _encodable(name: str) -> bool:
    """Not undecodable bytes tarfile kept as surrogates: those are names to check one by one."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_listed(after: Listing, before: Listing, listed: Listing) -> bool:
    """Every entry on disk is one that was there or one listed, as listed (the mode of a
    directory only named as a parent is tar's to choose, as it is archive.py's)."""
    if set(after) != set(before) | set(listed):
        return False
    for name, (kind, what, mode) in listed.items():
        found = after[name]
        if found[:2] != (kind, what) or mode is not None and found[2] != mode:
            return False
    return True


def _on_disk(dest: str) -> Listing:
    found: Listing = {}
    directories: List[str] = [dest]
    while directories:
        with os.scandir(directories.pop()) as entries:
            for entry in entries:
                name = os.path.relpath(entry.path, dest)
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    found[name] = ("link", os.readlink(entry.path), None)
                elif stat.S_ISDIR(info.st_mode):
                    found[name] = ("dir", 0, stat.S_IMODE(info.st_mode))
                    directories.append(entry.path)
                else:
                    kind = "file" if stat.S_ISREG(info.st_mode) else "other"
                    found[name] = (kind, info.st_size, stat.S_IMODE(info.st_mode))
    return found


def _remove(dest: str, names: Set[str]) -> None:
    """What tar made under dest: each top-most name, with what is in it (read-only directories
    made writable first: a build runs as a user that owns, not overrides, them)."""
    for name in names:
        if posixpath.dirname(name) in names:
            continue
        path = os.path.join(dest, name)
        if os.path.isdir(path) and not os.path.islink(path):
            _writable(path)
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.remove(path)


def _writable(top: str) -> None:
    with contextlib.suppress(OSError):
        os.chmod(top, 0o700)
    for here, dirs, _ in os.walk(top):
        for name in dirs:
            path = os.path.join(here, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
