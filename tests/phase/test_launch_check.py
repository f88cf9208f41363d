"""The launch check (BP_LAUNCH_CHECK): the image's processes started as far as the level says, in
the launch environment, and a build that fails with which process, which level and what it
printed when they would not start; the result reused when nothing it checked changed."""
import os
import re

import pytest


def test_a_server_whose_worker_class_cannot_import_fails_at_level_server(phase):
    p = phase("gunicorn_worker_missing")
    result = p.build()
    assert result.returncode == 1, result.stdout
    error = result.stdout[result.stdout.index("\n[Error]"):]
    assert error.startswith("\n[Error] The web process would not start: gunicorn's worker class "
                            "gunicorn.workers.ggevent:GeventWorker does not import (launch check, level server).\n"
                            "  Traceback (most recent call last):\n"), error
    assert "\n  RuntimeError: gevent worker requires gevent 1.4 or higher\n" in error
    assert "launch_probe.py" not in error
    assert "\n  The process: gunicorn --worker-class gevent --worker-tmp-dir /dev/shm app:app\n" in error
    assert ("\n  See it in the image: build with BP_LAUNCH_CHECK=off, then `docker run --rm -e PORT=8080 "
            "--entrypoint web <image>`.\n") in error
    assert not os.path.exists(os.path.join(p.layers, "launch-check.toml"))

    p.set_env("BP_LAUNCH_CHECK", "off")
    off = p.build()
    assert off.returncode == 0, off.stdout
    assert "\n[Launch check]\n  Off (BP_LAUNCH_CHECK=off): the processes are not started before the image is " \
           "exported\n" in off.stdout


def test_an_app_that_raises_at_import_passes_server_and_fails_app(phase):
    p = phase("flask_import_error")
    server = p.build()
    assert server.returncode == 0, server.stdout
    assert "\n[Launch check]\n  server: web: gunicorn imports, the module app is there\n  Passed (level server) in " \
        in server.stdout

    p.set_env("BP_LAUNCH_CHECK", "app")
    app = p.build()
    assert app.returncode == 1, app.stdout
    assert "  Checking again: the level changed\n" in app.stdout
    error = app.stdout[app.stdout.index("\n[Error]"):]
    assert error.startswith("\n[Error] The web process would not start: gunicorn cannot load the app "
                            "(launch check, level app).\n  Traceback (most recent call last):\n"), error
    assert "\n  KeyError: 'DATABASE_URL'\n" in error
    assert "set BP_LAUNCH_CHECK=server to build anyway" in error
    assert not os.path.exists(os.path.join(p.layers, "launch-check.toml"))

    # The build's own variables are the app's build-time environment at level app.
    p.set_env("DATABASE_URL", "postgres://db.internal/app")
    given = p.build()
    assert given.returncode == 0, given.stdout
    assert re.search(r"\n  app: web: gunicorn loads the app \(--check-config\) in [\d.]+s\n", given.stdout)


def test_serve_reports_the_status_and_time_of_the_first_response(phase):
    p = phase("flask_default_process")
    p.set_env("BP_LAUNCH_CHECK", "serve")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert re.search(r"\n  serve: web answered HTTP 200 in [\d.]+s\n", result.stdout), result.stdout


def test_a_rebuild_with_nothing_changed_reuses_the_result(phase):
    p = phase("flask_default_process")
    assert p.build().returncode == 0
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "\n[Launch check]\n  Reusing the last build's result (level server): nothing it checked changed\n" \
        in again.stdout
    p.write("requirements.txt", "flask==3.0.3\ngunicorn==23.0.0\nblinker==1.8.2\n")
    changed = p.build()
    assert "  Checking again: the dependencies changed\n" in changed.stdout, changed.stdout


def test_a_procfile_program_missing_from_the_launch_path(phase):
    p = phase("flask_default_process")
    p.write("Procfile", "web: hypercorn app:app\n")
    result = p.build()
    assert result.returncode == 1, result.stdout
    assert "\n[Error] The web process would not start: `hypercorn` is not on the launch PATH (" in result.stdout
    assert "\n  The process: hypercorn app:app\n" in result.stdout


@pytest.mark.parametrize("level", ["bogus", "yes"])
def test_an_unknown_level_fails_before_anything_is_downloaded(phase, level):
    p = phase("flask_default_process")
    p.set_env("BP_LAUNCH_CHECK", level)
    result = p.build()
    assert result.returncode == 1
    assert result.stdout.endswith(
        "\n[Error] BP_LAUNCH_CHECK={} is not a level of the launch check: use server, app, serve or off.\n"
        "  server (the default) checks the web server starts; app also imports the app; serve also answers one "
        "HTTP request; off checks nothing.\n".format(level))
    assert os.listdir(p.layers) == []


def test_layers_kept_in_the_image_only_come_back_when_the_check_must_run_again(phase):
    """A no-change rebuild reuses the result with the runtime and dependencies in the previous
    image (not at hand); a new Procfile needs them at hand to check, and says so."""
    p = phase("flask_default_process")
    assert p.build().returncode == 0
    p.restore_as_the_lifecycle_would()
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Reusing dependencies" in again.stdout and "Installing" not in again.stdout
    assert "  Reusing the last build's result (level server): nothing it checked changed\n" in again.stdout
    assert not os.path.exists(os.path.join(p.layers, "dependencies"))

    p.restore_as_the_lifecycle_would()
    p.write("Procfile", "web: gunicorn --workers 2 app:app\n")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert ("  Rebuilding dependencies: the last build kept them in the image only, and this build needs them "
            "(the launch check runs (the processes changed))\n") in changed.stdout
    assert "  Checking again: the processes changed\n" in changed.stdout
    assert "\n  server: web: gunicorn imports\n" in changed.stdout


@pytest.mark.parametrize("fixture", ["uv_fastapi", "poetry_flask"])
def test_a_lock_installed_into_a_venv_is_checked_with_the_venvs_programs(phase, fixture):
    """uv sync and poetry sync install into a venv (the dependencies layer) whose bin/ an env file
    puts first on PATH: the check finds the server there, as the launcher will."""
    p = phase(fixture)
    result = p.build()
    assert result.returncode == 0, result.stdout
    checked = result.stdout[result.stdout.index("\n[Launch check]\n"):]
    assert re.search(r"\n  server: web: (gunicorn|uvicorn) imports", checked), checked
    assert "\n  Passed (level server) in " in checked
