"""Unpacking a runtime archive (.tar.gz, .tar.zst, any tar tarfile reads) into a layer: nothing
may land outside it, no device files or setuid bits, at most BP_UNPACK_LIMIT_MB of contents and
MAX_MEMBERS entries (a small archive can expand without bound), and a single top-level directory
(the portable builds' `python/`) is stripped. Any failure empties the destination and is one
BuildpackError: an archive that is not a readable tar, an unsafe entry, a full disk."""
import errno
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from . import filetree
from .errors import BuildpackError
from .filewrites import MAX_PENDING_BYTES, Writes

LIMIT_VARIABLE = "BP_UNPACK_LIMIT_MB"
DEFAULT_LIMIT_MB = 2048
MAX_MEMBERS = 200000  # CPython with its tests has about 10,000 entries
_NO_SPACE = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO)
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
_NOT_A_RUNTIME = "The archive is damaged or was not built for a runtime layer; nothing was installed."


class UnpackLimits(NamedTuple):
    max_bytes: int = DEFAULT_LIMIT_MB << 20  # BP_UNPACK_LIMIT_MB (settings.py)
    max_members: int = MAX_MEMBERS


def extract(archive: str, dest: str, compression: str = "gz", limits: UnpackLimits = UnpackLimits()) -> None:
    """Unpack a tar archive into dest (which must exist, and be empty but for the first part of
    the same layer: the runtime's rest, steps/pip_runtime.py). On any failure dest is left
    empty."""
    name = os.path.basename(archive)
    try:
        try:
            if compression == "zst":
                _extract_zst(archive, dest, name, limits)
            else:  # 10 kB reads cost a third of the time
                _extract_stream(dict(name=archive, mode="r|*", bufsize=1 << 20), dest, name, limits)
            try:
                _strip_single_top_dir(dest)
            except OSError as e:
                raise _write_failed(name, e)
            _check_links(dest, name)
        except RecursionError:  # realpath follows links a frame a link before 3.13
            raise BuildpackError("Refusing to unpack {}: it holds a chain of links too long to follow.".format(name),
                                 hint=_NOT_A_RUNTIME)
        except UnicodeEncodeError:  # Python 3.6 in the C locale names files in ASCII
            raise BuildpackError("Could not unpack {}: it names files in characters this build's Python cannot "
                                 "write ({} file names).".format(name, sys.getfilesystemencoding()),
                                 hint="Build on an image whose locale is UTF-8 (LANG=C.UTF-8), or whose python3 "
                                      "is 3.7 or newer.")
    except BaseException:
        filetree.empty(dest)
        raise


def _extract_zst(archive: str, dest: str, name: str, limits: UnpackLimits) -> None:
    if shutil.which("zstd") is None:
        raise BuildpackError("This runtime is a .tar.zst archive and the build image has no zstd.",
                             hint="Install zstd on the build image, or pick a version with a .tar.gz archive.")
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(["zstd", "-dcq", archive], stdout=subprocess.PIPE, stderr=stderr)
        assert proc.stdout is not None
        failure = None  # type: Optional[BaseException]
        try:
            _extract_stream(dict(fileobj=proc.stdout, mode="r|"), dest, name, limits)
        except BaseException as e:
            failure = e
        proc.stdout.close()  # a zstd still writing now fails on the closed pipe and exits
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        stderr.seek(0)
        said = stderr.read().decode("utf-8", "replace").strip().splitlines()
        # zstd's own failure (not zstd data, truncated) explains more than the empty stream it left;
        # a write error is only zstd meeting the pipe closed after a tar failure.
        own = code > 0 and not any("Broken pipe" in line or "Write error" in line for line in said)
        if own and (failure is None or isinstance(failure, BuildpackError)):
            detail = said[-1].replace(archive, name) if said else "exit {}".format(code)
            for prefix in ("zstd: ", name + " : ", name + ": "):
                if detail.startswith(prefix):
                    detail = detail[len(prefix):]
            raise BuildpackError("zstd could not decompress {}: {}.".format(name, detail.rstrip(".")),
                                 hint=_NOT_A_RUNTIME)
        if failure is not None:
            raise failure


