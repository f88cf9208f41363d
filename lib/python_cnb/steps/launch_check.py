"""The launch check: fail the build, not the deploy. After the last layer is written, the image's
default process (the one a platform starts and health-checks) is started as far as
BP_LAUNCH_CHECK says, in the build container, with the launch environment the image will have
(cnb/launch_env.py: same interpreter, PYTHONPATH, env defaults, the dependencies' venv or user
base, exec.d's WEB_CONCURRENCY):

- server (the default): the process's program is on the launch PATH, and a Python program's
  entry point imports as it will at start (gunicorn 20's `import pkg_resources` fails here), with
  gunicorn's worker class; an inferred process's module is there. One interpreter start.
- app: also the app is loaded the way its server loads it (`gunicorn --check-config`, or
  `module:app` imported for uvicorn and the others), with the user's build variables, within
  BP_LAUNCH_CHECK_TIMEOUT.
- serve: also the process is started on a loopback port until its first HTTP response (any
  status), within BP_LAUNCH_CHECK_TIMEOUT; the log shows the status and the time it took.

What it depends on was planned before the first step (launch_plan.py); the result is reused
when none of it changed, the runtime's and dependencies' layers included. A failure is one
BuildpackError, and the layer is gone before the check runs, so no later build trusts it."""
import json
import os
import re
import shlex
import shutil
from typing import List, Mapping, NamedTuple, Sequence, Tuple

from ..cnb.launch import Process
from ..cnb.launch_env import environment
from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from .. import launch_plan
from ..launch_plan import NAME, Plan, reasons
from ..log import Log
from ..reuse import against_previous
from ..settings import LAUNCH_CHECK
from . import Result, StepContext, launch_run, pip_runtime
from .launch_run import Outcome
from .process import processes

TYPES = LayerTypes(cache=True)
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launch_probe.py")
# The layers whose contents the check starts the process with; their keys are part of its own.
CHECKED_LAYERS = ("python", "dependencies")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_OPERATORS = ("&&", "||", ";", "|", "&")
_APP_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$")
_GUNICORN_WORKERS = {"gevent": "gunicorn.workers.ggevent:GeventWorker",
                     "eventlet": "gunicorn.workers.geventlet:EventletWorker"}


def run(step: StepContext) -> Result:
    log, layer, checking = step.log, step.layer(NAME), step.launch
    log.header("Launch check")
    if checking is None or checking.level == "off":
        return _forget(layer, log, "Off ({}=off): the processes are not started before the image is "
                       "exported".format(LAUNCH_CHECK))
    procs = processes(step.project.procfile, step.project.web_entry, [name for name, _ in step.dists])
    default = next((p for p in procs if p.default), None)
    if default is None:
        return _forget(layer, log, "Nothing to check: the image has no default process{}".format(
            " (the others are not started)" if procs else ""))
    wanted = checking.known._replace(runtime=_layer_key(step, "python"), dependencies=_layer_key(step, "dependencies"))
    decision = against_previous(layer, wanted, reasons)
    if decision.reuse:
        layer.commit(TYPES, wanted._asdict())
        log.info("Reusing the last build's result (level {}): nothing it checked changed".format(checking.level))
        return Result(NAME)
    away = [name for name in CHECKED_LAYERS if os.path.exists(step.layer(name).toml_path)
            and not step.layer(name).has_contents()]
    if away:
        # Kept in the previous image only: not here to start the process with. The next build
        # finds no result, so it brings them back to check (launch_plan.Plan.retention).
        return _forget(layer, log, "Not checked this time: {} {} in the previous image only ({})".format(
            " and ".join(away), "is" if len(away) == 1 else "are", decision.reason))
    if decision.reason:
        log.info("Checking again: {}".format(decision.reason))
    layer.reset()
    timer = log.timer()
    env = _launch_environment(step, checking)
    _server(step, default, env)
    if checking.level == "app":
        _app(step, default, env)
    elif checking.level == "serve":
        outcome = launch_run.serve(default.command, env, step.app_dir, step.settings.launch_check_timeout)
        if not outcome.ok:
            raise failure(default, "serve", outcome)
        log.info("serve: {} answered HTTP {} in {:.2f}s".format(default.type, outcome.status, outcome.seconds))
    layer.commit(TYPES, wanted._asdict())
    log.info("Passed (level {}) in {}".format(checking.level, timer.elapsed()))
    return Result(NAME, decision.reasons)


