"""The runtime as a dependency change needs it, kept in the cache when the image keeps the runtime
itself (retention.py, BP_PYTHON_RUNTIME_CACHE unset; the runtime step decides, steps/runtime.py):
the runtime layer's files with the standard library's and the toolset's modules compiled into one
zip, lib/pythonXY.zip, which CPython puts on sys.path by itself. A cache-only layer keyed on the
runtime's own metadata.

Why this shape (docs/benchmarks.md): creating a file costs 0.5-0.9 ms on the build machines
measured, and the runtime with its toolset is about 3,600 files. Installing it again on a
dependency change, or having the lifecycle restore and export it from the cache on every build,
costs seconds. This copy is about 430 files in two tars (about 43 MB): the lifecycle restores and
exports two files a build, and a dependency change unpacks them into the runtime layer's own path
(so sysconfig, shebangs and the user base are those of the runtime), runs pip with it, and removes
it (finish, the last step): the exporter then reuses the previous image's runtime layer, whose
bytes these are not. Until finish, the runtime layer has no TOML: a build that fails on the way
leaves the copy where nothing trusts it.

python.tar holds what pip needs to start (about 120 files: 0.2 s); rest.tar the rest (headers,
build configuration, the standard library's data: about 300 files), unpacked beside pip's start
and the dependencies' unpacking. No other process starts before it is whole (Runner.hold), and
pip builds from source only after its go. python.tar's marker names rest.tar's sha256, checked
before pip starts: a damaged rest is refused while the runtime can still be installed instead."""
import os
from typing import Any, Dict, Mapping, Tuple

from ..appfiles import digest
from ..archive import extract
from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..installers import Installer
from ..settings import RuntimeCache
from . import Result, StepContext

NAME = "pip-runtime"
TYPES = LayerTypes(cache=True)
FILE = "python.tar"
REST = "rest.tar"  # the rest of the runtime, unpacked beside the next steps
RUNTIME = "python"  # the runtime layer (steps/runtime.py's NAME: it imports this module)
MARKER = ".python-cnb-pip-runtime"  # in an unpacked copy: the runtime layer holds this, not the runtime
REST_DIGEST = "rest.tar sha256 "  # the marker's line that names rest.tar's digest
OLDEST = (3, 8)  # zipimport, getpath and importlib.resources as this relies on them

