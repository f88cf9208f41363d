"""The bootstrap interpreter's layer, installed by the lib: on a build image without python3,
bin/bootstrap.sh fetches the archive, checks its sha256 and unpacks just enough of it elsewhere to
run this module, which unpacks the archive into the layer by archive.py's rules (nothing outside
the layer, no devices, no setuid bits, BP_UNPACK_LIMIT_MB), keeps what the lib needs, checks the
interpreter and writes the layer's TOML last.

  python -I -c '...bootstrap.main()' <lib dir> <archive> <layer dir> <url> <sha256>"""
import contextlib
import os
import signal
import subprocess
import sys
from typing import Mapping

from . import filetree
from .archive import extract
from .cnb import exitcodes
from .errors import BuildpackError, BuildStopped, utf8_stdout
from .log import Log
from .runner import stop_on_signals
from .settings import Settings

# What running the lib does not need: the test suite, IDLE, Tk, headers, pip (every later build
# would restore and export them).
_PRUNED_IN_STDLIB = ("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data", "site-packages")
_PRUNED = ("include", "share", os.path.join("lib", "pkgconfig"))
_STARTS = "import sys; sys.exit(sys.version_info < (3, 6))"


def main() -> None:
    log = Log(utf8_stdout())
    stop_on_signals()
    archive, layer, url, sha256 = sys.argv[2:6]
    # The lifecycle has applied <platform>/env already (clear-env is false).
    env = dict(os.environ)
    try:
        install(archive, layer, url, env)
        commit(layer, url, sha256)
    except BuildpackError as error:
        log.error(error)
        sys.exit(exitcodes.BUILD_FAILED)
    except BuildStopped as stopped:
        log.error(BuildpackError("The build was stopped ({}).".format(signal.Signals(stopped.signum).name),
                                 hint="Nothing it left half-done is kept: the next build starts those steps again."))
        sys.stdout.flush()
        os._exit(exitcodes.STOPPED_BY_SIGNAL + stopped.signum)


def install(archive: str, layer: str, url: str, env: Mapping[str, str]) -> None:
    os.makedirs(layer, exist_ok=True)
    extract(archive, layer, "gz", Settings.from_env(env).unpack_limits())
    prune(layer)
    python = os.path.join(layer, "bin", "python3")
    try:
        started = subprocess.run([python, "-I", "-S", "-c", _STARTS], env=dict(
            env, LD_LIBRARY_PATH=os.path.join(layer, "lib")), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        started = False
    if not started:
        raise BuildpackError("The bootstrap interpreter from {} does not start on this build image.".format(url),
                             hint="Use a catalog runtime built for this image's distro and arch, or build on an "
                                  "image with python3 3.6 or newer.")


def prune(layer: str) -> None:
    lib = os.path.join(layer, "lib")
    for name in sorted(os.listdir(lib)) if os.path.isdir(lib) else []:
        path = os.path.join(lib, name)
        if name.startswith("python3.") and os.path.isdir(path):
            for pruned in _PRUNED_IN_STDLIB + tuple(n for n in os.listdir(path) if n.startswith("config-")):
                _remove(os.path.join(path, pruned))
        elif name.endswith(".a") or name.startswith(("tcl", "tk", "itcl", "libtcl", "libtk")):
            _remove(path)
    for pruned in _PRUNED:
        _remove(os.path.join(layer, pruned))


def commit(layer: str, url: str, sha256: str) -> None:
    """The layer's TOML, last: only now does the lifecycle trust (and cache) the layer."""
    def quoted(value: str) -> str:
        return '"{}"'.format(value.replace("\\", "\\\\").replace('"', '\\"'))
    with open(layer + ".toml", "w", encoding="utf-8") as f:
        f.write("[types]\ncache = true\n\n[metadata]\nurl = {}\nsha256 = {}\n".format(quoted(url), quoted(sha256)))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        with contextlib.suppress(OSError):
            filetree.remove(path)
    elif os.path.lexists(path):
        os.remove(path)
