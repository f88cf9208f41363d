"""Django's collectstatic at build time, as heroku and App Platform run it: static files are then
part of the app image. Off with DISABLE_COLLECTSTATIC=1 or a `.heroku/collectstatic_disabled` file
(v242's switch); skipped, with a note, for an app without django.contrib.staticfiles.

Its output (STATIC_ROOT's files) is kept in a cache-only layer, keyed on what collectstatic reads:
the installed distributions (the dependencies layer's key), the environment it runs in, the
settings module, the finders' source directories, and the rest of the app's files (a settings
module may read any of them). When none changed, the kept files are copied back instead of
starting Django: a no-change rebuild pays a copy, not an interpreter and Django's import."""
import hashlib
import json
import os
import shutil
import tempfile
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from .. import appfiles, filetree
from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..project import collectstatic_disabled
from ..reuse import Decision, previous, rebuild
from . import Result, StepContext

NAME = "collectstatic"
TYPES = LayerTypes(cache=True)
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "collectstatic_run.py")
# Never keyed: a container's name, the shell's bookkeeping, the lifecycle's own CNB_* (its plan
# path is a new temporary directory on every build).
_VOLATILE_ENV = frozenset(("HOSTNAME", "PWD", "OLDPWD", "SHLVL", "_"))
_LIFECYCLE_ENV = "CNB_"
_NOT_READ = frozenset((".git", ".hg", ".svn", "__pycache__"))
DEPENDENCIES, ENVIRONMENT, OTHER_FILES = "the installed distributions", "the build environment", "the other app files"


class Metadata(NamedTuple):
    """What the kept output is keyed on (inputs: what collectstatic read -> sha256; key: their
    sha256) and where what it read and wrote lies, relative to the app (from its last run)."""
    key: str
    inputs: Dict[str, str]
    static_root: str
    settings: str
    static_dirs: List[str]


class Record(NamedTuple):
    """What the last run read and wrote, relative to the app ("" or absent: outside it)."""
    static_root: str
    settings: str
    static_dirs: List[str]


def inputs(app_dir: str, env: Mapping[str, str], dependencies: Mapping[str, Any], record: Record) -> Dict[str, str]:
    """sha256 of each thing collectstatic reads, named for the log."""
    found = {DEPENDENCIES: _json_digest(dependencies),
             ENVIRONMENT: _json_digest({k: v for k, v in env.items()
                                        if k not in _VOLATILE_ENV and not k.startswith(_LIFECYCLE_ENV)})}
    if record.settings:
        found[record.settings] = _file_digest(os.path.join(app_dir, record.settings))
    for rel in record.static_dirs:
        found[rel + "/"] = _tree_digest(os.path.join(app_dir, rel), ())
    # The dependencies' own files (requirements.txt, local packages) are keyed through them.
    installed_from = dependencies.get("inputs")
    keyed = [name.rstrip("/") for name in installed_from] if isinstance(installed_from, dict) else []
    apart = [record.static_root, record.settings] + list(record.static_dirs) + keyed
    found[OTHER_FILES] = _tree_digest(app_dir, [os.path.join(app_dir, p) for p in apart if p])
    return found


def metadata(found: Dict[str, str], record: Record) -> Metadata:
    return Metadata(_json_digest(found), found, record.static_root, record.settings, list(record.static_dirs))


def reasons(old: Metadata, new: Metadata) -> List[str]:
    """What changed of what the last run read, in words ([] when nothing did)."""
    return ["{} changed".format(k) for k in sorted(set(old.inputs) | set(new.inputs))
            if old.inputs.get(k) != new.inputs.get(k)]


def decide(layer: Layer, app_dir: str, env: Mapping[str, str], dependencies: Mapping[str, Any]) -> Decision:
    """Reuse the kept output when the last run's inputs are all unchanged."""
    old = previous(layer, Metadata)
    if isinstance(old, str):
        return rebuild(old) if old else Decision(False)
    if not old.static_root:
        return rebuild("its last run wrote outside the app (STATIC_ROOT), so nothing of it was kept")
    record = Record(old.static_root, old.settings, old.static_dirs)
    found = reasons(old, metadata(inputs(app_dir, env, dependencies, record), record))
    if found:
        return Decision(False, tuple(found))
    if not os.path.isdir(os.path.join(layer.path, "static")):
        return rebuild("the kept files are missing")
    return Decision(True)


def run(step: StepContext) -> Result:
    """Reuse the kept output when nothing collectstatic reads changed, else run it."""
    app_dir, env, log = step.app_dir, step.env, step.log
    if step.python is None or "django" not in dict(step.dists) or "manage.py" not in step.project.files:
        return Result()
    log.header("Django static files")
    off = collectstatic_disabled(app_dir, step.settings)
    if off:
        log.info("Skipping collectstatic ({})".format(off))
        return Result()
    dependencies = step.plan.wanted._asdict() if step.plan else {}
    layer = step.layer(NAME)
    decision = decide(layer, app_dir, env, dependencies)
    old = previous(layer, Metadata)
    if decision.reuse and not isinstance(old, str):
        timer = log.timer()
        _copy_tree(os.path.join(layer.path, "static"), os.path.join(app_dir, old.static_root))
        layer.commit(TYPES, old._asdict())
        log.info("Reusing collectstatic's output in {}/ (key {}: nothing it reads changed; copied in {})".format(
            old.static_root, old.key[:12], timer.elapsed()))
        return Result(NAME)
    if decision.reason:
        log.info("Running collectstatic again: {}".format(decision.reason))
    layer.reset()  # nothing of an older run is trusted while this one runs
    _collect(step, layer, dependencies)
    return Result(NAME, decision.reasons)


