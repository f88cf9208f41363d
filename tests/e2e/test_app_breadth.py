"""The app shapes issue 5 covers, each built with real pack: uv and poetry locks, an ASGI app,
Django's collectstatic, build hooks, no run command, WEB_CONCURRENCY at launch, SBOMs."""
import json
import os

import pytest

from conftest import SETTINGS, run, serve

IMAGE = "localhost/python-cnb-e2e/{}"


def installed(image):
    """{name: version} of what `pip list` in the image shows, as a process of the image runs it."""
    listing = run(["docker", "run", "--rm", "--entrypoint", "launcher", image, "pip", "list", "--format=json"])
    assert listing.returncode == 0, listing.stdout
    return {d["name"].lower(): d["version"] for d in json.loads(listing.stdout.strip().splitlines()[-1])}


def test_uv_lock_fastapi_app_serves_under_gunicorn_with_uvicorn_workers(pack):
    result = pack.build(pack.app("uv_fastapi"), IMAGE.format("uv-fastapi"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert ("  Installing dependencies with uv 0.13.9 from uv.lock (uv sync --locked, main packages only)\n"
            in result.stdout)
    assert ("    web (default): gunicorn --worker-tmp-dir /dev/shm --worker-class uvicorn.workers.UvicornWorker "
            "main:app\n") in result.stdout
    status, body, _, logs = serve(IMAGE.format("uv-fastapi"))
    assert (status, body) == (200, "hello from the uv fastapi fixture\n")
    assert "uvicorn.workers.UvicornWorker" in logs
    names = installed(IMAGE.format("uv-fastapi"))
    assert {"fastapi", "uvicorn", "gunicorn"} <= set(names) and "pytest" not in names  # the dev group


def test_packaged_uv_project_installs_itself_and_no_default_group(pack):
    result = pack.build(pack.app("uv_packaged"), IMAGE.format("uv-packaged"), fresh=True)
    assert result.returncode == 0, result.stdout
    names = installed(IMAGE.format("uv-packaged"))
    assert names["uv-packaged-app"] == "0.1.0" and names["idna"] == "3.10"
    assert "iniconfig" not in names and "six" not in names  # the default `test` group, the `docs` group
    status, body, _, _ = serve(IMAGE.format("uv-packaged"))
    assert (status, body) == (200, "hello from the packaged uv fixture (xn--bcher-kva.example)\n")
    again = pack.build(pack.app("uv_packaged"), IMAGE.format("uv-packaged"))
    assert "  Reusing dependencies (pyproject.toml, uv.lock and Python 3.12.1 unchanged)\n" in again.stdout
    assert "uv sync" not in again.stdout


def test_pylock_app_installs_with_hashes_and_serves(pack):
    result = pack.build(pack.app("pylock_app"), IMAGE.format("pylock"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "from pylock.toml (uv pip sync --require-hashes, main packages only)\n" in result.stdout
    assert installed(IMAGE.format("pylock"))["idna"] == "3.10"
    status, body, _, _ = serve(IMAGE.format("pylock"))
    assert (status, body) == (200, "hello from the pylock fixture (xn--bcher-kva.example)\n")


@pytest.fixture(scope="module")
def poetry_image(pack):
    """The poetry fixture's image, which several tests look into (so `-k` can select any alone)."""
    result = pack.build(pack.app("poetry_flask"), IMAGE.format("poetry"), fresh=True)
    assert result.returncode == 0, result.stdout
    return result


def test_poetry_lock_app(poetry_image):
    result = poetry_image
    assert ("  Installing dependencies with poetry 2.2.1 from poetry.lock (poetry sync --only main, main packages "
            "only)\n") in result.stdout
    status, body, _, _ = serve(IMAGE.format("poetry"))
    assert (status, body) == (200, "hello from the poetry fixture\n")
    names = installed(IMAGE.format("poetry"))
    assert names["flask"] == "3.0.3" and names["gunicorn"] == "23.0.0" and "pytest" not in names  # the dev group


def test_django_collectstatic_runs_at_build_time(pack):
    result = pack.build(pack.app("django_no_procfile", "django_static"), IMAGE.format("django-static"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Running python manage.py collectstatic --noinput\n" in result.stdout
    listing = run(["docker", "run", "--rm", "--entrypoint", "launcher", IMAGE.format("django-static"),
                   "ls", "/workspace/staticfiles"])
    assert "site.css" in listing.stdout.split()


def test_build_hooks_and_no_run_command(pack):
    result = pack.build(pack.app("build_hooks"), IMAGE.format("hooks"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "      pre_compile ran in /workspace with Python 3.12.1\n" in result.stdout
    assert "      post_compile sees six 1.16.0\n" in result.stdout
    assert "  WARNING: No run command: there is no Procfile, and no Django project or WSGI app" in result.stdout
    assert "(e.g. `pack build --default-process`, or the App Platform run command)." in result.stdout


def test_web_concurrency_follows_the_container_limits_unless_set(poetry_image):
    image = IMAGE.format("poetry")
    limited = run(["docker", "run", "--rm", "--memory", "512m", "--cpus", "1", "--entrypoint", "launcher",
                   image, "printenv", "WEB_CONCURRENCY"])
    assert limited.stdout.strip().splitlines()[-1] == "2"  # min(2 * 1 CPU + 1, 512 MiB / 256 MiB)
    chosen = run(["docker", "run", "--rm", "-e", "WEB_CONCURRENCY=7", "--entrypoint", "launcher",
                  image, "printenv", "WEB_CONCURRENCY"])
    assert chosen.stdout.strip().splitlines()[-1] == "7"


def test_sbom_download_returns_our_cyclonedx_documents(poetry_image, tmp_path):
    result = run([SETTINGS["PACK"], "sbom", "download", IMAGE.format("poetry"), "--output-dir", str(tmp_path)])
    assert result.returncode == 0, result.stdout
    base = tmp_path / "layers" / "sbom" / "launch" / "python-cnb_python"
    runtime = json.loads((base / "python" / "sbom.cdx.json").read_text())
    deps = json.loads((base / "dependencies" / "sbom.cdx.json").read_text())
    cpython, *toolset = runtime["components"]
    assert (cpython["name"], cpython["version"]) == ("CPython", "3.12.1")
    assert len(cpython["hashes"][0]["content"]) == 64
    assert [c["purl"] for c in toolset] == ["pkg:pypi/pip@23.3.2", "pkg:pypi/setuptools@68.2.2", "pkg:pypi/wheel@0.42.0"]
    purls = {c["purl"] for c in deps["components"]}
    assert {"pkg:pypi/flask@3.0.3", "pkg:pypi/gunicorn@23.0.0"} <= purls
    assert not [p for p in purls if p.startswith("pkg:pypi/pytest@")]  # the dev group stays out


def test_pep621_project_without_a_lock(pack):
    result = pack.build(pack.app("pyproject_pep621"), IMAGE.format("pep621"), fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Installing the app and its dependencies with pip (pip install --editable .)\n" in result.stdout
    assert "  Using Python 3.11.7 (newest match for >=3.11,<3.12 on Debian-12, from requires-python in pyproject.toml)\n" \
        in result.stdout
    status, body, _, _ = serve(IMAGE.format("pep621"))
    assert (status, body) == (200, "hello from the pep 621 fixture\n")


def test_two_lock_files_and_a_stale_lock_fail_with_the_pinned_messages(pack):
    app = pack.app("uv_fastapi", "uv_two_locks")
    with open(os.path.join(app, "poetry.lock"), "w") as f:
        f.write("# a second package manager's lock\n")
    two = pack.build(app, IMAGE.format("two-locks"), fresh=True)
    assert two.returncode != 0
    assert ("[Error] More than one lock file: poetry.lock and uv.lock. python-cnb cannot tell which package "
            "manager the app uses.\n  Keep the lock file of the package manager you use and delete the other, or "
            "choose one with BP_PYTHON_LOCK_FILE=poetry.lock.\n") in two.stdout

    stale_app = pack.app("uv_fastapi", "uv_stale")
    with open(os.path.join(stale_app, "pyproject.toml")) as f:
        text = f.read()
    with open(os.path.join(stale_app, "pyproject.toml"), "w") as f:
        f.write(text.replace('"gunicorn==23.0.0"]', '"gunicorn==23.0.0", "six==1.16.0"]'))
    stale = pack.build(stale_app, IMAGE.format("stale-lock"), fresh=True)
    assert stale.returncode != 0
    assert ("[Error] uv.lock is out of date with pyproject.toml (uv says: The lockfile at `uv.lock` needs to be "
            "updated, but `--locked` was provided.)\n  Run `uv lock` and commit the new uv.lock.\n") in stale.stdout
