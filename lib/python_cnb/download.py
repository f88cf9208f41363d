"""Fetching dependency archives: mirror rewriting (BP_DEPENDENCY_MIRROR, as Paketo defines it),
timeouts, retries with backoff, sha256 verification, and extraction that cannot escape its
destination."""
import hashlib
import ipaddress
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Mapping, Optional

from .errors import BuildpackError
from .log import mask

ATTEMPTS = 3
TIMEOUT_SECONDS = 30
CHUNK = 1 << 20


def mirrored_url(url: str, env: Mapping[str, str]) -> str:
    """Apply BP_DEPENDENCY_MIRROR_<HOST> (host-specific) or BP_DEPENDENCY_MIRROR (default).

    The mirror's path may hold {originalHost}, replaced by the original host (and the original
    path follows); without it the original path is appended to the mirror. A host-specific
    value may add `,skip-path=/prefix` to drop a leading part of the original path. Host names
    in variable names use `_` for `.` and `__` for `-` (BP_DEPENDENCY_MIRROR_GITHUB_COM)."""
    original = urllib.parse.urlsplit(url)
    mirror = None
    prefix = "BP_DEPENDENCY_MIRROR_"
    for key in sorted(env):
        if key.startswith(prefix) and env[key]:
            host = key[len(prefix):].replace("__", "-").replace("_", ".").lower()
            if host and host in original.netloc.lower():
                mirror = env[key]
                break
    if mirror is None:
        mirror = env.get("BP_DEPENDENCY_MIRROR") or None
    if not mirror:
        return url

    skip_path = ""
    fields = [f.strip() for f in mirror.split(",")]
    base = fields[0]
    for field in fields:
        if field.startswith("mirror="):
            base = field[len("mirror="):]
        elif field.startswith("skip-path="):
            skip_path = urllib.parse.unquote(field[len("skip-path="):])
    base = urllib.parse.unquote(base)
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme not in ("https", "file") and not (parsed.scheme == "http" and _is_loopback(parsed.hostname)):
        raise BuildpackError(
            "The dependency mirror {} must use https:// or file:// (http:// only on loopback).".format(mask(base)),
            hint="Fix BP_DEPENDENCY_MIRROR, e.g. BP_DEPENDENCY_MIRROR=https://mirror.example.org/{originalHost}",
        )
    path = original.path
    if skip_path and path.startswith(skip_path):
        path = path[len(skip_path):]
    if "{originalHost}" in parsed.path:
        new_path = parsed.path.replace("{originalHost}", original.netloc + path, 1)
    else:
        new_path = parsed.path.rstrip("/") + path
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, new_path, original.query, ""))


def _is_loopback(host: Optional[str]) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Downloader:
    """Fetches a URL to a file, verifying its sha256. sleep is injected so tests of the retry
    path do not wait."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, timeout: float = TIMEOUT_SECONDS) -> None:
        self.sleep = sleep
        self.timeout = timeout

    def fetch(self, url: str, dest: str, sha256: str) -> str:
        """Download to dest; returns the archive's sha256. Raises BuildpackError when every
        attempt failed or the checksum does not match (dest is then removed)."""
        last_error = ""
        digest = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                digest = self._fetch_once(url, dest)
                break
            except urllib.error.HTTPError as e:
                last_error = "HTTP {} {}".format(e.code, e.reason)
                if e.code in (401, 403, 404, 410):  # retrying will not help
                    break
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                last_error = str(reason)
            if attempt < ATTEMPTS:
                self.sleep(2 ** (attempt - 1))
        if not digest:
            _remove(dest)
            raise BuildpackError(
                "Could not download {}: {}.".format(mask(url), last_error),
                hint="Check the network or the mirror (BP_DEPENDENCY_MIRROR), then build again.",
            )
        if sha256 and digest != sha256:
            _remove(dest)
            raise BuildpackError(
                "The download of {} does not match its sha256 checksum (expected {}, got {}).".format(
                    mask(url), sha256, digest),
                hint="The archive or the mirror serving it is not the one the catalog describes; nothing was installed.",
            )
        return digest

    def _fetch_once(self, url: str, dest: str) -> str:
        h = hashlib.sha256()
        request = urllib.request.Request(url, headers={"User-Agent": "python-cnb"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response, open(dest, "wb") as out:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                h.update(chunk)
                out.write(chunk)
        return h.hexdigest()


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def extract(archive: str, dest: str, compression: str = "gz") -> None:
    """Unpack a tar archive into dest (which must exist and be empty), refusing anything that
    would land outside it, device files and setuid bits. A single top-level directory (the
    portable builds' `python/`) is stripped."""
    if compression == "zst":
        if shutil.which("zstd") is None:
            raise BuildpackError("This runtime is a .tar.zst archive and the build image has no zstd.",
                                 hint="Install zstd on the build image, or pick a version with a .tar.gz archive.")
        proc = subprocess.Popen(["zstd", "-dc", archive], stdout=subprocess.PIPE)
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                _extract_stream(tar, dest, archive)
        finally:
            assert proc.stdout is not None
            proc.stdout.close()
            if proc.wait() != 0:
                raise BuildpackError("zstd could not decompress {}.".format(os.path.basename(archive)))
    else:
        try:
            with tarfile.open(archive, mode="r|*") as tar:
                _extract_stream(tar, dest, archive)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise BuildpackError("{} is not a readable tar archive: {}.".format(os.path.basename(archive), e))
    _strip_single_top_dir(dest)


def _extract_stream(tar: tarfile.TarFile, dest: str, archive: str) -> None:
    root = os.path.realpath(dest)
    for member in tar:
        name = member.name
        while name.startswith("./"):
            name = name[2:]
        if name in ("", "."):
            continue
        target = os.path.realpath(os.path.join(root, name))
        if os.path.isabs(name) or not _inside(target, root):
            raise _unsafe(archive, member.name, "a path outside the layer")
        if member.isdev() or member.isfifo():
            raise _unsafe(archive, member.name, "a device or fifo")
        if member.issym():
            link = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
            if os.path.isabs(member.linkname) or not _inside(link, root):
                raise _unsafe(archive, member.name, "a symlink out of the layer")
        if member.islnk():
            link_name = member.linkname[2:] if member.linkname.startswith("./") else member.linkname
            if not _inside(os.path.realpath(os.path.join(root, link_name)), root):
                raise _unsafe(archive, member.name, "a hard link out of the layer")
            member.linkname = link_name
        member.name = name
        member.mode &= 0o777  # no setuid, setgid or sticky bits
        member.uid = member.gid = 0
        member.uname = member.gname = ""
        tar.extract(member, root, set_attrs=not member.issym(), **_TAR_FILTER)


# Python 3.12+ has extraction filters; "tar" repeats the checks above (and warns no more).
_TAR_FILTER: Dict[str, Any] = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _unsafe(archive: str, name: str, what: str) -> BuildpackError:
    return BuildpackError(
        "Refusing to unpack {}: entry {!r} is {}.".format(os.path.basename(archive), name, what),
        hint="The archive is damaged or was not built for a runtime layer; nothing was installed.",
    )


def _strip_single_top_dir(dest: str) -> None:
    entries = os.listdir(dest)
    if len(entries) != 1:
        return
    top = os.path.join(dest, entries[0])
    if not os.path.isdir(top) or os.path.islink(top) or entries[0] in ("bin", "lib"):
        return
    moved = os.path.join(dest, ".top-" + entries[0])  # a child may share the top dir's name
    os.rename(top, moved)
    top = moved
    for name in os.listdir(top):
        os.rename(os.path.join(top, name), os.path.join(dest, name))
    os.rmdir(top)
