"""The launch check's decisions without a build: what a process runs, which worker class gunicorn
loads, the launch environment as the launcher builds it, what changed since the last check, and
what of a process's output an error shows."""
import os
import stat

import pytest

from fakes import step_context
from python_cnb import launch_plan
from python_cnb.cnb import launch_env
from python_cnb.cnb.context import BuildContext
from python_cnb.cnb.launch import Process
from python_cnb.cnb.layers import Layer, LayerTypes
from python_cnb.errors import BuildpackError
from python_cnb.procfile import ProcfileEntry, WebEntry
from python_cnb.project import Project
from python_cnb.retention import IMAGE_ONLY, Retention
from python_cnb.settings import Settings
from python_cnb.steps import Result, launch_check, launch_run
from python_cnb.steps.dependencies import env as dependencies_env
from python_cnb.steps.launch_config import WEB_CONCURRENCY_SCRIPT


def procfile(line):
    return Process("web", ["bash", "-c", line], [], True)


@pytest.mark.parametrize("line, words", [
    ("gunicorn app:app", ["gunicorn", "app:app"]),
    ("exec uvicorn main:app --port $PORT", ["uvicorn", "main:app", "--port", "$PORT"]),
    ("FOO=1 BAR='a b' gunicorn -w 2 app:app && echo done", ["gunicorn", "-w", "2", "app:app"]),
    ("bin/start --fast", ["bin/start", "--fast"]),
])
def test_the_words_a_procfile_line_runs(line, words):
    assert launch_check.command_words(procfile(line)) == (words, "")


@pytest.mark.parametrize("line, why", [
    ("cd src && gunicorn app:app", "its command starts with shell syntax (cd)"),
    ("$SERVER app:app", "its command starts with shell syntax ($SERVER)"),
    ("gunicorn 'app:app", "its command line does not parse as shell words"),
    ("FOO=1", "it runs no program"),
])
def test_a_procfile_line_that_cannot_be_read_without_running_it(line, why):
    assert launch_check.command_words(procfile(line)) == ([], why)


def test_the_inferred_process_is_its_own_words():
    proc = Process("web", ["gunicorn", "--worker-tmp-dir", "/dev/shm", "app:app"], [], True)
    assert launch_check.command_words(proc) == (proc.command, "")