# -- server -------------------------------------------------------------------------------------

class Check(NamedTuple):
    op: str       # launch_probe.py's: script, import or find
    target: str
    says: str     # for the log: "gunicorn imports"
    fails: str    # for the error: "gunicorn does not import"


def _server(step: StepContext, web: Process, env: Mapping[str, str]) -> None:
    """The default process: the one a platform starts, and health-checks."""
    words, skipped = command_words(web)
    if skipped:
        step.log.info("server: {}: not checked, {}".format(web.type, skipped))
        return
    checks = _program_checks(web, words, step.app_dir, env)
    project = step.project
    if project.web_entry and not project.procfile:
        module = project.web_entry.target.split(":")[0]
        checks.append(Check("find", module, "the module {} is there".format(module),
                            "the module {} is not there".format(module)))
    if not checks:
        step.log.info("server: {}: {} is on the launch PATH".format(web.type, words[0]))
        return
    spec = json.dumps([{"op": c.op, "target": c.target} for c in checks])
    python = launch_run.python_of(env)
    outcome, report = launch_run.probe([python, PROBE, spec], env, step.app_dir,
                                       step.settings.launch_check_timeout)
    for check, result in zip(checks, report):
        if not result.get("ok"):
            raise failure(web, "server", Outcome(False, str(result.get("error", "")), what=check.fails))
    if outcome is not None:
        raise failure(web, "server", outcome)
    step.log.info("server: {}: {}".format(web.type, ", ".join(c.says for c in checks)))


def command_words(proc: Process) -> Tuple[List[str], str]:
    """The words of the command a process runs (a Procfile line read as the shell would, up to
    its first operator), or why they cannot be known without running it."""
    if proc.command[:2] != ["bash", "-c"] or len(proc.command) != 3:
        return list(proc.command), ""
    try:
        words = shlex.split(proc.command[2])
    except ValueError:
        return [], "its command line does not parse as shell words"
    while words and (words[0] == "exec" or _ASSIGNMENT.match(words[0])):
        words = words[1:]
    cut = next((i for i, w in enumerate(words) if w in _SHELL_OPERATORS), len(words))
    words = words[:cut]
    if not words:
        return [], "it runs no program"
    if any(c in words[0] for c in "$`(){}<>*?") or words[0] in ("cd", "source", ".", "if", "for", "while", "export"):
        return [], "its command starts with shell syntax ({})".format(words[0])
    return words, ""


def _program_checks(proc: Process, words: List[str], app_dir: str, env: Mapping[str, str]) -> List[Check]:
    program = words[0]
    found = (os.path.join(app_dir, program) if "/" in program else
             shutil.which(program, path=env.get("PATH", "")))
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise failure(proc, "server", Outcome(False, "", what="`{}` is not {}".format(
            program, "an executable file" if "/" in program else "on the launch PATH ({})".format(
                env.get("PATH", "")))))
    name = os.path.basename(program)
    if re.match(r"^python[0-9.]*$", name):
        module = words[words.index("-m") + 1] if "-m" in words[:-1] else ""
        return [Check("find", module, "{} -m {} is there".format(name, module),
                      "{} -m {}: the module is not there".format(name, module))] if module else []
    if not _python_script(found):
        return []
    checks = [Check("script", found, "{} imports".format(name), "{} does not import".format(name))]
    worker = _gunicorn_worker(words) if name == "gunicorn" else ""
    if worker:
        checks.append(Check("import", worker, "its worker class {} imports".format(worker),
                            "{}'s worker class {} does not import".format(name, worker)))
    return checks


