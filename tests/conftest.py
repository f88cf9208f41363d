"""Shared test set-up: the buildpack's lib on sys.path (tests import it as the build image does)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
if LIB not in sys.path:
    sys.path.insert(0, LIB)
# tests/phasekit.py, the kit phase and reliability tests share, is imported by that name.
TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)


# The phase and reliability tests' fixtures (their kit is tests/phasekit.py).
import pytest  # noqa: E402

from phasekit import Phase, start_mirror  # noqa: E402


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    """(catalog path, base url, index) of a loopback mirror serving phasekit.MIRROR_VERSIONS.
    The e2e suite's conftest has a mirror of its own."""
    server, value = start_mirror(str(tmp_path_factory.mktemp("catalog")))
    yield value
    server.close()


@pytest.fixture
def phase(tmp_path, mirror):
    def make(app_fixture: str) -> Phase:
        return Phase(str(tmp_path), app_fixture, mirror[0])
    return make
