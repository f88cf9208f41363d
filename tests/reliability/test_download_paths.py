"""One table of download and archive faults, two paths held to the same answers: the lib's runtime
layer (bin/build on a build image with python3) and the sh bootstrap (bin/build on one without:
bin/bootstrap.sh fetches the bootstrap interpreter from the same catalog URL). Each case is the
[Error] block a user reads, or a build that succeeds with nothing unsafe in any layer; a stopped
build ends the same way on both paths too. faultserver.py serves the faults."""
import hashlib
import os
import re
import signal
import stat
import subprocess
import time
import urllib.parse

import pytest

from faultserver import PASSWORD, PLAIN_PASSWORD, USER, FaultServer
from phasekit import CACHE, ROOT, free_port, toolbox
from test_download_faults import (DEADLINE_HINT, NAME, NETWORK_HINT, NOT_RUNTIME, assert_no_secret, entry,
                                  write_catalog)

PATHS = ["lib", "bootstrap", "bootstrap-wget"]  # the last on an image with wget and no curl
STOPPED = ("\n[Error] The build was stopped (SIGTERM).\n"
           "  Nothing it left half-done is kept: the next build starts those steps again.\n")
NOT_THERE = ("  The file is not there: check the runtime catalog's url, or that the mirror (BP_DEPENDENCY_MIRROR) "
             "holds it.\n")
REFUSED_ACCESS = ("  The server refused access. Credentials go in the URL of BP_DEPENDENCY_MIRROR or of the catalog "
                  "entry, as user:password@ before the host; they are sent as HTTP Basic auth.\n")
CHECKSUM = ("[Error] The download of {} does not match its sha256 checksum (expected {}, got {}).\n"
            "  The archive or the mirror serving it is not the one the catalog describes; nothing was installed.\n")
TIMEOUT = ("[Error] BP_DOWNLOAD_TIMEOUT must be a number of seconds greater than 0, not {}.\n"
           "  Unset it for the default (600 s), or set e.g. BP_DOWNLOAD_TIMEOUT=900.\n")
INSTALLED = None  # the answer of a case that builds


class Case:
    """A catalog entry (its URL and sha256 from the fault server; the bootstrap needs one), settings,
    the answer."""

    def __init__(self, name, url, answer, sha256=lambda f: f.sha256("ok"), env=None, retries=0):
        self.name, self.url, self.answer, self.sha256, self.env, self.retries = name, url, answer, sha256, env, retries


def mode(m):
    return lambda f: f.url(m)


def host(f):
    return f.base[len("http://"):]


def with_userinfo(url, userinfo):
    return url.replace("http://", "http://{}@".format(userinfo))


def mirror(f, password):
    """BP_DEPENDENCY_MIRROR on the fault server's /auth/, with these credentials."""
    return "http://{}:{}@{}/auth/{{originalHost}}".format(USER, password, host(f))


# The default mirror takes every download; the toolset's wheels come from PyPI itself.
TOOLSET_FROM_PYPI = {"BP_DEPENDENCY_MIRROR_FILES_PYTHONHOSTED_ORG": "https://files.pythonhosted.org"}
REFUSED_PORT = free_port()

