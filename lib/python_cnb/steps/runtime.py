"""The CPython runtime layer: the archive the catalog names, downloaded through the mirror, checked
against its sha256 and unpacked, then the classic toolset (pip, setuptools, wheel at pinned
versions) unpacked into it from checksummed wheels. A launch layer, kept in the cache and given to
later buildpacks too when retention.py says a build needs it at hand; its bin/ and lib/ reach PATH
and LD_LIBRARY_PATH through the lifecycle."""
import os
import subprocess
import tempfile
import urllib.parse
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence

from .. import sbom, wheels
from ..bytecode import compile_paths, hash_based_headers
from ..catalog import Runtime
from ..cnb.env import LayerEnv, Scope
from ..cnb.layers import Layer, LayerTypes
from ..url_secrets import stored
from ..download import extract, mirrored_url
from ..errors import BuildpackError
from ..runner import Runner, start, stop_and_close
from .. import relocation, retention
from ..reuse import Decision, against_previous, rebuild
from ..toolset import Toolset
from . import Python, Result, StepContext, pip_runtime

NAME = "python"
TYPES = LayerTypes(build=True, launch=True, cache=True)


class Metadata(NamedTuple):
    """What the runtime layer is keyed on (its [metadata]): the archive, the target and the toolset."""
    version: str
    url: str         # without credentials: a launch layer's TOML ships in the image
    sha256: str
    target: str
    pip: str
    setuptools: str
    wheel: str


def metadata(runtime: Runtime, toolset: Toolset, target: str) -> Metadata:
    tools = toolset.versions()
    return Metadata(runtime.version, stored(runtime.url), runtime.sha256, target,
                    tools["pip"], tools["setuptools"], tools["wheel"])


def reasons(old: Metadata, new: Metadata) -> List[str]:
    """Every way old differs from new, a phrase per field ([] when they match). A new archive is a
    consequence of a new version, so that alone is said then."""
    found = []
    if old.version != new.version:
        found.append("Python version changed ({} -> {})".format(old.version, new.version))
    elif (old.url, old.sha256) != (new.url, new.sha256):
        found.append("the catalog's archive for Python {} changed".format(new.version))
    if old.target != new.target:
        found.append("the build's target changed ({} -> {})".format(old.target, new.target))
    return found + ["the pinned {} changed ({} -> {})".format(tool, getattr(old, tool), getattr(new, tool))
                    for tool in ("pip", "setuptools", "wheel") if getattr(old, tool) != getattr(new, tool)]


def previous_version(layers_dir: str) -> str:
    """The Python version the previous build used ("" for none), also from a TOML that another
    version of python-cnb wrote: an upgrade must not make an unpinned app change versions."""
    version = Layer(layers_dir, NAME).previous_metadata().get("version")
    return version if isinstance(version, str) else ""


def env(layers_dir: str) -> LayerEnv:
    """The runtime for this build's processes: its bin/ and lib/ first on PATH and LD_LIBRARY_PATH
    (the lifecycle does that by itself for later buildpacks and at launch, hence nothing is
    written), no PYTHONHOME from the build's environment, unbuffered output, and no pycs written
    by imports: they would differ from the cached runtime's and be exported anew (bytecode is
    compiled on purpose, bytecode.py)."""
    path = os.path.join(layers_dir, NAME)
    return (LayerEnv()
            .default("PATH", "/usr/bin:/bin", Scope.THIS_BUILD)
            .prepend("PATH", os.path.join(path, "bin"), Scope.THIS_BUILD)
            .prepend("LD_LIBRARY_PATH", os.path.join(path, "lib"), Scope.THIS_BUILD)
            .unset("PYTHONHOME")
            .override("PYTHONUNBUFFERED", "1", Scope.THIS_BUILD)
            .override("PYTHONDONTWRITEBYTECODE", "1", Scope.THIS_BUILD)
            .default("LANG", "C.UTF-8", Scope.THIS_BUILD))


