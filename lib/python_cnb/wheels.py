"""Installing pure-Python wheels straight into a runtime's prefix, as pip would (PEP 427 / the
binary distribution format): unpack into site-packages, `.data/` directories to their schemes,
console scripts from entry_points.txt, a RECORD of what was written. Used for the runtime's own
pip, setuptools and wheel, where running ensurepip and then pip would cost seconds per build."""
import base64
import contextlib
import configparser
import hashlib
import os
import re
import stat
import zipfile
from typing import Dict, List, Tuple

from . import filetree
from .errors import BuildpackError
from .filewrites import Writes

_VERSIONED_SCRIPT = re.compile(r"^(pip|easy_install-)\d+\.\d+$")
SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {attr}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({call}())
"""


class Prefix:
    """A Python installation's directories: prefix/bin, and site-packages for its version."""

    def __init__(self, prefix: str, release: Tuple[int, ...], python: str) -> None:
        self.prefix = prefix
        self.bin = os.path.join(prefix, "bin")
        self.site_packages = os.path.join(prefix, "lib", "python{}.{}".format(*release[:2]), "site-packages")
        self.release = release
        self.python = python  # the interpreter scripts run with (their shebang)


def canonical(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def remove_installed(prefix: Prefix, project: str) -> None:
    """Uninstall any version of project found in site-packages (what its RECORD lists), so the
    pinned one replaces it (the portable builds ship their own pip)."""
    if not os.path.isdir(prefix.site_packages):
        return
    for entry in sorted(os.listdir(prefix.site_packages)):
        name, _, suffix = entry.rpartition(".")
        if suffix not in ("dist-info", "egg-info") or canonical(name.split("-")[0]) != canonical(project):
            continue
        meta = os.path.join(prefix.site_packages, entry)
        for rel in _recorded(meta):
            path = os.path.normpath(os.path.join(prefix.site_packages, rel))
            if _inside(path, prefix.prefix) and (os.path.isfile(path) or os.path.islink(path)):
                os.remove(path)
        if os.path.isdir(meta) and not os.path.islink(meta):
            with contextlib.suppress(OSError):
                filetree.remove(meta)
        else:
            os.remove(meta)
    for entry in sorted(os.listdir(prefix.site_packages)):  # emptied package directories
        path = os.path.join(prefix.site_packages, entry)
        if os.path.isdir(path) and not any(files for _, _, files in filetree.walk(path)):
            filetree.remove(path)


def _recorded(meta: str) -> List[str]:
    record = os.path.join(meta, "RECORD")
    if not os.path.isfile(record):
        return []
    with open(record, encoding="utf-8") as f:
        return [line.split(",")[0] for line in f if line.strip()]


def install(prefix: Prefix, wheel_path: str, project: str) -> List[str]:
    """Unpack the wheel; returns the top-level names it put in site-packages (for byte-compiling)."""
    written = {}  # type: Dict[str, str]  # path -> RECORD hash
    top_level = set()
    try:
        with zipfile.ZipFile(wheel_path) as archive, Writes() as writes:
            dist_info = _dist_info(archive, project)
            for info in archive.infolist():
                if info.filename.endswith("/"):
                    continue
                target = _target(prefix, info.filename, dist_info)
                data = archive.read(info)
                writes.make_dirs(os.path.dirname(target))
                if os.path.islink(target):  # writing would follow it
                    os.remove(target)
                writes.write(target, data, 0o755 if (info.external_attr >> 16) & stat.S_IXUSR else 0o644)
                written[target] = _hash(data)
                rel = os.path.relpath(target, prefix.site_packages)
                if not rel.startswith(".."):
                    top_level.add(rel.split(os.sep)[0])
            entry_points = archive.read(dist_info + "/entry_points.txt").decode("utf-8") \
                if dist_info + "/entry_points.txt" in archive.namelist() else ""
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as e:
        raise BuildpackError("The {} wheel ({}) is not a usable wheel: {}.".format(
            project, os.path.basename(wheel_path), e), hint="The download is damaged; build again.")
    for name, text in _console_scripts(prefix, entry_points):
        target = os.path.join(prefix.bin, name)
        written[target] = _write(target, text.encode("utf-8"), executable=True)
    meta = os.path.join(prefix.site_packages, dist_info)
    installer = os.path.join(meta, "INSTALLER")
    written[installer] = _write(installer, b"python-cnb\n", executable=False)
    _write_record(prefix, meta, written)
    return sorted(n for n in top_level if n.endswith(".py") or (
        not n.endswith(".dist-info") and os.path.isdir(os.path.join(prefix.site_packages, n))))


def _dist_info(archive: zipfile.ZipFile, project: str) -> str:
    for name in archive.namelist():
        top = name.split("/")[0]
        if top.endswith(".dist-info") and canonical(top.split("-")[0]) == canonical(project):
            return top
    raise KeyError("no {}-*.dist-info directory".format(project))


def _target(prefix: Prefix, name: str, dist_info: str) -> str:
    """Where a wheel member goes: site-packages, or for <name>.data/<scheme>/... its scheme."""
    parts = name.split("/")
    if name.startswith("/") or ".." in parts or "" in parts[:-1]:
        raise KeyError("entry {!r} points outside the install".format(name))
    data_dir = dist_info[:-len(".dist-info")] + ".data"
    if parts[0] != data_dir:
        return os.path.join(prefix.site_packages, *parts)
    scheme, rest = parts[1], parts[2:]
    roots = {"purelib": prefix.site_packages, "platlib": prefix.site_packages, "scripts": prefix.bin,
             "data": prefix.prefix, "headers": os.path.join(prefix.prefix, "include")}
    if scheme not in roots or not rest:
        raise KeyError("entry {!r} has an unknown scheme".format(name))
    return os.path.join(roots[scheme], *rest)


def _console_scripts(prefix: Prefix, entry_points: str) -> List[Tuple[str, str]]:
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore  # script names are case-sensitive
    parser.read_string(entry_points)
    if not parser.has_section("console_scripts"):
        return []
    out = []
    line = "{}.{}".format(*prefix.release[:2])
    scripts = dict(parser.items("console_scripts"))
    if "pip" in scripts:  # as pip itself installs pip: pip, pip3 and pip3.12 for this runtime
        scripts.setdefault("pip{}".format(prefix.release[0]), scripts["pip"])
        scripts["pip" + line] = scripts["pip"]
    for name, value in sorted(scripts.items()):
        # Versioned names in a wheel are the line that built it (pip3.11, easy_install-3.8);
        # like pip, name them after this runtime's line instead.
        name = _VERSIONED_SCRIPT.sub(lambda m: m.group(1) + line, name)
        module, _, attr = value.strip().partition(":")
        attr = attr.split("[")[0].strip()
        out.append((name, SCRIPT.format(python=prefix.python, module=module.strip(), attr=attr.split(".")[0],
                                         call=attr)))
    return sorted(set(out))


def _write(path: str, data: bytes, executable: bool) -> str:
    """Write the file; returns its RECORD hash."""
    filetree.make_dirs(os.path.dirname(path))
    if os.path.islink(path):
        os.remove(path)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o755 if executable else 0o644)
    return _hash(data)


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "sha256={},{}".format(digest, len(data))


def _write_record(prefix: Prefix, meta: str, written: Dict[str, str]) -> None:
    record = os.path.join(meta, "RECORD")
    rows = sorted("{},{}".format(os.path.relpath(path, prefix.site_packages), digest)
                  for path, digest in written.items() if path != record)
    rows.append("{},,".format(os.path.relpath(record, prefix.site_packages)))
    _write(record, ("\n".join(rows) + "\n").encode("utf-8"), executable=False)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)