CASES = [
    Case("404", mode("404"), lambda f, u: "[Error] Could not download {}: HTTP 404 Not Found.\n".format(u) + NOT_THERE),
    Case("500 retried", mode("500"), lambda f, u: "[Error] Could not download {}: HTTP 500 Internal Server Error.\n"
         .format(u) + NETWORK_HINT, retries=2),
    Case("500, no retry past the deadline", mode("500"), lambda f, u: "[Error] Could not download {}: HTTP 500 "
         "Internal Server Error.\n".format(u) + NETWORK_HINT, retries=1, env={"BP_DOWNLOAD_TIMEOUT": "1.5"}),
    Case("reset", mode("reset"), lambda f, u: "[Error] Could not download {}: {} closed the connection without an "
         "answer.\n".format(u, host(f)) + NETWORK_HINT, retries=2),
    Case("refused", lambda f: "http://127.0.0.1:{}/ok/{}".format(REFUSED_PORT, NAME),
         lambda f, u: "[Error] Could not download {}: 127.0.0.1:{} refused the connection.\n".format(u, REFUSED_PORT)
         + NETWORK_HINT, retries=2),
    Case("silent, the whole download's deadline", mode("silent"), lambda f, u: "[Error] Could not download {} within "
         "1.5 s (BP_DOWNLOAD_TIMEOUT): 0 bytes received.\n".format(u) + DEADLINE_HINT,
         env={"BP_DOWNLOAD_TIMEOUT": "1.5"}),
    Case("dripping, the whole download's deadline", mode("drip"), lambda f, u: re.compile(
        r"\[Error\] Could not download {} within 2 s \(BP_DOWNLOAD_TIMEOUT\): [0-3] bytes received\.\n".format(
            re.escape(u)) + re.escape(DEADLINE_HINT)), env={"BP_DOWNLOAD_TIMEOUT": " 2.0 "}),
    Case("chunked body cut", mode("chunked-cut"), lambda f, u: "[Error] Could not download {}: the transfer broke off "
         "after 70000 bytes.\n".format(u) + NETWORK_HINT, retries=2),
    Case("body shorter than its length", mode("short"), lambda f, u: "[Error] Could not download {}: the transfer "
         "broke off after {} of {} bytes.\n".format(u, len(f.file(NAME)) // 2, len(f.file(NAME))) + NETWORK_HINT,
         retries=2),
    Case("not HTTP", mode("garbage"), lambda f, u: "[Error] Could not download {}: {} did not answer with HTTP.\n"
         "  Check the URL's scheme and port: the server there does not answer as a web server.\n".format(u, host(f))),
    Case("redirect loop", mode("redirect-loop"), lambda f, u: "[Error] Could not download {}: more than 5 redirects.\n"
         .format(u) + NETWORK_HINT),
    Case("missing file://", lambda f: "file:///nonexistent/{}".format(NAME), lambda f, u: "[Error] Could not download "
         "{}: No such file or directory.\n  Check the file:// mirror or catalog URL points at a readable file.\n"
         .format(u)),
    Case("tampered", mode("tampered"), lambda f, u: CHECKSUM.format(u, f.sha256("ok"), f.sha256("tampered")),
         sha256=lambda f: f.sha256("ok")),
    Case("tampered, its sha256 in upper case", mode("tampered"),
         lambda f, u: CHECKSUM.format(u, f.sha256("ok"), f.sha256("tampered")), sha256=lambda f: f.sha256("ok").upper()),
    Case("no credentials for a server that wants them", mode("auth"), lambda f, u: "[Error] Could not download {}: "
         "HTTP 401 Unauthorized.\n".format(u) + REFUSED_ACCESS),
    Case("wrong credentials, masked", lambda f: with_userinfo(f.url("auth"), USER + ":" + PASSWORD + "x"),
         lambda f, u: "[Error] Could not download {}: HTTP 401 Unauthorized.\n".format(
             with_userinfo(f.url("auth"), "****")) + REFUSED_ACCESS),
    Case("a device in the archive", mode("device"), lambda f, u: "[Error] Refusing to unpack python.tar.gz: entry "
         "'lib/null' is a device or fifo.\n" + NOT_RUNTIME, sha256=lambda f: f.sha256("device")),
    Case("an entry outside the layer", mode("runtime-traversal"), lambda f, u: "[Error] Refusing to unpack "
         "python.tar.gz: entry '../../escape' is a path outside the layer.\n" + NOT_RUNTIME,
         sha256=lambda f: f.sha256("runtime-traversal")),
] + [
    Case("BP_DOWNLOAD_TIMEOUT={}".format(value), mode("ok"), lambda f, u, value=value: TIMEOUT.format(repr(value.strip())),
         env={"BP_DOWNLOAD_TIMEOUT": value}) for value in ("abc", "-1", "0", " 0.0 ", "nan", "inf", "1e400", "5s", "it's")
] + [
    Case("sha256 in upper case", mode("ok"), INSTALLED, sha256=lambda f: f.sha256("ok").upper()),
    Case("catalog credentials with '@', ':', '#', '?' and a space", lambda f: with_userinfo(
        f.url("auth"), USER + ":" + PLAIN_PASSWORD), INSTALLED),
    Case("a mirror password with '@', percent-encoded", lambda f: "https://127.0.0.1:1/runtimes/" + NAME, INSTALLED,
         env={"BP_DEPENDENCY_MIRROR": lambda f: mirror(f, urllib.parse.quote(PASSWORD, safe="")), **TOOLSET_FROM_PYPI}),
    Case("a mirror password with '@' as it is", lambda f: "https://127.0.0.1:1/runtimes/" + NAME, INSTALLED,
         env={"BP_DEPENDENCY_MIRROR": lambda f: mirror(f, PLAIN_PASSWORD), **TOOLSET_FROM_PYPI}),
    Case("setuid and setgid bits stripped", mode("setuid"), INSTALLED, sha256=lambda f: f.sha256("setuid")),
]


# Where GNU wget cannot say what the lib says, and what the bootstrap says instead.
WGET_SAYS = {
    # wget ends a chunked body cut mid-chunk with success: the sha256 check refuses what it kept
    "chunked body cut": lambda f, u: CHECKSUM.format(u, f.sha256("ok"), _sha256_of(f.file(NAME)[:70000])),
}


def _sha256_of(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def faults(mirror):
    server = FaultServer(os.path.join(CACHE, "runtimes"))
    yield server
    server.stop()


def build(p, path, tmp_path):
    env = p.env()
    if path.startswith("bootstrap"):
        env["PATH"] = toolbox(tmp_path, ("curl",) if path == "bootstrap-wget" else ())
    return subprocess.Popen([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)


def prepared(phase, faults, case):
    p = phase("no_run_command")
    p.catalog = os.path.join(p.root, "faults.yaml")
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", p.catalog)
    p.set_env("BP_DOWNLOAD_TIMEOUT", "10")
    for name, value in (case.env or {}).items():
        value = value(faults) if callable(value) else value
        p.set_env(name, value)
    url = case.url(faults)
    write_catalog(p, entry(url, case.sha256(faults)))
    return p, url


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_both_paths_give_the_same_answer(phase, faults, tmp_path, case, path):
    p, url = prepared(phase, faults, case)
    started = time.monotonic()
    out = build(p, path, tmp_path).communicate(timeout=300)[0]
    took = time.monotonic() - started
    assert "Traceback" not in out, out
    assert_no_secret(p, out)
    if case.answer is INSTALLED:
        assert_installed(p, out, path)
        return
    answer = (WGET_SAYS.get(case.name, case.answer) if path == "bootstrap-wget" else case.answer)(faults, url)
    if path == "bootstrap-wget" and case.name in WGET_SAYS:
        case = Case(case.name, case.url, case.answer)  # no retries: nothing failed until the check
    error = out[out.index("\n[Error] ") + 1:] if "\n[Error] " in out else out
    if isinstance(answer, str):
        assert error == answer, out
    else:
        assert answer.fullmatch(error), out
    lines = ["  Attempt {} of 3 failed (".format(n) for n in range(1, case.retries + 1)]
    assert [line[:len("  Attempt 1 of 3 failed (")] for line in out.splitlines() if "Attempt" in line] == lines, out
    assert not [n for n in os.listdir(p.layers) if n.endswith(".toml")], out
    if "deadline" in case.name:  # the whole download's limit, not each attempt's
        assert took < float(case.env["BP_DOWNLOAD_TIMEOUT"]) + 5, took


def assert_installed(p, out, path):
    assert out.rstrip().endswith("Build finished in" + out.rstrip().rsplit("Build finished in", 1)[-1]), out
    layers = ["python"] + (["bootstrap-python"] if path.startswith("bootstrap") else [])
    for layer in layers:
        assert os.path.exists(os.path.join(p.layers, layer + ".toml")), out
        python = os.path.join(p.layers, layer, "bin", "python3")
        ran = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], stdout=subprocess.PIPE,
                             env={"LD_LIBRARY_PATH": os.path.join(p.layers, layer, "lib")}, universal_newlines=True)
        assert ran.stdout == "3.12.1\n"
    for dirpath, _, names in os.walk(p.layers):
        for name in names:
            mode = os.lstat(os.path.join(dirpath, name)).st_mode
            assert not mode & (stat.S_ISUID | stat.S_ISGID), os.path.join(dirpath, name)


def descendants(pid):
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry_ in os.listdir("/proc"):
            if entry_.isdigit():
                try:
                    with open("/proc/{}/stat".format(entry_)) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == parent:
                    found.append(int(entry_))
                    frontier.append(int(entry_))
    return found


def alive(pid):
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("path", PATHS)
def test_sigterm_mid_download_stops_the_download_and_ends_as_the_lib_does(phase, faults, tmp_path, path):
    p, url = prepared(phase, faults, Case("drip", mode("drip"), None, env={"BP_DOWNLOAD_TIMEOUT": "60"}))
    running = build(p, path, tmp_path)
    deadline = time.monotonic() + 60
    while not faults.hits.get(urllib.parse.urlsplit(url).path) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    children = descendants(running.pid)
    assert children or path == "lib"
    started = time.monotonic()
    running.send_signal(signal.SIGTERM)
    out = running.communicate(timeout=30)[0]
    assert time.monotonic() - started < 10
    assert (running.returncode, out[-len(STOPPED):]) == (143, STOPPED), out
    assert "Traceback" not in out
    time.sleep(0.5)
    assert not [pid for pid in children if alive(pid)]
    assert not [n for n in os.listdir(p.layers) if n.endswith(".toml")]