def run(step: StepContext) -> Result:
    """Reuse the runtime (where the last build kept it) or install the chosen one."""
    step.log.header("Python runtime")
    choice, kept = step.choice, retention.for_runtime(step.kept, step.settings)
    if step.plan is not None and not step.plan.decision.reuse:
        kept = kept.needing("the dependencies are installed")
    layer, chosen = step.layer(NAME), choice.runtime
    wanted = metadata(chosen, choice.toolset, step.target)
    decision = decide(layer, wanted, kept.needs, step.runtime_check)
    copied = pip_runtime.wanted_here(step, chosen.release, kept.types == retention.IMAGE_ONLY)
    unpacked = False
    if decision.reuse:
        kept.keep(layer, wanted._asdict())
        step.log.info("Reusing Python {} (unchanged since the last build)".format(chosen.version))
    else:
        unpacked = copied and _from_copy(step, layer, wanted)
    if not decision.reuse and not unpacked:
        if decision.reason:
            step.log.info("Replacing the cached runtime: {}".format(decision.reason))
        install(step, chosen, choice.toolset, wanted, kept.types)
        if copied:
            pip_runtime.pack(step, layer.path, python_in(layer.path), wanted._asdict(),
                             env(step.layers_dir).apply(step.env))
    if copied and pip_runtime.current(step, wanted._asdict()):
        pip_runtime.keep(step, wanted._asdict())
    else:
        pip_runtime.drop(step)  # none wanted, or of another runtime (the runtime is not at hand to make one)
    sbom.write(step.layers_dir, NAME, sbom.runtime_components(chosen, choice.toolset), step.buildpack_version)
    python = Python(python_in(layer.path), chosen.version, chosen.release)
    return Result(NAME, () if unpacked else decision.reasons, env(step.layers_dir), python=python)


def _from_copy(step: StepContext, layer: Layer, wanted: Metadata) -> bool:
    """The image keeps this runtime and pip needs it here: unpack the cache's copy of it into the
    layer's path, with no TOML until pip_runtime.finish gives the image's layer back. False when
    there is none to use (the log says why when there is one)."""
    in_image = not layer.has_contents() and against_previous(layer, wanted, reasons).reuse
    copy = against_previous(step.layer(pip_runtime.NAME), wanted, reasons)
    if not in_image or not (copy.reuse or copy.reason):
        return False  # no copy kept: the last build had the runtime at hand, or kept nothing
    timer = step.log.timer()
    problem = pip_runtime.unpack(step, layer, wanted.version) if copy.reuse \
        else "it is not of this runtime: " + copy.reason
    if problem:
        step.log.info("Not using the cache's copy of Python {} for pip: {}".format(wanted.version, problem))
        return False
    step.log.info("Unpacked the cache's copy of Python {} to run pip, in {} (the image keeps the runtime "
                  "itself)".format(wanted.version, timer.elapsed()))
    return True


def python_in(layer_path: str) -> str:
    for name in ("python3", "python"):
        path = os.path.join(layer_path, "bin", name)
        if os.path.exists(path):
            return path
    return os.path.join(layer_path, "bin", "python3")


def decide(layer: Layer, wanted: Metadata, needs: Sequence[str] = (),
           check: Optional["subprocess.Popen[str]"] = None) -> Decision:
    """needs: why this build needs the runtime at hand (retention.py); without any, a runtime the
    previous image holds (its TOML came back without contents) is reused there. check: the
    cached runtime's self-check, when start_check began it."""
    try:
        return _decide(layer, wanted, needs, check)
    finally:
        stop_check(check)


def _decide(layer: Layer, wanted: Metadata, needs: Sequence[str], check: Optional["subprocess.Popen[str]"]) -> Decision:
    decision = against_previous(layer, wanted, reasons)
    if not decision.reuse:
        return decision
    if not layer.has_contents():
        if not needs:
            return Decision(True)
        return rebuild("the last build kept it in the image only, and this build needs it ({})".format(
            "; ".join(needs)))
    if not os.path.exists(python_in(layer.path)):
        return rebuild("the cached runtime's files are missing")
    damage = _damage(layer, wanted.version, check)
    if damage:
        return rebuild("the cached runtime is damaged ({})".format(damage))
    return Decision(True)