def _extract_stream(open_args: Dict[str, Any], dest: str, archive: str, limits: UnpackLimits) -> None:
    """The tar tarfile.open(**open_args) reads, unpacked. Regular files are written a few at a time
    (filewrites.py); anything that must see the files before it on disk waits for them: a link, a
    file through a link or under a name that shares its file with another (a hard link), a file too
    large to hold in memory."""
    try:
        tar = tarfile.open(**open_args)
    except Exception as e:
        raise _not_readable(archive, e)
    root = os.path.realpath(dest)
    total = members = 0
    # where the symlinks unpacked so far are on disk, relative to root: those of a first part of
    # the layer too (the runtime's rest goes beside it), whose ".." links resolve inside it
    links = {os.path.relpath(path, root) for path in _links_under(root, archive)}
    hard_linked = set()  # type: Set[str]  # both names of each hard link, as on disk
    directories = []  # type: List[Tuple[str, int, float]]  # (path, mode, mtime), set last as extractall does
    try:
        with tar, Writes() as writes:
            while True:
                try:
                    member = tar.next()
                except Exception as e:
                    raise _not_readable(archive, e)
                if member is None:
                    break
                members += 1
                if members > limits.max_members:
                    raise _too_big(archive, "more than {} entries".format(limits.max_members))
                if member.isreg():
                    total += member.size
                    if total > limits.max_bytes:
                        raise _too_big(archive, "more than {} MB of contents".format(limits.max_bytes >> 20))
                unpacked = _Unpacked(root, links)
                name = _checked_name(member, unpacked, archive)
                if name is None:
                    continue
                member.name = name
                member.mode &= 0o777  # no setuid, setgid or sticky bits
                member.uid = member.gid = 0
                member.uname = member.gname = ""
                where = _normalized(root, name)
                if any(writes.pending(os.path.join(root, p)) for p in _self_and_parents(where)):
                    writes.drain()  # a second entry for the path, or one inside it: as if one at a time
                if member.isreg() and member.size <= MAX_PENDING_BYTES and where not in hard_linked \
                        and not unpacked.through_link(name):
                    _write_file(tar, member, root, writes, archive)
                    continue
                if not member.isdir():
                    writes.drain()
                if member.issym() or member.islnk():
                    # made here, not by tarfile: when it cannot make a link it unpacks a copy of
                    # the member the link names, a symlink's target then read from another directory
                    location = _location(root, name)
                    if member.issym():
                        _make_link(member, location, None)
                        links.add(os.path.relpath(location, root))
                    else:
                        source = os.path.realpath(os.path.join(root, member.linkname))
                        if not os.path.isfile(source):
                            raise _unsafe(archive, member.name, "a hard link to no file unpacked before it")
                        _make_link(member, location, source)
                        hard_linked.update((os.path.relpath(location, root), os.path.relpath(source, root)))
                    continue
                # where it lands now: a link on its path may later point elsewhere, and tarfile makes
                # the parents of the name it is given, ".." parts and all
                path = _location(root, name) if unpacked.through_link(name) else os.path.join(root, where)
                if member.isdir():
                    directories.append((path, member.mode, member.mtime))
                member.name = os.path.relpath(path, root)
                _extract_member(tar, member, root, archive)
        _set_directory_attributes(root, directories)
    except OSError as e:  # a write failed: a link, a directory, a worker's file, their attributes
        raise _write_failed(archive, e)


def _links_under(top: str, archive: str) -> List[str]:
    """Every symlink under top; a directory the build cannot list is refused, not skipped."""
    try:
        return list(filetree.symlinks_under(top))
    except OSError as e:
        where = os.path.relpath(e.filename, top) if isinstance(e.filename, str) else top
        shown = where if len(where) <= 200 else where[:100] + "..." + where[-100:]
        raise BuildpackError("Refusing to unpack {}: directory {!r} cannot be read ({}), so the links in it cannot "
                             "be checked.".format(archive, shown, e.strerror or e), hint=_NOT_A_RUNTIME)


def _normalized(root: str, name: str) -> str:
    """name as a path relative to root, without "." or ".." parts or doubled or trailing slashes."""
    return os.path.relpath(os.path.normpath(os.path.join(root, name)), root)


