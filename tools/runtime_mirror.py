#!/usr/bin/env python3
"""A loopback runtime mirror for tests, the demo and benchmarks: CPython archives in the classic
layout (bin/, lib/, include/ at the root, gzip, as heroku's), made from this machine's pyenv
interpreters and those tools/platform/debian-cpython.sh built from Debian's sources (under
<cache>/cpython), a catalog with their sha256, and an HTTP server on 127.0.0.1.

  runtime_mirror.py build --out DIR [--versions 3.12.1,3.11.7]
  runtime_mirror.py catalog --mirror DIR --base-url URL --out FILE [--name ... --distro debian:12 ...]
  runtime_mirror.py serve --mirror DIR [--host 127.0.0.1] [--port 0] [--ready-file F]

Archives are cached: building a version again is a no-op while its pyenv source is unchanged."""
import argparse
import fcntl
import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import sys
import tarfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lib"))
TOOL_VERSION = "3"  # bump when the archive recipe changes, to rebuild cached archives
PYENV_VERSIONS = os.path.join(os.environ.get("PYENV_ROOT", "/root/.pyenv"), "versions")
# tools/platform/debian-cpython.sh's installs (settings.env's CACHE, then cpython/<version>).
BUILT_VERSIONS = os.path.join(os.environ.get("PYTHON_CNB_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "python-cnb"), "cpython")
BUILT_STAMP = ".debian-source"  # written last by debian-cpython.sh: the install is complete
# Not shipped: this machine's site-packages (its pip, a sandbox .pth), stdlib tests, static libs,
# scripts whose shebangs name the pyenv path.
_STDLIB_TESTS = re.compile(r"^lib/python[\d.]+/(test|idlelib/idle_test|tkinter/test|lib2to3/tests|unittest/test|"
                           r"ctypes/test|distutils/tests|sqlite3/test|tkinter/tests)(/|$)")
_SITE_PACKAGES = re.compile(r"^lib/python[\d.]+/site-packages/.+")


def _versions(root, complete=lambda path: True):
    if not os.path.isdir(root):
        return []
    found = [v for v in os.listdir(root) if re.match(r"^\d+\.\d+\.\d+$", v) and complete(os.path.join(root, v))]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def pyenv_versions():
    return _versions(PYENV_VERSIONS)


def built_versions():
    """Versions debian-cpython.sh built (and finished) that pyenv does not have."""
    have = set(pyenv_versions())
    return [v for v in _versions(BUILT_VERSIONS, lambda path: os.path.exists(os.path.join(path, BUILT_STAMP)))
            if v not in have]


def interpreter_dir(version):
    pyenv = os.path.join(PYENV_VERSIONS, version)
    return pyenv if os.path.isdir(pyenv) else os.path.join(BUILT_VERSIONS, version)


def _fingerprint(source, version):
    binary = os.path.join(source, "bin", "python" + ".".join(version.split(".")[:2]))
    return "{}:{}:{}".format(source, os.stat(binary).st_mtime if os.path.exists(binary) else 0, TOOL_VERSION)


def _shebang_names(path, source):
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!" and source.encode() in f.readline()
    except OSError:
        return False


def _keep(rel, full, source):
    if _SITE_PACKAGES.match(rel) or _STDLIB_TESTS.match(rel) or rel == BUILT_STAMP:
        return False
    if rel.endswith(".a") or re.search(r"\.opt-[12]\.pyc$", rel):  # static libs; pycs only -O uses
        return False
    if rel.startswith("bin/") and os.path.isfile(full) and not os.path.islink(full) and _shebang_names(full, source):
        return False
    return True


def build_archive(version, dest):
    source = interpreter_dir(version)
    entries = []
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, source)
        for name in dirnames + sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if _keep(rel, full, source):
                entries.append((rel, full))
    kept = {rel for rel, _ in entries}
    entries = [(rel, full) for rel, full in entries  # no symlinks to what was left out (pip -> pip3.12)
               if not os.path.islink(full)
               or os.path.normpath(os.path.join(os.path.dirname(rel), os.readlink(full))) in kept]
    tmp = dest + ".tmp"
    # gzip with a fixed mtime and sorted entries: the same source gives the same bytes.
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, full in sorted(entries):
            info = tar.gettarinfo(full, arcname=rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with _stripped(full, rel) as path:
                    info.size = os.path.getsize(path)
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
            else:
                tar.addfile(info)
        for link, target in (("bin/python3", "python" + ".".join(version.split(".")[:2])), ("bin/python", "python3")):
            if not any(rel == link for rel, _ in entries) and version.startswith("3"):
                info = tarfile.TarInfo(link)
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
                tar.addfile(info)
    os.replace(tmp, dest)


class _stripped:
    """The file itself, or for shared objects and the interpreter a copy without debug symbols
    (a third of the archive otherwise), when binutils' strip is here."""

    def __init__(self, full, rel):
        self.full, self.rel, self.tmp = full, rel, None

    def __enter__(self):
        binary = re.search(r"\.so(\.[\d.]+)?$", self.rel) or re.match(r"^bin/python\d\.\d+$", self.rel)
        if binary and shutil.which("strip"):
            fd, self.tmp = tempfile.mkstemp(prefix="runtime-mirror-")
            os.close(fd)
            if subprocess.run(["strip", "--strip-debug", "-o", self.tmp, self.full],
                              stderr=subprocess.DEVNULL).returncode == 0:
                shutil.copymode(self.full, self.tmp)
                return self.tmp
            if os.path.exists(self.tmp):  # strip refused it (not an ELF file): ship it as it is
                os.remove(self.tmp)
            self.tmp = None
        return self.full

    def __exit__(self, *exc):
        if self.tmp:
            os.remove(self.tmp)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_mirror(out_dir, versions=None):
    """Archives for `versions` (default: every pyenv version) under out_dir/runtimes, and
    out_dir/index.json. Returns the index."""
    os.makedirs(os.path.join(out_dir, "runtimes"), exist_ok=True)
    # make test-phase runs each interpreter's suite at once: one builds, the other waits, then reads
    with open(os.path.join(out_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_mirror(out_dir, versions)


def _build_mirror(out_dir, versions):
    index_path = os.path.join(out_dir, "index.json")
    old = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            old = {r["version"]: r for r in json.load(f)["runtimes"]}
    available = pyenv_versions() + built_versions()
    wanted = versions or available
    missing = [v for v in wanted if v not in available]
    if missing:
        raise SystemExit("runtime_mirror: no pyenv or built interpreter for {} (have: {}; "
                         "tools/platform/debian-cpython.sh builds one)".format(
                             ", ".join(missing), ", ".join(available) or "none"))
    entries = dict(old)
    for version in wanted:
        name = "python-{}.tar.gz".format(version)
        path = os.path.join(out_dir, "runtimes", name)
        fingerprint = _fingerprint(interpreter_dir(version), version)
        cached = old.get(version)
        if cached and cached.get("fingerprint") == fingerprint and os.path.exists(path):
            continue
        build_archive(version, path)
        entries[version] = {"version": version, "file": "runtimes/" + name, "sha256": _sha256(path),
                            "size": os.path.getsize(path), "fingerprint": fingerprint}
    index = {"runtimes": sorted(entries.values(), key=lambda r: tuple(int(p) for p in r["version"].split(".")))}
    with open(index_path + ".tmp", "w") as f:
        json.dump(index, f, indent=1)
    os.replace(index_path + ".tmp", index_path)
    return index


def write_catalog(mirror_dir, base_url, out, name="Debian-12", distro="debian:12",
                  stack_ids=("io.buildpacks.stacks.bookworm",), arch="amd64", default="3.12.1", versions=None):
    """One catalog document (stacks/README.md's format) whose runtimes are the mirror's."""
    with open(os.path.join(mirror_dir, "index.json")) as f:
        runtimes = json.load(f)["runtimes"]
    if versions:
        runtimes = [r for r in runtimes if r["version"] in versions]
    distro_name, distro_version = distro.split(":", 1)
    lines = ["# A loopback mirror of this machine's CPython interpreters (tools/runtime_mirror.py).",
             "name: {}".format(name),
             "stack_ids: [{}]".format(", ".join(stack_ids)),
             'distro: {{name: {}, version: "{}"}}'.format(distro_name, distro_version),
             "default_version: {}".format(default),
             "runtimes:"]
    for r in runtimes:
        lines.append('  - {{version: {}, arch: {}, url: "{}/{}", sha256: {}}}'.format(
            r["version"], arch, base_url.rstrip("/"), r["file"], r["sha256"]))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server:
    """A threaded HTTP server on loopback serving a directory, in a background thread; over https
    with tls=(certificate file, key file)."""

    def __init__(self, directory, host="127.0.0.1", port=0, tls=None):
        handler = functools.partial(_QuietHandler, directory=directory) if sys.version_info >= (3, 7) else None
        if handler is None:  # Python 3.6: no directory argument; serve from a handler bound to it
            class Handler(_QuietHandler):
                def translate_path(self, path):
                    rel = super().translate_path(path)[len(os.getcwd()):].lstrip("/")
                    return os.path.join(directory, rel)
            handler = Handler
        self.httpd = http.server.ThreadingHTTPServer((host, port), handler) if hasattr(http.server, "ThreadingHTTPServer") \
            else http.server.HTTPServer((host, port), handler)
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = "{}://{}:{}".format(scheme, host, self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(directory, host="127.0.0.1", port=0):
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise SystemExit("runtime_mirror: serves on loopback only, not {}".format(host))
    return Server(directory, host, port)


def main():
    parser = argparse.ArgumentParser(description="Loopback CPython runtime mirror from pyenv interpreters.")
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build")
    b.add_argument("--out", required=True)
    b.add_argument("--versions", default="")
    c = sub.add_parser("catalog")
    c.add_argument("--mirror", required=True)
    c.add_argument("--base-url", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--name", default="Debian-12")
    c.add_argument("--distro", default="debian:12")
    c.add_argument("--stack-id", action="append", dest="stack_ids")
    c.add_argument("--arch", default="amd64")
    c.add_argument("--default", default="3.12.1")
    s = sub.add_parser("serve")
    s.add_argument("--mirror", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--ready-file")
    args = parser.parse_args()
    if args.command == "build":
        index = build_mirror(args.out, [v for v in args.versions.split(",") if v] or None)
        for r in index["runtimes"]:
            print("{version}  {size:>10}  {sha256}  {file}".format(**r))
    elif args.command == "catalog":
        write_catalog(args.mirror, args.base_url, args.out, args.name, args.distro,
                      tuple(args.stack_ids or ["io.buildpacks.stacks.bookworm"]), args.arch, args.default)
    elif args.command == "serve":
        server = serve(args.mirror, args.host, args.port)
        if args.ready_file:
            with open(args.ready_file + ".tmp", "w") as f:
                f.write(server.url)
            os.replace(args.ready_file + ".tmp", args.ready_file)
        print(server.url, flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        stop.wait()
        server.close()
    else:
        parser.print_help()
        sys.exit(2)


if __name__ == "__main__":
    main()
