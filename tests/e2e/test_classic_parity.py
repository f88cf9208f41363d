"""App shapes people deployed on the classic buildpack (v242), built with pack and served: each a
cold build, a no-change rebuild that reuses every layer, and the app's own answer over HTTP."""
import hashlib
import re

import pytest

from conftest import run, serve

IMAGE = "localhost/python-cnb-e2e/{}"
SQLITE = {"DATABASE_URL": "sqlite:////tmp/fixture.sqlite3"}
CSS = b"body { color: #0a5; }\n"
HASHED_CSS = "/static/css/site.{}.css".format(hashlib.md5(CSS).hexdigest()[:12])  # Django's manifest name


def assert_no_change_rebuild(result, inputs="requirements.txt", python="3.12.1"):
    assert result.returncode == 0, result.stdout
    assert "  Reusing Python {} (unchanged since the last build)\n".format(python) in result.stdout
    assert "  Reusing dependencies ({} and Python {} unchanged)\n".format(inputs, python) in result.stdout
    assert "Installing" not in result.stdout and "Collecting" not in result.stdout


@pytest.fixture(scope="module")
def django40(pack):
    app = pack.app("django40_heroku_era")
    return app, pack.build(app, IMAGE.format("django40"), fresh=True)


def test_django_40_era_app_builds_psycopg2_from_sdist_and_serves_with_static_files(django40):
    _, result = django40
    assert result.returncode == 0, result.stdout
    assert "Building wheel for psycopg2-binary (setup.py)" in result.stdout or \
        "Building wheel for psycopg2-binary (pyproject.toml)" in result.stdout
    assert "  Running python manage.py collectstatic --noinput\n" in result.stdout
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm mysite.wsgi\n" in result.stdout
    status, body, _, logs, more = serve(IMAGE.format("django40"), env=SQLITE, paths=["/static/css/site.css", HASHED_CSS])
    assert (status, body) == (200, "Django 4.0.10 with psycopg2 2.9.3; the database says 42\n"), logs
    assert more["/static/css/site.css"] == (200, CSS.decode())
    assert more[HASHED_CSS] == (200, CSS.decode())  # whitenoise serves the manifest's hashed name


def test_django_40_era_settings_refuse_to_start_without_database_url(django40):
    """The settings raise without DATABASE_URL except during collectstatic: the build ran it anyway."""
    started = run(["docker", "run", "--rm", "--network", "host", "--entrypoint", "launcher", IMAGE.format("django40"),
                   "python", "manage.py", "check"], timeout=120)
    assert started.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: DATABASE_URL is not set" in started.stdout


def test_django_40_era_rebuilds_reuse_then_skip_collectstatic_when_disabled(pack, django40):
    app, _ = django40
    again = pack.build(app, IMAGE.format("django40"))
    assert_no_change_rebuild(again)
    # nothing collectstatic reads changed: its kept output is copied back, and served as before
    assert re.search(r"  Reusing collectstatic's output in staticfiles/ \(key [0-9a-f]{12}: nothing it reads "
                     r"changed; copied in [0-9.]+s\)\n", again.stdout), again.stdout
    status, _, _, _, more = serve(IMAGE.format("django40"), env=SQLITE, paths=["/static/css/site.css", HASHED_CSS])
    assert status == 200 and more[HASHED_CSS] == (200, CSS.decode())
    disabled = pack.build(app, IMAGE.format("django40"), env={"DISABLE_COLLECTSTATIC": "1"})
    assert disabled.returncode == 0, disabled.stdout
    assert "  Skipping collectstatic (DISABLE_COLLECTSTATIC=1)\n" in disabled.stdout
    assert "Reusing dependencies" in disabled.stdout
    status, body, _, _, more = serve(IMAGE.format("django40"), env=SQLITE, paths=["/static/css/site.css"])
    assert (status, body) == (200, "Django 4.0.10 with psycopg2 2.9.3; the database says 42\n")
    assert more["/static/css/site.css"][0] == 404  # nothing collected, nothing served
    listing = run(["docker", "run", "--rm", "--entrypoint", "launcher", IMAGE.format("django40"), "ls", "/workspace"])
    assert "staticfiles" not in listing.stdout.split()


def test_flask_with_its_own_gunicorn_config_binding_8080(pack):
    app = pack.app("flask_gunicorn_config")
    cold = pack.build(app, IMAGE.format("gunicorn-config"), fresh=True)
    assert cold.returncode == 0, cold.stdout
    assert "    web (default): bash -c gunicorn --config gunicorn.conf.py app:app\n" in cold.stdout
    status, body, _, logs = serve(IMAGE.format("gunicorn-config"), port=8080)
    assert (status, body) == (200, "hello from the gunicorn config fixture\n")
    assert "Listening at: http://0.0.0.0:8080" in logs
    assert_no_change_rebuild(pack.build(app, IMAGE.format("gunicorn-config")))


def test_current_django_pinning_a_line_the_stack_lacks_then_an_offered_one(pack):
    app = pack.app("django6_python_version")
    refused = pack.build(app, IMAGE.format("django6"), fresh=True)
    assert refused.returncode != 0
    assert ("\n[Error] Python 3.13 (from .python-version) is not available on Debian-12 (amd64).\n"
            "  Debian-12 offers 3.10.13, 3.11.7, 3.12.1.\n") in refused.stdout
    assert "Traceback" not in refused.stdout

    chosen = pack.build(app, IMAGE.format("django6"), env={"BP_PYTHON_VERSION": "3.12"})
    assert chosen.returncode == 0, chosen.stdout
    assert "  Using Python 3.12.1 (newest match for 3.12 on Debian-12, from BP_PYTHON_VERSION)\n" in chosen.stdout
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm mysite.wsgi\n" in chosen.stdout
    status, body, _, _ = serve(IMAGE.format("django6"))
    assert (status, body) == (200, "Django 6.0.10 on Python 3.12.1\n")
    assert_no_change_rebuild(pack.build(app, IMAGE.format("django6"), env={"BP_PYTHON_VERSION": "3.12"}))


def test_an_app_importing_pkg_resources_with_gunicorn_20_starts_and_serves(pack):
    app = pack.app("pkg_resources_gunicorn20")
    cold = pack.build(app, IMAGE.format("pkg-resources"), fresh=True)
    assert cold.returncode == 0, cold.stdout
    assert "  Installing pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0\n" in cold.stdout
    status, body, _, logs = serve(IMAGE.format("pkg-resources"))
    assert (status, body) == (200, "pkg_resources sees flask 3.0.3\n"), logs
    assert "ModuleNotFoundError" not in logs
    assert_no_change_rebuild(pack.build(app, IMAGE.format("pkg-resources")))