def _set_directory_attributes(root: str, directories: List[Tuple[str, int, float]]) -> None:
    """Innermost first, after every file: a read-only directory would stop the files it holds.
    Each path's directories were real ones when it was unpacked, and a directory stays one."""
    for path, mode, mtime in sorted(directories, reverse=True):
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, mode)
            os.utime(path, (mtime, mtime))


def _location(root: str, name: str) -> str:
    """Where the entry name lands: its directory with links followed (realpath: only for links
    and entries through them), then its own last part, which is replaced, not followed."""
    parent, base = os.path.split(os.path.join(root, name.rstrip("/")))
    return os.path.normpath(os.path.join(os.path.realpath(parent), base))


def _make_link(member: tarfile.TarInfo, location: str, source: Optional[str]) -> None:
    """A symlink (source None) or a hard link to source at location, replacing a file or link
    there, as tar does."""
    filetree.make_dirs(os.path.dirname(location))
    if os.path.lexists(location) and not os.path.isdir(location) or os.path.islink(location):
        os.unlink(location)
    if source is None:
        os.symlink(member.linkname, location)
    else:
        os.link(source, location)
        os.chmod(location, member.mode)
        os.utime(location, (member.mtime, member.mtime))


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, root: str, writes: Writes, archive: str) -> None:
    """A regular file on a path no link goes through: its bytes read here, written by writes."""
    path = os.path.normpath(os.path.join(root, member.name))
    try:
        source = tar.extractfile(member)
        data = source.read() if source is not None else b""
    except Exception as e:  # a truncated body, a broken stream
        raise _not_readable(archive, e)
    writes.make_dirs(os.path.dirname(path))
    writes.write(path, data, member.mode, member.mtime)


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, root: str, archive: str) -> None:
    try:
        # tarfile makes missing parents with os.makedirs, a frame a level
        filetree.make_dirs(os.path.dirname(os.path.join(root, member.name.rstrip("/"))))
        tar.extract(member, root, set_attrs=not member.isdir(), **_TAR_FILTER)
    except OSError as e:
        raise _write_failed(archive, e)
    except Exception as e:  # a truncated body, a broken stream, a link to nothing
        raise _not_readable(archive, e)


def _write_failed(archive: str, e: OSError) -> BuildpackError:
    if e.errno in _NO_SPACE:
        return BuildpackError("Could not unpack {}: {}.".format(archive, e.strerror),
                              hint="Free space on the build machine's disk (the layers volume), then build again.")
    if e.errno in _NOT_WRITABLE:
        return BuildpackError("Could not unpack {}: {}.".format(archive, e.strerror),
                              hint="The build's user must be able to write to the layers directory and to the "
                                   "directories the archive unpacks into; nothing was installed.")
    return _not_readable(archive, e)


class _Unpacked(NamedTuple):
    """Where members land, and the symlinks unpacked so far (dest starts empty: no others)."""
    root: str
    links: Set[str]

    def resolve(self, name: str) -> str:
        """root/name with links followed. Lexical unless name or a parent is a link unpacked
        earlier: realpath costs a dozen lstat calls, and runtimes have thousands of entries."""
        path = os.path.join(self.root, name)
        return os.path.realpath(path) if self.through_link(name) else os.path.normpath(path)

    def through_link(self, name: str) -> bool:
        """Whether name, or a directory it is in, may be a link unpacked earlier."""
        if not self.links:
            return False
        # "link/../x" goes where the link points, then up: only realpath knows
        return ".." in name.split(os.sep) or any(
            p in self.links for p in _self_and_parents(_normalized(self.root, name)))


def _self_and_parents(name: str) -> List[str]:
    parts = name.split(os.sep)
    return [os.sep.join(parts[:i]) for i in range(1, len(parts) + 1)]


def _without_dot_slash(name: str) -> str:
    return re.sub(r"^(?:\./)+", "", name)  # "./a", "././a": "a"