# Run by the runtime's own interpreter (its pycs, its zipfile): argv = runtime dir, the two tars to
# write, marker.
# Stored, not deflated: pip then starts about 80 ms sooner (CPU, measured), for 13 MB more in the cache.
# Under lib/pythonX.Y (lib-dynload aside), a module goes into the zip as its compiled pyc (legacy
# name: zipimport does not look in __pycache__); a package's data in site-packages goes in too
# (importlib.resources reads it there); the standard library's data, the dist-info directories and
# .pth files, and os.py (the landmark getpath looks for) stay files; so does the rest of the layer.
# What pip starts with goes into the first tar: bin/, lib/'s own files (libpython, the zip), os.py,
# lib-dynload and site-packages; the rest into the second, whose sha256 the marker records.
# Whole-second mtimes: a fraction costs a pax header per entry, and reading it at every unpack.
_PACK = r'''
import atexit, os, shutil, sys, hashlib, tarfile, tempfile, zipfile, py_compile, importlib.util
src, out, rest_out, marker = sys.argv[1:5]
lib = os.path.join(src, "lib", "python%d.%d" % sys.version_info[:2])
site, dynload = os.path.join(lib, "site-packages"), os.path.join(lib, "lib-dynload")
under = lambda path, top: path == top or path.startswith(top + os.sep)
first = lambda path: (under(path, os.path.join(src, "bin")) or os.path.dirname(path) == os.path.join(src, "lib")
                      or under(path, site) or under(path, dynload) or path == os.path.join(lib, "os.py"))
tmp = tempfile.mkdtemp(prefix="python-cnb-")
atexit.register(shutil.rmtree, tmp, True)  # the zip (tens of MB) is never left in TMPDIR, failed or not
zpath = os.path.join(tmp, "zip")
added, files = (set(), set()), 0
def whole_seconds(info):
    info.mtime = int(info.mtime)
    return info
def keep(tars, path, which=None):
    global files
    which = (0 if first(path) else 1) if which is None else which
    rel = os.path.relpath(path, src)
    parent = os.path.dirname(rel)
    if parent and parent not in added[which]:
        keep(tars, os.path.dirname(path), which)
    if rel not in added[which]:
        tars[which].add(path, rel, recursive=False, filter=whole_seconds)
        added[which].add(rel)
        files += 1
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar, zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as z:
    rest = tarfile.open(rest_out, "w", format=tarfile.PAX_FORMAT)
    tars = (tar, rest)
    for root, dirs, names in os.walk(src):
        dirs.sort()
        names.sort()
        zipped = under(root, lib) and not under(root, dynload) and os.path.basename(root) != "__pycache__"
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            base = site if under(root, site) else lib
            if zipped and name.endswith(".py"):
                pyc = importlib.util.cache_from_source(path)
                if not os.path.isfile(pyc):
                    pyc = os.path.join(tmp, "compiled.pyc")
                    try:
                        py_compile.compile(path, cfile=pyc, doraise=True)
                    except (py_compile.PyCompileError, SyntaxError, UnicodeError):
                        continue
                z.write(pyc, os.path.relpath(path, base)[:-3] + ".pyc")
                if root == lib and name == "os.py":
                    keep(tars, path)
            elif zipped and under(root, site) and root != site and ".dist-info" not in os.path.relpath(root, site):
                z.write(path, os.path.relpath(path, site))
            elif not under(root, lib) or not os.path.basename(root) == "__pycache__":
                keep(tars, path)
    z.close()
    rest.close()
    tar.add(zpath, "lib/python%d%d.zip" % sys.version_info[:2], filter=whole_seconds)
    with open(rest_out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(tmp, "marker"), "w") as f:
        f.write("the runtime as pip needs it: python-cnb's pip-runtime layer\nrest.tar sha256 %s\n" % digest)
    tar.add(os.path.join(tmp, "marker"), marker, filter=whole_seconds)
sys.stdout.write("%d" % (files + 2))
'''

# What pip needs, found without importing the toolset (its modules are in the zip).
PROBE = ("import sys, encodings, json, zlib, hashlib, ssl, zipfile, email.parser, sysconfig, importlib.util; "
         "gone = [m for m in ('pip', 'setuptools', 'pkg_resources', 'wheel') if importlib.util.find_spec(m) is None]; "
         "sys.stdout.write('%d.%d.%d' % sys.version_info[:3] + (' lacks ' + ', '.join(gone) if gone else ''))")


# The installers that run pip from the runtime itself: what the copy was made and measured for
# (the lock tools bring their own installer, into a virtual environment of the runtime).
PIP_INSTALLERS = (Installer.PIP.value, Installer.PIP_PROJECT.value)


def wanted_here(step: StepContext, release: Tuple[int, ...], in_image_only: bool) -> bool:
    """Kept when the image keeps the runtime, BP_PYTHON_RUNTIME_CACHE is unset, the app's
    dependencies are installed with pip, and the runtime runs from a zip as this expects."""
    return in_image_only and step.settings.runtime_cache is RuntimeCache.PIP_RUNTIME and release >= OLDEST \
        and step.plan is not None and step.plan.wanted.installer in PIP_INSTALLERS


def current(step: StepContext, metadata: Mapping[str, Any]) -> bool:
    """The cache holds a copy of this runtime (the same metadata as the runtime layer's)."""
    layer = step.layer(NAME)
    return dict(layer.previous_metadata()) == dict(metadata) and os.path.isfile(os.path.join(layer.path, FILE))


def keep(step: StepContext, metadata: Dict[str, Any]) -> None:
    """The cached copy, kept for the next build as it came back."""
    step.layer(NAME).commit(TYPES, metadata)


def drop(step: StepContext) -> None:
    """No copy in the cache after this build (none wanted, or one of another runtime)."""
    step.layer(NAME).remove()


