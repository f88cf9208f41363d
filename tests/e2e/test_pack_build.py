"""Each fixture app built with real pack, run, and asked for its page."""
import json
import os
import re

import pytest

from conftest import SETTINGS, run, serve

IMAGE = "localhost/python-cnb-e2e/{}"


@pytest.fixture(scope="module")
def flask_build(pack):
    app = pack.app("flask_default_process")
    return app, pack.build(app, IMAGE.format("flask"), fresh=True)


def test_flask_without_procfile_serves_through_the_default_gunicorn_process(flask_build):
    app, result = flask_build
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (the Debian-12 default; pin a version in runtime.txt or .python-version)\n" in result.stdout
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm app:app\n" in result.stdout
    status, body, _, logs = serve(IMAGE.format("flask"))
    assert (status, body) == (200, "hello from the flask fixture\n")
    assert "Listening at: http://0.0.0.0:" in logs


def test_no_change_rebuild_reuses_every_layer_and_runs_no_installer(pack, flask_build):
    app, first = flask_build
    assert first.returncode == 0, first.stdout
    again = pack.build(app, IMAGE.format("flask"))
    assert again.returncode == 0, again.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout
    assert "Installing" not in again.stdout and "Collecting" not in again.stdout
    for layer in ("python", "dependencies", "launch-config"):
        assert "Reusing layer 'python-cnb/python:{}'".format(layer) in again.stdout


def test_changed_requirements_rebuild_dependencies_on_the_same_runtime_layer(pack, flask_build):
    app, first = flask_build
    with open(os.path.join(app, "requirements.txt"), "a") as f:
        f.write("six==1.16.0\n")
    changed = pack.build(app, IMAGE.format("flask"))
    assert changed.returncode == 0, changed.stdout
    # the runtime was kept in the image only (retention.py): pip runs on the cache's copy of it
    # (steps/pip_runtime.py), nothing is installed again, and the image's layer is reused
    assert "  Unpacked the cache's copy of Python 3.12.1 to run pip, in " in changed.stdout
    assert "Installed Python" not in changed.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in changed.stdout
    assert "Reusing layer 'python-cnb/python:python'" in changed.stdout
    status, body, _, _ = serve(IMAGE.format("flask"))
    assert (status, body) == (200, "hello from the flask fixture\n")


def test_procfile_and_an_older_python_from_runtime_txt(pack):
    result = pack.build(pack.app("flask_procfile"), IMAGE.format("flask-procfile"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.11.7 (from runtime.txt)\n" in result.stdout
    assert "    web (default): bash -c gunicorn --worker-tmp-dir /dev/shm --bind 0.0.0.0:$PORT app:app\n" in result.stdout
    status, body, _, _ = serve(IMAGE.format("flask-procfile"))
    assert (status, body) == (200, "hello from the flask procfile fixture\n")


def test_python_version_file_picks_the_newest_patch(pack):
    result = pack.build(pack.app("flask_python_version"), IMAGE.format("flask-python-version"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.10.13 (newest match for 3.10 on Debian-12, from .python-version)\n" in result.stdout
    assert ("  WARNING: Python 3.10 reached its end of life on 2026-10-31: it gets no security fixes.\n"
            "           Move to a supported version (3.11 or newer) soon.\n") in result.stdout
    status, body, _, _ = serve(IMAGE.format("flask-python-version"))
    assert (status, body) == (200, "hello from the python-version fixture\n")


def test_django_default_process_with_collectstatic_disabled(pack):
    result = pack.build(pack.app("django_no_procfile"), IMAGE.format("django"), {"DISABLE_COLLECTSTATIC": "1"}, fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Skipping collectstatic (DISABLE_COLLECTSTATIC=1)\n" in result.stdout
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm mysite.wsgi\n" in result.stdout
    status, body, _, logs = serve(IMAGE.format("django"))
    assert (status, body) == (200, "hello from the django fixture\n")
    assert "--worker-tmp-dir" not in logs  # the process is gunicorn itself, not a shell around it
    inspect = run(["docker", "image", "inspect", IMAGE.format("django"), "--format", "{{json .Config.Labels}}"])
    metadata = json.loads(json.loads(inspect.stdout)["io.buildpacks.build.metadata"])
    (web,) = [p for p in metadata["processes"] if p["type"] == "web"]
    assert web["command"] == ["gunicorn", "--worker-tmp-dir", "/dev/shm", "mysite.wsgi"]


def test_pipfile_lock_app(pack):
    result = pack.build(pack.app("pipenv_locked"), IMAGE.format("pipenv"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "      Pipfile.lock is up-to-date.\n" in result.stdout
    status, body, _, _ = serve(IMAGE.format("pipenv"))
    assert (status, body) == (200, "hello from the pipenv fixture\n")
    listing = run(["docker", "run", "--rm", "--entrypoint", "launcher", IMAGE.format("pipenv"), "pip", "list",
                   "--format=json"])
    names = {d["name"].lower(): d["version"] for d in json.loads(listing.stdout.strip().splitlines()[-1])}
    assert names["flask"] == "3.0.3" and names["gunicorn"] == "23.0.0" and "pytest" not in names  # a dev package


def test_a_version_that_does_not_exist_fails_with_our_one_line_message(pack):
    app = pack.app("flask_procfile", "flask_missing_version")
    with open(os.path.join(app, "runtime.txt"), "w") as f:
        f.write("python-3.99.0\n")
    result = pack.build(app, IMAGE.format("missing-version"), fresh=True)
    assert result.returncode != 0
    assert "[Error] Python 3.99.0 (from runtime.txt) is not a Python release python-cnb knows.\n" in result.stdout
    assert "Traceback" not in result.stdout


def test_pack_inspect_shows_the_default_process_and_buildpack(flask_build):
    inspect = run([SETTINGS["PACK"], "inspect", IMAGE.format("flask")])
    assert re.search(r"\n\s+python-cnb/python\s+0\.1\.0\s", inspect.stdout), inspect.stdout
    assert re.search(r"\n\s+web \(default\)\s+gunicorn\s+--worker-tmp-dir /dev/shm app:app\s+/workspace\n",
                     inspect.stdout), inspect.stdout
    assert re.search(r"Run Images:\n\s+localhost/python-cnb/run:bookworm\n", inspect.stdout), inspect.stdout