def _python_script(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            first = f.readline(512)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _gunicorn_worker(words: Sequence[str]) -> str:
    for i, word in enumerate(words):
        value = words[i + 1] if word in ("-k", "--worker-class") and i + 1 < len(words) else (
            word.split("=", 1)[1] if word.startswith("--worker-class=") else "")
        if value:
            return _GUNICORN_WORKERS.get(value, value if "." in value else "")
    return ""


# -- app ------------------------------------------------------------------------------------------

def _app(step: StepContext, proc: Process, env: Mapping[str, str]) -> None:
    words, _ = command_words(proc)
    if words and os.path.basename(words[0]) == "gunicorn":
        command = (proc.command[:2] + [proc.command[2] + " --check-config"] if proc.command[:2] == ["bash", "-c"]
                   else list(proc.command) + ["--check-config"])
        outcome = launch_run.bounded(command, env, step.app_dir, step.settings.launch_check_timeout)
        if not outcome.ok:
            raise failure(proc, "app", outcome._replace(what="gunicorn cannot load the app"))
        step.log.info("app: {}: gunicorn loads the app (--check-config) in {:.2f}s".format(proc.type, outcome.seconds))
        return
    target = next((w for w in words[1:] if _APP_TARGET.match(w)), "")
    if not target:
        step.log.info("app: {}: not checked, its command names no `module:app` to import".format(proc.type))
        return
    spec = json.dumps([{"op": "import", "target": target.rstrip("()")}])
    broken, report = launch_run.probe([launch_run.python_of(env), PROBE, spec], env, step.app_dir,
                                      step.settings.launch_check_timeout)
    if broken is None and report and not report[0].get("ok"):
        broken = Outcome(False, str(report[0].get("error", "")))
    if broken is not None:
        raise failure(proc, "app", broken._replace(what="{} does not import".format(target)))
    step.log.info("app: {}: {} imports".format(proc.type, target))


# -- the failure -------------------------------------------------------------------------------

def failure(proc: Process, level: str, outcome: Outcome) -> BuildpackError:
    """Which process, which level, what it printed (its first lines), how to see it again."""
    command = proc.command[2] if proc.command[:2] == ["bash", "-c"] else " ".join(proc.command)
    said = launch_run.excerpt(outcome.output)
    return BuildpackError(
        "The {} process would not start: {} (launch check, level {}).".format(proc.type, outcome.what or
                                                                             "it failed", level),
        hint="\n".join(said + [
            "The process: {}".format(command),
            "See it in the image: build with {}=off, then `docker run --rm -e PORT=8080 --entrypoint {} "
            "<image>`.".format(LAUNCH_CHECK, proc.type),
            "Fix what it says (a dependency missing or too new, an import error), or set {}={} to build "
            "anyway.".format(LAUNCH_CHECK, "server" if level != "server" else "off")]))


# -- what the check depends on ----------------------------------------------------------------

def _layer_key(step: StepContext, name: str) -> str:
    """The digest of a layer's [metadata] as this build wrote it ("" without the layer)."""
    layer = step.layer(name)
    if name == pip_runtime.RUNTIME and os.path.exists(os.path.join(layer.path, pip_runtime.MARKER)):
        layer = step.layer(pip_runtime.NAME)  # a copy: finish gives the runtime its metadata
    table = layer.previous_metadata()  # this build's, by now
    return launch_plan.digest(dict(table)) if table else ""


def _launch_environment(step: StepContext, checking: Plan) -> Mapping[str, str]:
    base = dict(checking.variables)
    base["HOME"] = step.env.get("HOME", "/home/cnb")
    # A dependency change runs on the cache's copy of the runtime (pip_runtime.py): it has no
    # TOML until pip_runtime.finish, and it is what the check can start the process with.
    copy = os.path.exists(os.path.join(step.layer(pip_runtime.RUNTIME).path, pip_runtime.MARKER))
    env = environment(step.layers_dir, base, (pip_runtime.RUNTIME,) if copy else ())
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # the check writes no pycs into the app or the layers
    return env


def _forget(layer: Layer, log: Log, why: str) -> Result:
    """No result: the last one removed, and why none is kept this time."""
    layer.reset()
    try:
        os.rmdir(layer.path)
    except OSError:
        pass
    log.info(why)
    return Result()