# What pip and the installers need from the runtime at once, and the toolset's packages (looked
# for, not imported: cheap on every build, and valid Python 2.7 too): if any is broken, rebuild.
_PROBE = ("import sys, os, encodings, json, zlib, hashlib, ssl, zipfile, email.parser, sysconfig; "
          "sp = [p for p in sys.path if p.endswith('site-packages')]; "
          "gone = [m for m in ('pip', 'setuptools', 'pkg_resources', 'wheel') "
          "if not any(os.path.isdir(os.path.join(d, m)) for d in sp)]; "
          "sys.stdout.write('%d.%d.%d' % sys.version_info[:3] + (' lacks ' + ', '.join(gone) if gone else ''))")


def start_check(layers_dir: str) -> Optional["subprocess.Popen[str]"]:
    """The cached runtime's self-check (_PROBE), begun before the catalogs are read so that the
    two overlap (a third of a no-change Django build); None when no cached runtime is there."""
    layer = Layer(layers_dir, NAME)
    if not layer.has_contents() or not os.path.exists(python_in(layer.path)):
        return None
    try:
        return start(_probe_command(layer), _probe_env(layer))
    except OSError:
        return None  # decide() runs it again and says why


def stop_check(check: Optional["subprocess.Popen[str]"]) -> None:
    """The early check, done with: stopped if it still runs (with anything it started)."""
    if check is not None:
        stop_and_close(check)


def _probe_command(layer: Layer) -> List[str]:
    return [python_in(layer.path), "-I", "-B", "-c", _PROBE]


def _probe_env(layer: Layer) -> Dict[str, str]:
    return env(layer.layers_dir).apply({"PATH": "/usr/bin:/bin"})


def _damage(layer: Layer, version: str, check: Optional["subprocess.Popen[str]"] = None) -> str:
    """'' when the cached interpreter starts, imports what installers need and is `version`;
    else what is wrong. About 30 ms: cheap enough for every build."""
    try:
        if check is None:
            probe = subprocess.run(_probe_command(layer), env=_probe_env(layer), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True, errors="replace", timeout=60)
        else:
            out, err = check.communicate(timeout=60)
            probe = subprocess.CompletedProcess(check.args, check.returncode, out, err)
    except (OSError, subprocess.SubprocessError) as e:
        return "it does not start: {}".format(getattr(e, "strerror", None) or type(e).__name__)
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or ["exit {}".format(probe.returncode)])[-1]
        return "it does not start: {}".format(said[:200])
    reported, _, lacks = probe.stdout.strip().partition(" lacks ")
    if reported != version:
        return "it reports Python {}".format(reported[:40] or "nothing")
    if lacks:
        return "it lacks {}".format(lacks)
    return ""


def install(step: StepContext, runtime: Runtime, toolset: Toolset, wanted: Metadata,
            types: LayerTypes = TYPES) -> None:
    layer = step.layer(NAME)
    layer.reset()
    url = mirrored_url(runtime.url, step.settings.mirrors)
    compression = "zst" if url.endswith(".zst") else "gz"
    timer = step.log.timer()
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        archive = os.path.join(tmp, "python.tar." + compression)
        step.log.info("Downloading Python {} from {}".format(runtime.version, url))
        step.downloader.fetch(url, archive, runtime.sha256)
        if runtime.sha256:
            step.log.info("Verified sha256 {}".format(runtime.sha256))
        else:
            step.log.info("No published checksum for this archive (classic heroku-buildpack-python runtimes)")
        extract(archive, layer.path, compression, step.settings.unpack_limits())
    relocation.relocate(layer.path)  # sysconfig, python3-config and pkg-config name the layer, not the build's prefix
    relocation.launch_env(layer.path).write(layer)
    run_env = env(step.layers_dir).apply(step.env)
    _check(layer.path, runtime, run_env, step.runner)
    hashed = hash_based_headers(python_in(layer.path), runtime.release, layer.path, run_env, step.runner)
    if hashed:
        step.log.info("Made {} pycs of the standard library hash-based (layer file times are reset)".format(hashed))
    _install_toolset(step, layer.path, runtime, toolset)
    layer.commit(types, wanted._asdict())
    step.log.info("Installed Python {} in {}".format(runtime.version, timer.elapsed()))