def _collect(step: StepContext, layer: Layer, dependencies: Mapping[str, Any]) -> None:
    assert step.python is not None
    app_dir, log = step.app_dir, step.log
    timer = log.timer()
    log.info("Running python manage.py collectstatic --noinput")
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        report_path = os.path.join(tmp, "report.json")
        code = step.runner.run([step.python.path, RUNNER, report_path], step.env, cwd=app_dir)
        report = _read_report(report_path)
    if report.get("skipped"):
        log.info("Skipping collectstatic: {} (as heroku's Python CNB does)".format(report["skipped"]))
        return
    if code != 0:
        raise failure(code, report.get("error"))
    if "static_root" not in report:
        log.info("collectstatic finished in {} (it said nothing of what it wrote: nothing kept)".format(timer.elapsed()))
        return
    record = _relative_record(app_dir, report)
    static_root = os.path.join(app_dir, record.static_root)
    if record.static_root and os.path.isdir(static_root):
        _copy_tree(static_root, os.path.join(layer.path, "static"))
        found = inputs(app_dir, step.env, dependencies, record)
        layer.commit(TYPES, metadata(found, record)._asdict())
        log.info("collectstatic finished in {} (its output kept, key {})".format(timer.elapsed(), _json_digest(found)[:12]))
    else:
        log.info("collectstatic finished in {} (STATIC_ROOT is outside the app: nothing kept)".format(timer.elapsed()))


def failure(code: int, error: Optional[Dict[str, Any]]) -> BuildpackError:
    """The error for a failed run, from what failed (the runner's report), not a guess."""
    off = ("or turn collectstatic off with DISABLE_COLLECTSTATIC=1 "
           "(e.g. `pack build --env DISABLE_COLLECTSTATIC=1`)")
    if not isinstance(error, dict):
        return BuildpackError("Django's collectstatic failed (exit {}); its output is above.".format(code),
                              hint="Fix what its output names, {}.".format(off))
    said = "{}: {}".format(error.get("type", "Error"), str(error.get("message", "")).strip()).rstrip(": ")
    if not error.get("settings_loaded"):
        module = error.get("settings_module")
        where = " ({})".format(module) if module and isinstance(module, str) else ""
        missing = error.get("type") in ("ImportError", "ModuleNotFoundError")
        return BuildpackError("Django could not load the app's settings{}: {}".format(where, said),
                              hint=("Add the missing package to the app's requirements, or fix the import in the "
                                    "settings; " if missing else "Fix the settings (the traceback above shows where); ")
                              + off + ".")
    if error.get("type") == "ImproperlyConfigured" and "STATIC_ROOT" in said:
        return BuildpackError("Django's collectstatic failed: {}".format(said),
                              hint="Set STATIC_ROOT in the settings to a directory in the app, e.g. "
                                   "STATIC_ROOT = BASE_DIR / \"staticfiles\", {}.".format(off))
    return BuildpackError("Django's collectstatic failed: {}".format(said),
                          hint="The traceback above shows where; fix it, {}.".format(off))


def _read_report(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def _relative_record(app_dir: str, report: Mapping[str, Any]) -> Record:
    def inside(path: Any) -> str:
        if not isinstance(path, str) or not path:
            return ""
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(app_dir))
        return "" if rel == os.curdir or rel.startswith(os.pardir) else rel

    dirs = report.get("static_dirs")
    return Record(inside(report.get("static_root")), inside(report.get("settings_file")),
                  sorted(set(filter(None, (inside(d) for d in dirs)))) if isinstance(dirs, list) else [])


def _json_digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8", "surrogateescape")).hexdigest()


def _file_digest(path: str) -> str:
    if not os.path.isfile(path):
        return "missing"
    return appfiles.digest(path, os.path.basename(path))


def _tree_digest(root: str, apart: Sequence[str]) -> str:
    """sha256 over the tree's names and contents (links by their text; other special files by
    name), leaving out the paths apart (keyed on their own)."""
    if not os.path.isdir(root):
        return "missing"
    h = hashlib.sha256()
    for here, dirs, names in filetree.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_READ and os.path.join(here, d) not in apart)
        for name in sorted(names):
            path = os.path.join(here, name)
            if name.endswith((".pyc", ".pyo")) or path in apart:
                continue
            rel = os.path.relpath(path, root)
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            if os.path.islink(path):
                h.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            elif os.path.isfile(path):
                h.update(appfiles.digest(path, rel).encode())
            h.update(b"\0")
    return h.hexdigest()


def _copy_tree(source: str, target: str) -> None:
    """Copy source's files over target (as collectstatic writes: existing files replaced, others
    left); links as links."""
    for here, dirs, names in filetree.walk(source):
        rel = os.path.relpath(here, source)
        into = os.path.normpath(os.path.join(target, rel))
        os.makedirs(into, exist_ok=True)
        for name in names + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            src, dst = os.path.join(here, name), os.path.join(into, name)
            if os.path.islink(dst) or (os.path.exists(dst) and not os.path.isdir(dst)):
                os.remove(dst)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copyfile(src, dst)
