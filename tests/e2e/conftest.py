"""End-to-end: `pack build` with our builder through a real lifecycle on the project's Docker
engine (`make platform` sets it up), runtimes from a loopback mirror, then `docker run
--network host` and an HTTP request. Nothing here skips: without an engine the tests fail with
the reason."""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "platform"))
import localplatform  # noqa: E402
from localplatform import SETTINGS, Mirror, Pack, free_port, run  # noqa: E402

ENV = localplatform.ENV  # the e2e tests import the platform's names from here

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "apps")
MIRROR_VERSIONS = ["3.12.1", "3.11.7", "3.10.13"]


@pytest.fixture(scope="session", autouse=True)
def engine():
    info = run(["docker", "info", "--format", "{{.ServerVersion}}"])
    if info.returncode != 0:
        pytest.fail("The Docker engine is not running ({}): {}. Run `make platform`.".format(
            SETTINGS["DOCKER_HOST"], info.stdout.strip()), pytrace=False)
    if not os.path.exists(SETTINGS["PACK"]):
        pytest.fail("pack is not built at {}. Run `make platform`.".format(SETTINGS["PACK"]), pytrace=False)


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    """A directory to mount into builds, holding a catalog of the loopback mirror's runtimes."""
    with Mirror(MIRROR_VERSIONS, str(tmp_path_factory.mktemp("platform-mirror"))) as served:
        yield served.mount_dir


class Apps:
    """pack builds of private copies of the fixture apps, each build's wall time recorded."""

    def __init__(self, mirror_dir: str, tmp_root: str) -> None:
        self.mirror_dir = mirror_dir
        self.tmp_root = tmp_root
        self.pack = Pack(mirror_dir)

    def app(self, fixture: str, name: str = "") -> str:
        """A private copy of a fixture app (tests change files in it)."""
        dest = os.path.join(self.tmp_root, name or fixture)
        if not os.path.exists(dest):
            shutil.copytree(os.path.join(FIXTURES, fixture), dest)
        return dest

    def build(self, app_dir: str, image: str, env: dict = None, fresh: bool = False,
              extra: list = (), builder: str = "") -> subprocess.CompletedProcess:
        """extra: more `pack build` flags; builder: another builder than the default one."""
        pack = Pack(self.mirror_dir, builder) if builder else self.pack
        result = pack.build(app_dir, image, env, fresh, extra)
        BUILD_TIMES.append((image, "cold" if fresh else "again", result.seconds, result.returncode))
        return result


# (image, cold|again|rebase, seconds, exit code) of every build (pack's, or kpack's pod), written to
# build/e2e-timings.json.
BUILD_TIMES = []  # type: list


def pytest_sessionfinish(session, exitstatus):
    if not BUILD_TIMES:
        return
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "e2e-timings.json"), "w") as f:
        json.dump([{"image": i, "build": k, "seconds": round(t, 1), "exit": c} for i, k, t, c in BUILD_TIMES], f, indent=1)


def pytest_terminal_summary(terminalreporter):
    if BUILD_TIMES:
        terminalreporter.write_line("build wall times (build/e2e-timings.json):")
        for image, kind, seconds, code in BUILD_TIMES:
            terminalreporter.write_line("  {:6.1f}s  {:5}  {}{}".format(seconds, kind, image, "" if code == 0 else " (exit {})".format(code)))


@pytest.fixture(scope="session")
def pack(mirror, tmp_path_factory):
    return Apps(mirror, str(tmp_path_factory.mktemp("apps")))


def serve(image: str, env: dict = None, deadline: float = 60.0, paths=(), port: int = 0):
    """docker run the image's default process on a free loopback port (or the fixed port the app
    binds itself); returns (status, body, seconds to the first 200, logs), and with paths
    {path: (status, body)} for each further GET. The container is stopped by its id."""
    published = port or free_port()
    cmd = ["docker", "run", "-d", "--network", "host", "-e", "PORT={}".format(published)]
    for key, value in (env or {}).items():
        cmd += ["-e", "{}={}".format(key, value)]
    started = time.monotonic()
    container = run(cmd + [image])
    assert container.returncode == 0, container.stdout
    cid = container.stdout.strip().splitlines()[-1]
    base = "http://127.0.0.1:{}".format(published)
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as r:
                    first = (r.status, r.read().decode(), time.monotonic() - started)
                break
            except urllib.error.HTTPError as e:  # the app answered, with an error: that is the answer
                first = (e.code, e.read().decode(errors="replace"), time.monotonic() - started)
                break
            except OSError:
                if time.monotonic() - started > deadline:
                    raise AssertionError("no HTTP answer in {}s; logs:\n{}".format(deadline, run(["docker", "logs", cid]).stdout))
                time.sleep(0.2)
        more = {}
        for path in paths:
            try:
                with urllib.request.urlopen(base + path, timeout=5) as r:
                    more[path] = (r.status, r.read().decode(errors="replace"))
            except urllib.error.HTTPError as e:
                more[path] = (e.code, "")
        logs = run(["docker", "logs", cid]).stdout
        return (first + (logs,) + ((more,) if paths else ()))
    finally:
        run(["docker", "rm", "-f", cid])
