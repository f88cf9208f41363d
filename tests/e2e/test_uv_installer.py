"""BP_PYTHON_PACKAGE_MANAGER=uv through real pack: this checkout's buildpack (a copy under a
version of its own, so pack cannot take the builder's copy for it) added to the default builder,
the Flask and the Django 4.0-era fixtures built once each, served, and answering 200."""
import os
import re
import shutil

import pytest

from conftest import ROOT, SETTINGS, serve

IMAGE = "localhost/python-cnb-uvpip/{}"
SQLITE = {"DATABASE_URL": "sqlite:////tmp/fixture.sqlite3"}
UV = {"BP_PYTHON_PACKAGE_MANAGER": "uv"}


def buildpack_copy(dest: str) -> str:
    """The buildpack as `make package` ships it (buildpack.toml, bin, lib, stacks), version
    0.1.0-checkout."""
    for name in ("bin", "lib", "stacks"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(dest, name),
                        ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    with open(os.path.join(ROOT, "buildpack.toml")) as f:
        text = f.read()
    with open(os.path.join(dest, "buildpack.toml"), "w") as f:
        f.write(re.sub(r'(?m)^version = "([^"]+)"', r'version = "\1-checkout"', text, count=1))
    return dest


@pytest.fixture(scope="module")
def with_checkout(tmp_path_factory):
    """`pack build` flags that run this checkout's buildpack on the default builder."""
    path = buildpack_copy(str(tmp_path_factory.mktemp("buildpack") / "python-cnb"))
    return ["--buildpack", path, "--lifecycle-image", SETTINGS["LIFECYCLE_IMAGE"]]


def test_flask_installed_by_uv_serves(pack, with_checkout):
    result = pack.build(pack.app("flask_default_process", "uv_flask"), IMAGE.format("flask"), UV, fresh=True,
                        extra=with_checkout)
    assert result.returncode == 0, result.stdout
    assert "  Installing uv 0.13.9\n" in result.stdout
    assert "  Installing dependencies with uv 0.13.9 from requirements.txt (from BP_PYTHON_PACKAGE_MANAGER=uv)\n" \
        in result.stdout
    assert "Collecting" not in result.stdout  # pip did not run
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm app:app\n" in result.stdout
    status, body, _, logs = serve(IMAGE.format("flask"))
    assert (status, body) == (200, "hello from the flask fixture\n"), logs


def test_django_40_era_installed_by_uv_builds_psycopg2_keeps_pkg_resources_and_serves(pack, with_checkout):
    result = pack.build(pack.app("django40_heroku_era", "uv_django40"), IMAGE.format("django40"), UV, fresh=True,
                        extra=with_checkout)
    assert result.returncode == 0, result.stdout
    assert "  Installing dependencies with uv 0.13.9 from requirements.txt (from BP_PYTHON_PACKAGE_MANAGER=uv)\n" \
        in result.stdout
    # gunicorn 20 asks for setuptools: the runtime's (68.2.2, with pkg_resources), as with pip.
    assert " + setuptools==68.2.2\n" in result.stdout
    assert " + psycopg2-binary==2.9.3\n" in result.stdout  # built from its sdist
    assert "  Running python manage.py collectstatic --noinput\n" in result.stdout
    status, body, _, logs = serve(IMAGE.format("django40"), env=SQLITE)
    assert (status, body) == (200, "Django 4.0.10 with psycopg2 2.9.3; the database says 42\n"), logs