@pytest.mark.parametrize("words, worker", [
    (["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "m:app"], "uvicorn.workers.UvicornWorker"),
    (["gunicorn", "--worker-class=gevent", "m:app"], "gunicorn.workers.ggevent:GeventWorker"),
    (["gunicorn", "--worker-class", "sync", "m:app"], ""),
    (["gunicorn", "m:app"], ""),
])
def test_gunicorns_worker_class(words, worker):
    assert launch_check._gunicorn_worker(words) == worker


def metadata(**changes):
    base = launch_plan.Metadata("server", {"web": "app:app (wsgi)"}, "0.1.0", "", "", "r1", "d1")
    return base._replace(**changes)


def test_what_changed_since_the_last_check():
    assert launch_plan.reasons(metadata(), metadata()) == []
    assert launch_plan.reasons(metadata(), metadata(dependencies="d2", processes={})) == [
        "the processes changed", "the dependencies changed"]
    # the app's digest comes with the app level: the level alone is said
    assert launch_plan.reasons(metadata(), metadata(level="app", app="a1")) == ["the level changed"]
    assert launch_plan.reasons(metadata(level="app", app="a1"), metadata(level="app", app="a2")) == [
        "the app's files changed"]


def test_an_error_shows_the_start_and_the_end_of_a_long_traceback():
    lines = ["Traceback (most recent call last):"] + ["  frame {}".format(i) for i in range(30)] + ["KeyError: 'X'"]
    shown = launch_run.excerpt("noise before\n" + "\n".join(lines))
    assert shown[:3] == ["Traceback (most recent call last):", "  frame 0", "..."]
    assert shown[-2:] == ["  frame 29", "KeyError: 'X'"] and len(shown) == launch_run.EXCERPT_LINES
    assert launch_run.excerpt("short\n\nout\n") == ["short", "out"]


def test_the_failure_names_the_process_the_level_and_how_to_see_it():
    error = launch_check.failure(procfile("gunicorn app:app"), "app",
                                 launch_run.Outcome(False, "Traceback (most recent call last):\nKeyError: 'X'\n",
                                                    "gunicorn cannot load the app"))
    assert isinstance(error, BuildpackError)
    assert error.message == "The web process would not start: gunicorn cannot load the app (launch check, level app)."
    assert error.hint.splitlines() == [
        "Traceback (most recent call last):", "KeyError: 'X'", "The process: gunicorn app:app",
        "See it in the image: build with BP_LAUNCH_CHECK=off, then `docker run --rm -e PORT=8080 --entrypoint web "
        "<image>`.",
        "Fix what it says (a dependency missing or too new, an import error), or set BP_LAUNCH_CHECK=server to "
        "build anyway."]


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)


def test_the_launch_environment_is_the_launchers(tmp_path):
    layers = str(tmp_path)
    write(os.path.join(layers, "python.toml"), "[types]\nlaunch = true\n")
    write(os.path.join(layers, "python", "bin", "python3"), "")
    write(os.path.join(layers, "python", "env.launch", "PYTHONHOME.default"), "/nowhere")
    write(os.path.join(layers, "deps.toml"), "[types]\nlaunch = true\n")
    write(os.path.join(layers, "deps", "bin", "gunicorn"), "")
    write(os.path.join(layers, "deps", "env", "PYTHONUSERBASE.override"), "/layers/deps")
    write(os.path.join(layers, "deps", "env", "EXTRA.prepend"), "x")
    write(os.path.join(layers, "deps", "env", "EXTRA.delim"), ",")
    write(os.path.join(layers, "cache-only.toml"), "[types]\ncache = true\n")
    write(os.path.join(layers, "cache-only", "env", "SECRET.override"), "no")
    write(os.path.join(layers, "launch-config.toml"), "[types]\nlaunch = true\n")
    write(os.path.join(layers, "launch-config", "env.launch", "PORT.default"), "8080")
    write(os.path.join(layers, "launch-config", "env.launch", "PYTHONPATH.default"), "/workspace")
    exec_d = os.path.join(layers, "launch-config", "exec.d", "web-concurrency")
    write(exec_d, open(WEB_CONCURRENCY_SCRIPT).read(), stat.S_IRWXU)
    env = launch_env.environment(layers, {"HOME": "/home/cnb", "EXTRA": "user", "PORT": "5000"})
    assert env["PATH"] == "{0}/python/bin:{0}/deps/bin:{1}".format(layers, launch_env.RUN_IMAGE_PATH)
    assert env["PYTHONUSERBASE"] == "/layers/deps" and env["EXTRA"] == "x,user"
    assert env["PORT"] == "5000" and env["PYTHONPATH"] == "/workspace" and env["PYTHONHOME"] == "/nowhere"
    assert "SECRET" not in env
    assert int(env["WEB_CONCURRENCY"]) >= 1  # from the exec.d program, as the launcher runs it
    assert launch_env.environment(layers, {"WEB_CONCURRENCY": "3"})["WEB_CONCURRENCY"] == "3"


@pytest.mark.parametrize("in_venv", [True, False])
def test_the_dependencies_bin_and_base_reach_the_launch_environment(tmp_path, in_venv):
    """A lock installed into a venv: its bin/ first on PATH, before the runtime's (an env file the
    launcher applies after every layer's bin/). pip's user base: PYTHONUSERBASE, its bin/ on PATH."""
    layers = str(tmp_path)
    for name in ("dependencies", "python"):
        write(os.path.join(layers, name + ".toml"), "[types]\nlaunch = true\n")
        write(os.path.join(layers, name, "bin", "python3"), "")
    dependencies_env(layers, ca_bundle="/nowhere", venv=in_venv).write(Layer(layers, "dependencies"))
    env = launch_env.environment(layers, {})
    deps, python = os.path.join(layers, "dependencies"), os.path.join(layers, "python")
    path = [python + "/bin", deps + "/bin", launch_env.RUN_IMAGE_PATH]
    assert env["PATH"] == ":".join(([deps + "/bin"] if in_venv else []) + path)
    assert env["PYTHONUSERBASE"] == deps
    assert env.get("VIRTUAL_ENV") == (deps if in_venv else None)
    assert "PIP_NO_INPUT" not in env  # the build's own settings for pip stay in the build


def project(tmp_path, procfile=(), web_entry=None):
    return Project(str(tmp_path), frozenset(), None, None, (), tuple(ProcfileEntry(*e) for e in procfile),
                   web_entry, ())


def context(tmp_path, env=None):
    layers = tmp_path / "layers"
    layers.mkdir(exist_ok=True)
    return BuildContext(str(tmp_path), "", str(layers), str(tmp_path / "platform"), None, env or {})


FLASK = WebEntry("app:app", "app.py defines app")


def test_a_first_build_must_check_and_needs_the_layers_at_hand(tmp_path):
    planned = launch_plan.plan(context(tmp_path), Settings(), project(tmp_path, web_entry=FLASK), "0.1.0")
    assert planned.known == launch_plan.Metadata("server", {"web": "app:app (wsgi)"}, "0.1.0", "", "", "", "")
    assert planned.must_run == "no previous result"
    kept = planned.retention(Retention((), IMAGE_ONLY))
    assert kept == Retention(("the launch check runs (no previous result)",), IMAGE_ONLY)


def test_what_is_known_before_the_steps_decides_whether_the_check_must_run(tmp_path):
    ctx, app = context(tmp_path), project(tmp_path, procfile=[("web", "gunicorn app:app")])
    last = launch_plan.Metadata("server", {"web": "gunicorn app:app"}, "0.1.0", "", "", "r1", "d1")
    Layer(ctx.layers_dir, launch_plan.NAME).commit(LayerTypes(cache=True), last._asdict())
    assert launch_plan.plan(ctx, Settings(), app, "0.1.0").must_run == ""
    assert launch_plan.plan(ctx, Settings(), app, "0.2.0").must_run == "the buildpack changed"
    changed = project(tmp_path, procfile=[("web", "gunicorn -w 2 app:app")])
    assert launch_plan.plan(ctx, Settings(), changed, "0.1.0").must_run == "the processes changed"


def test_nothing_to_check_needs_nothing(tmp_path):
    ctx = context(tmp_path)
    assert launch_plan.plan(ctx, Settings(launch_check="off"), project(tmp_path, web_entry=FLASK), "1").must_run == ""
    no_default = project(tmp_path, procfile=[("worker", "celery worker"), ("clock", "celery beat")])
    assert launch_plan.plan(ctx, Settings(), no_default, "1").must_run == ""
    assert launch_plan.plan(ctx, Settings(), project(tmp_path), "1").must_run == ""


def test_the_app_level_is_keyed_on_the_apps_files_and_the_users_variables(tmp_path):
    (tmp_path / "platform" / "env").mkdir(parents=True)
    for name in ("DATABASE_URL", "BP_LAUNCH_CHECK", "CNB_X"):
        (tmp_path / "platform" / "env" / name).write_text("x")
    env = {"DATABASE_URL": "postgres://db/app", "BP_LAUNCH_CHECK": "app", "CNB_X": "1", "PATH": "/usr/bin"}
    (tmp_path / "app.py").write_text("app = 1\n")
    planned = launch_plan.plan(context(tmp_path, env), Settings(launch_check="app"),
                               project(tmp_path, web_entry=FLASK), "1")
    assert planned.variables == {"DATABASE_URL": "postgres://db/app"}
    assert planned.known.app and planned.known.variables == launch_plan.digest(planned.variables)
    (tmp_path / "app.py").write_text("app = 2\n")
    again = launch_plan.plan(context(tmp_path, env), Settings(launch_check="app"), project(tmp_path, web_entry=FLASK),
                             "1")
    assert again.known.app != planned.known.app


# -- the step's decisions, before it starts anything -----------------------------------------------

def checked_step(tmp_path, level="server", **fields):
    """A context at the launch check, with the runtime and dependencies layers as this build wrote
    them (contents here) and the plan build.py made."""
    app = project(tmp_path, web_entry=FLASK)
    ctx, out = step_context(str(tmp_path), project=app, settings=Settings(launch_check=level),
                            dists=(("gunicorn", "23.0.0"),), **fields)
    for name in launch_check.CHECKED_LAYERS:
        layer = ctx.layer(name)
        layer.reset()
        write(os.path.join(layer.path, "bin", "x"), "")
        layer.commit(LayerTypes(launch=True), {"key": name})
    planned = launch_plan.plan(context(tmp_path)._replace(layers_dir=ctx.layers_dir), ctx.settings, app, "0.1.0")
    return ctx._replace(launch=planned), out


def test_off_starts_nothing_and_forgets_the_last_result(tmp_path):
    ctx, out = checked_step(tmp_path, "off")
    Layer(ctx.layers_dir, launch_plan.NAME).commit(LayerTypes(cache=True), {})
    assert launch_check.run(ctx) == Result()
    assert out.getvalue().endswith("[Launch check]\n  Off (BP_LAUNCH_CHECK=off): the processes are not started "
                                   "before the image is exported\n")
    assert not os.path.exists(os.path.join(ctx.layers_dir, "launch-check.toml"))
    assert ctx.runner.commands == []


def test_the_last_result_is_reused_when_nothing_it_checked_changed(tmp_path):
    ctx, out = checked_step(tmp_path)
    known = ctx.launch.known._replace(runtime=launch_plan.digest({"key": "python"}),
                                      dependencies=launch_plan.digest({"key": "dependencies"}))
    Layer(ctx.layers_dir, launch_plan.NAME).commit(LayerTypes(cache=True), known._asdict())
    assert launch_check.run(ctx) == Result(launch_plan.NAME)
    assert "  Reusing the last build's result (level server): nothing it checked changed\n" in out.getvalue()


def test_a_layer_kept_in_the_image_only_is_not_there_to_check_with(tmp_path):
    """The runtime rebuilt (a new pinned pip) while the dependencies stay in the previous image:
    the process cannot start here, so nothing is kept and the next build checks with both."""
    ctx, out = checked_step(tmp_path)
    known = ctx.launch.known._replace(runtime="an older runtime", dependencies=launch_plan.digest(
        {"key": "dependencies"}))
    Layer(ctx.layers_dir, launch_plan.NAME).commit(LayerTypes(cache=True), known._asdict())
    ctx.layer("dependencies").keep_in_image({"key": "dependencies"})
    assert launch_check.run(ctx) == Result()
    assert out.getvalue().endswith("  Not checked this time: dependencies is in the previous image only "
                                   "(the runtime changed)\n")
    assert not os.path.exists(os.path.join(ctx.layers_dir, "launch-check.toml"))