def _check(path: str, runtime: Runtime, run_env: Mapping[str, str], runner: Runner) -> None:
    """The unpacked archive must run and be the version asked for; give it `python`."""
    bindir = os.path.join(path, "bin")
    python = python_in(path)
    if not os.path.exists(python):
        raise BuildpackError("The archive for Python {} has no bin/python3.".format(runtime.version),
                             hint="The catalog entry points at something that is not a CPython runtime.")
    if not os.path.exists(os.path.join(bindir, "python")):
        os.symlink(os.path.basename(python), os.path.join(bindir, "python"))
    probe = runner.capture([python, "-B", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], run_env)
    if probe.returncode != 0 or probe.stdout.strip() != runtime.version:
        raise BuildpackError(
            "The archive for Python {} does not run as that version: {}".format(
                runtime.version, (probe.stdout + probe.stderr).strip()[-300:] or "exit {}".format(probe.returncode)),
            hint="Its shared libraries may be missing from the run image, or the catalog entry is wrong.",
        )


# Written to run on every Python line the catalogs serve, 2.7 included. setuptools before pip:
# importing pip first makes setuptools' distutils shim stand aside (its rule for pip's builds).
_TOOLSET_PROBE = ("import sys, setuptools, pkg_resources, wheel, pip; "
                  "sys.stdout.write(' '.join([pip.__version__, setuptools.__version__, wheel.__version__]))")


def _install_toolset(step: StepContext, path: str, runtime: Runtime, toolset: Toolset) -> None:
    """Unpack the pinned wheels over whatever the archive carries (classic archives have no pip,
    portable ones their own), byte-compile them, and check they import."""
    log = step.log
    log.info("Installing {}".format(toolset.describe()))
    timer = log.timer()
    prefix = wheels.Prefix(path, runtime.release, python_in(path))
    installed: List[str] = []
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        downloading = log.timer()
        archives = [os.path.join(tmp, os.path.basename(urllib.parse.urlsplit(wheel.url).path))
                    for wheel in toolset.wheels]
        for wheel, archive in zip(toolset.wheels, archives):
            step.downloader.fetch(mirrored_url(wheel.url, step.settings.mirrors), archive, wheel.sha256)
        downloaded = downloading.elapsed()
        for wheel, archive in zip(toolset.wheels, archives):
            wheels.remove_installed(prefix, wheel.project)
            installed += wheels.install(prefix, archive, wheel.project)
    # The probes below write no pycs into the layer (env sets PYTHONDONTWRITEBYTECODE): only what
    # compile_paths writes belongs.
    run_env = env(step.layers_dir).apply(step.env)
    # A file that does not compile (pip ignores these too) only costs its pyc; the probe below
    # is what must pass.
    compiling = log.timer()
    compile_paths(prefix.python, runtime.release,
                  [os.path.join(prefix.site_packages, name) for name in sorted(set(installed))], run_env, step.runner)
    compiled = compiling.elapsed()
    probe = step.runner.capture([prefix.python, "-c", _TOOLSET_PROBE], run_env)
    expected = " ".join(w.version for w in toolset.wheels)
    if probe.returncode != 0 or probe.stdout.strip() != expected:
        raise BuildpackError("{} do not work on Python {}: {}".format(
            toolset.describe(), runtime.version, (probe.stdout + probe.stderr).strip()[-500:]),
            hint="Report this: the toolset pins (stacks/toolset/wheels.yaml) do not fit this runtime.")
    log.info("Installed {} in {} (download {}, bytecode {})".format(toolset.describe(), timer.elapsed(), downloaded,
                                                                     compiled))
