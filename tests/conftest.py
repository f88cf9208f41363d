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


# Disk is scarce on the machines that run this suite: a passed test's temporary directory is
# removed when the session ends, and only failed tests' directories stay for a look (what
# pytest >= 7.3 calls tmp_path_retention_policy = "failed"; 3.6's pytest 7.0 has no such option).
_FAILED_TMP_DIRS = set()  # type: set


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if outcome.get_result().failed and tmp is not None:
        _FAILED_TMP_DIRS.add(str(tmp))


@pytest.fixture(scope="session", autouse=True)
def _keep_only_failed_tmp_dirs(tmp_path_factory):
    yield
    base = tmp_path_factory.getbasetemp()
    for entry in base.iterdir():
        if str(entry) not in _FAILED_TMP_DIRS:
            _remove_tree(str(entry))


def _remove_tree(path: str) -> None:
    """rmtree that also removes what tests left read-only (and files a container wrote as root)."""
    import shutil
    import stat

    def make_writable(func, name, _exc_info):
        parent = os.path.dirname(name)
        os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        if os.path.isdir(name) and not os.path.islink(name):
            os.chmod(name, os.stat(name).st_mode | stat.S_IRWXU)
        func(name)

    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)  # pytest's "<name>current" links, and any file
        return
    try:
        shutil.rmtree(path, onerror=make_writable)
    except (OSError, TypeError):
        shutil.rmtree(path, ignore_errors=True)