def pack(step: StepContext, runtime_path: str, python: str, metadata: Dict[str, Any],
         run_env: Mapping[str, str]) -> None:
    """Write the copy of the runtime just installed at runtime_path (python runs with run_env),
    then mark the layer done."""
    layer = step.layer(NAME)
    layer.reset()
    timer = step.log.timer()
    out = os.path.join(layer.path, FILE)
    done = step.runner.capture([python, "-I", "-B", "-c", _PACK, runtime_path, out, os.path.join(layer.path, REST),
                                MARKER], run_env)
    if done.returncode != 0:
        drop(step)  # the next dependency change installs the runtime: slower, never wrong
        step.log.info("No copy of the runtime kept for pip: packing it failed ({})".format(
            (done.stderr.strip().splitlines() or ["exit {}".format(done.returncode)])[-1][:200]))
        return
    layer.commit(TYPES, metadata)
    step.log.info("Kept the runtime as pip needs it in the cache ({} files, {:.1f} MB, in {})".format(
        done.stdout.strip(), (os.path.getsize(out) + os.path.getsize(os.path.join(layer.path, REST))) / 1e6,
        timer.elapsed()))


def unpack(step: StepContext, runtime_layer: Layer, version: str) -> str:
    """Unpack the cached copy into the runtime layer's path (its TOML goes first) and check that it
    runs as `version` with its toolset: "" when it does, else what is wrong (the layer is then
    left empty). Its rest unpacks beside the next steps; no process starts before it is whole."""
    runtime_layer.reset()
    copy = step.layer(NAME).path
    if not os.path.isfile(os.path.join(copy, FILE)):
        return "its file {} is missing".format(FILE)
    try:
        extract(os.path.join(copy, FILE), runtime_layer.path, "tar", step.settings.unpack_limits())
        rest = _checked_rest(copy, runtime_layer.path)
    except BuildpackError as e:
        runtime_layer.reset()
        return e.message
    problem = _damage(step, os.path.join(runtime_layer.path, "bin", "python3"), version,
                      {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": os.path.join(runtime_layer.path, "lib")})
    if problem:
        runtime_layer.reset()
    elif rest:
        def unpack_rest() -> str:
            try:
                extract(rest, runtime_layer.path, "tar", step.settings.unpack_limits())
            except BuildpackError as e:
                raise BuildpackError("Could not unpack the rest of the cache's copy of Python {}: {}".format(
                    version, e.message), hint="The runtime layer is left unfinished, and nothing trusts it: "
                                              "the next build unpacks the copy again.")
            return ""
        step.runner.hold(step.background.start(unpack_rest) if step.background else unpack_rest)
    return problem


def _checked_rest(copy: str, runtime_path: str) -> str:
    """The copy's rest.tar, when its sha256 is the one python.tar's marker names."""
    try:
        with open(os.path.join(runtime_path, MARKER), errors="replace") as f:
            named = [line[len(REST_DIGEST):].strip() for line in f if line.startswith(REST_DIGEST)]
    except OSError as e:
        raise BuildpackError("its marker cannot be read ({})".format(e.strerror or type(e).__name__))
    rest = os.path.join(copy, REST)
    sha256 = digest(rest, REST)
    if named[:1] != [sha256]:
        raise BuildpackError("its file {} is not the one it was made with (sha256 {})".format(REST, sha256[:12]))
    return rest


def _damage(step: StepContext, python: str, version: str, run_env: Mapping[str, str]) -> str:
    if not os.path.isfile(python):
        return "it has no bin/python3"
    try:
        probe = step.runner.capture([python, "-I", "-B", "-c", PROBE], run_env)
    except OSError as e:
        return "it does not start: {}".format(e.strerror or type(e).__name__)
    said = probe.stdout.strip()
    if probe.returncode != 0:
        return "it does not start: {}".format((probe.stderr.strip().splitlines() or ["?"])[-1][:200])
    return "" if said == version else "it reports {}".format(said[:80])


def finish(step: StepContext) -> Result:
    """The last step, after every step that runs Python: a copy unpacked into the runtime layer
    goes, and the layer is the previous image's again (its TOML says launch, no directory), with
    this build's runtime metadata, which the copy's own TOML holds (the copy is only unpacked when
    they are the same)."""
    runtime_layer = step.layer(RUNTIME)
    step.runner.settle()  # the copy's rest, still unpacking when no process ran after it
    if os.path.exists(os.path.join(runtime_layer.path, MARKER)):
        runtime_layer.keep_in_image(dict(step.layer(NAME).previous_metadata()))
    return Result()
