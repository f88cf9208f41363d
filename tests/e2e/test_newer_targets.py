"""Beyond this machine's pyenv interpreters and the bookworm stack: CPython releases built from
Debian's source packages for the loopback mirror (tools/platform/debian-cpython.sh, cached by
version), and the Debian 13 (trixie) builder (tools/platform/trixie.sh)."""
import json

import pytest

from conftest import SETTINGS, Apps, run, serve
from localplatform import Mirror

IMAGE = "localhost/python-cnb-e2e/{}"
# Releases pyenv lacks whose sources Debian's archive serves here. python3.14 (3.14.9, 3.14.10)
# and python3.15 (3.15.2) are in sid/experimental's index, but the archive answers 404 for their
# files, so they join this list the day it serves them (debian-cpython.sh says so meanwhile).
DEBIAN_BUILT = ["3.13.15"]


@pytest.fixture(scope="module")
def newer(tmp_path_factory):
    with Mirror(DEBIAN_BUILT + ["3.12.1"], str(tmp_path_factory.mktemp("newer-mirror"))) as served:
        yield Apps(served.mount_dir, str(tmp_path_factory.mktemp("newer-apps")))


def python_version(image: str) -> str:
    result = run(["docker", "run", "--rm", "--entrypoint", "launcher", image, "python --version"])
    assert result.returncode == 0, result.stdout
    return result.stdout.strip()


def installed(image: str) -> dict:
    result = run(["docker", "run", "--rm", "--entrypoint", "launcher", image, "python -m pip list --format=json"])
    assert result.returncode == 0, result.stdout
    return {p["name"].lower(): p["version"] for p in json.loads(result.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("version", DEBIAN_BUILT)
def test_an_app_on_a_cpython_built_from_debians_sources_serves(newer, version):
    image = IMAGE.format("newer-python-" + version)
    result = newer.build(newer.app("flask_newer_python", "py" + version), image, {"BP_PYTHON_VERSION": version}, fresh=True)
    assert result.returncode == 0, result.stdout
    assert "  Using Python {} (from BP_PYTHON_VERSION)\n".format(version) in result.stdout
    status, body, _, _ = serve(image)
    assert (status, body) == (200, "hello from Python {}\n".format(version))
    assert python_version(image) == "Python " + version
    assert (installed(image)["flask"], installed(image)["gunicorn"]) == ("3.1.2", "23.0.0")


def test_the_trixie_builder_builds_for_debian_13_and_serves(newer):
    image = IMAGE.format("trixie")
    result = newer.build(newer.app("flask_newer_python", "trixie"), image, fresh=True, builder=SETTINGS["TRIXIE_BUILDER"])
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (the Debian-13 default; pin a version in runtime.txt or .python-version)\n" in result.stdout
    status, body, _, _ = serve(image)
    assert (status, body) == (200, "hello from Python 3.12.1\n")
    os_release = run(["docker", "run", "--rm", "--entrypoint", "cat", image, "/etc/os-release"])
    assert 'VERSION_ID="13"' in os_release.stdout
    assert python_version(image) == "Python 3.12.1"
    assert (installed(image)["flask"], installed(image)["gunicorn"]) == ("3.1.2", "23.0.0")