def _checked_name(member: tarfile.TarInfo, unpacked: _Unpacked, archive: str) -> Optional[str]:
    """The member's name relative to root, or None to skip it; refuses anything unsafe."""
    root = unpacked.root
    name = _without_dot_slash(member.name)
    if name in ("", "."):
        return None
    if "\x00" in name or os.path.isabs(name):
        raise _unsafe(archive, member.name, "a path outside the layer")
    target = _location(root, name) if member.issym() or member.islnk() else unpacked.resolve(name)
    if not _inside(target, root) or target == root:
        raise _unsafe(archive, member.name, "a path outside the layer")
    if member.isdev() or member.isfifo():
        raise _unsafe(archive, member.name, "a device or fifo")
    if not _settable_time(member.mtime):  # os.utime raises OverflowError or ValueError on it
        raise _unsafe(archive, member.name, "stamped with a time out of range ({!r})".format(member.mtime))
    if member.issym():
        if os.path.isabs(member.linkname) or "\x00" in member.linkname:
            raise _unsafe(archive, member.name, "a symlink out of the layer")
        # on disk, link by link: "a/.." is not "." when a is itself a link
        link = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
        if not _inside(link, root):
            raise _unsafe(archive, member.name, "a symlink out of the layer")
    if member.islnk():
        link_name = _without_dot_slash(member.linkname)
        if os.path.isabs(link_name) or "\x00" in link_name or \
                not _inside(os.path.realpath(os.path.join(root, link_name)), root):
            raise _unsafe(archive, member.name, "a hard link out of the layer")
        member.linkname = link_name
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        raise _unsafe(archive, member.name, "not a file, directory or link")
    return name


# Pythons with extraction filters (3.12+, some 3.8-3.11 patches) get "fully_trusted": the checks
# above are the filter, as on the Pythons without one. "tar" would repeat them, at a realpath
# per entry (a third of the unpacking time); 3.14's default, "data", also changes modes.
_TAR_FILTER: Dict[str, Any] = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


def _settable_time(mtime: Any) -> bool:
    """Finite, and within about 270 years of 1970 either way."""
    return isinstance(mtime, (int, float)) and math.isfinite(mtime) and abs(mtime) < 1 << 33


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _unsafe(archive: str, name: str, what: str) -> BuildpackError:
    return BuildpackError("Refusing to unpack {}: entry {!r} is {}.".format(archive, name, what), hint=_NOT_A_RUNTIME)


def _too_big(archive: str, what: str) -> BuildpackError:
    return BuildpackError("Refusing to unpack {}: it holds {}.".format(archive, what),
                          hint="A runtime is far smaller: the archive is damaged or not a runtime. If it really "
                               "is this large, raise {} (default {}).".format(LIMIT_VARIABLE, DEFAULT_LIMIT_MB))


def _not_readable(archive: str, e: BaseException) -> BuildpackError:
    if isinstance(e, BuildpackError):
        return e
    detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return BuildpackError("{} is not a readable tar archive ({}).".format(archive, detail.rstrip(".")),
                          hint=_NOT_A_RUNTIME)


def _check_links(dest: str, archive: str) -> None:
    """Every symlink still points inside dest once the top directory is gone: a link that was
    inside one level down (a/b -> ..) can point out of the layer one level up."""
    root = os.path.realpath(dest)
    for path in _links_under(dest, archive):
        if not _inside(os.path.realpath(path), root):
            raise _unsafe(archive, os.path.relpath(path, dest), "a symlink out of the layer")


def _strip_single_top_dir(dest: str) -> None:
    entries = os.listdir(dest)
    if len(entries) != 1:
        return
    top = os.path.join(dest, entries[0])
    if not os.path.isdir(top) or os.path.islink(top) or entries[0] in ("bin", "lib"):
        return
    if stat.S_IMODE(os.lstat(top).st_mode) & 0o700 != 0o700:
        os.chmod(top, 0o700)  # emptied and removed: the build user lists it and writes to it
    children = set(os.listdir(top))
    # A name none of its children has: each child then moves up without meeting another entry.
    holder = ".python-cnb-top"
    while holder in children:
        holder += "_"
    os.rename(top, os.path.join(dest, holder))
    for name in children:
        _move_up(os.path.join(dest, holder, name), os.path.join(dest, name))
    os.rmdir(os.path.join(dest, holder))


def _move_up(source: str, target: str) -> None:
    """A directory moved to another parent has its ".." rewritten: the build user must be able to
    write to it, so a read-only one is opened for the move and given its mode back."""
    mode = os.lstat(source).st_mode
    if not stat.S_ISDIR(mode) or mode & 0o200:
        os.rename(source, target)
        return
    os.chmod(source, mode | 0o200)
    os.rename(source, target)
    os.chmod(target, stat.S_IMODE(mode))
