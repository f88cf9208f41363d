"""Fixtures of the phase tests (the kit itself is tests/phasekit.py)."""
import pytest

from phasekit import Phase, start_mirror


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    """(catalog path, base url, index) of a loopback mirror serving phasekit.MIRROR_VERSIONS."""
    server, value = start_mirror(str(tmp_path_factory.mktemp("catalog")))
    yield value
    server.close()


@pytest.fixture
def phase(tmp_path, mirror):
    def make(app_fixture: str) -> Phase:
        return Phase(str(tmp_path), app_fixture, mirror[0])
    return make
