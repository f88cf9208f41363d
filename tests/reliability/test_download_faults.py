"""bin/build as a real process against a loopback server that fails on purpose (faultserver.py),
through a user catalog (BP_PYTHON_RUNTIME_CATALOG). Each case pins the [Error] lines a user sees
and the exit code, and checks: no traceback, no trusted half-built layer, no secret anywhere."""
import json
import os
import re
import resource
import subprocess
import urllib.parse

import pytest

from faultserver import PASSWORD, USER, FaultServer
from phasekit import CACHE, ROOT, free_port

APP = "no_run_command"  # runtime.txt asks for 3.12; no installer, so nothing leaves this machine
NAME = "python-3.12.1.tar.gz"
NOWHERE = "http://127.0.0.1:9/ok/" + NAME  # never fetched: the catalog fails first
SECRETS = [PASSWORD, "Sx@Tail9", urllib.parse.quote(PASSWORD, safe=""), "CatSecret1"]
NETWORK_HINT = "  Check the network or the mirror (BP_DEPENDENCY_MIRROR), then build again.\n"
NOT_RUNTIME = "  The archive is damaged or was not built for a runtime layer; nothing was installed.\n"
DEADLINE_HINT = ("  The server or the network is too slow. Raise BP_DOWNLOAD_TIMEOUT (seconds; default 600), "
                 "or use a closer mirror (BP_DEPENDENCY_MIRROR).\n")
FORMAT_HINT = "  See stacks/README.md in the buildpack for the format.\n"


@pytest.fixture(scope="module")
def faults(mirror):
    server = FaultServer(os.path.join(CACHE, "runtimes"))
    yield server
    server.stop()


@pytest.fixture
def app(phase, tmp_path):
    """A Phase whose catalog is written per case; downloads give up after 10 s (the slow cases: 1.5 s)."""
    p = phase(APP)
    p.catalog = str(tmp_path / "faults.yaml")
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", p.catalog)
    p.set_env("BP_DOWNLOAD_TIMEOUT", "10")
    return p


def entry(url, sha256="", version="3.12.1", arch="amd64"):
    return "  - {{version: {}, arch: {}, url: {}, sha256: {}}}\n".format(
        version, arch, json.dumps(url), json.dumps(sha256))


def write_catalog(p, runtimes, head=None):
    text = head if head is not None else ("name: Debian-12\nstack_ids: [io.buildpacks.stacks.bookworm]\n"
                                          "distro: {name: debian, version: '12'}\ndefault_version: 3.12.1\n"
                                          "runtimes:\n")
    with open(p.catalog, "w", encoding="utf-8") as f:
        f.write(text + runtimes)


def run(p, preexec_fn=None):
    result = subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=p.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, preexec_fn=preexec_fn)
    assert "Traceback" not in result.stdout, result.stdout
    assert_no_secret(p, result.stdout)
    return result


def assert_no_secret(p, output):
    for secret in SECRETS:
        assert secret not in output
    for dirpath, _, names in os.walk(p.layers):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            for secret in SECRETS:
                assert secret.encode("utf-8") not in data, path


def error_of(result):
    """The [Error] block: the lines a user reads to fix the build."""
    assert result.returncode == 1, result.stdout
    return result.stdout[result.stdout.index("\n[Error] ") + 1:]


def assert_nothing_trusted(p):
    assert not os.path.exists(os.path.join(p.layers, "python.toml"))
    layer = os.path.join(p.layers, "python")
    assert not os.path.exists(layer) or os.listdir(layer) == []


def fails(p, url, sha256=""):
    write_catalog(p, entry(url, sha256))
    result = run(p)
    assert_nothing_trusted(p)
    return error_of(result)


# --- the server fails --------------------------------------------------------------------------

def test_404_is_not_retried(app, faults):
    url = faults.url("404")
    assert fails(app, url) == ("[Error] Could not download {}: HTTP 404 Not Found.\n"
                               "  The file is not there: check the runtime catalog's url, or that the mirror "
                               "(BP_DEPENDENCY_MIRROR) holds it.\n".format(url))
    assert faults.hits["/404/" + NAME] == 1


def test_a_server_error_is_retried_with_backoff_then_reported(app, faults):
    url = faults.url("500")
    write_catalog(app, entry(url))
    result = run(app)
    assert ("  Attempt 1 of 3 failed (HTTP 500 Internal Server Error); retrying in 1 s\n"
            "  Attempt 2 of 3 failed (HTTP 500 Internal Server Error); retrying in 2 s\n") in result.stdout
    assert error_of(result) == "[Error] Could not download {}: HTTP 500 Internal Server Error.\n".format(url) + NETWORK_HINT
    assert faults.hits["/500/" + NAME] == 3
    assert_nothing_trusted(app)


def test_a_reset_connection_is_retried_then_reported(app, faults):
    url = faults.url("reset")
    assert fails(app, url) == ("[Error] Could not download {}: {} closed the connection without an answer.\n"
                               .format(url, faults.base[7:]) + NETWORK_HINT)
    assert faults.hits["/reset/" + NAME] == 3


def test_a_refused_connection_is_retried_then_reported(app):
    port = free_port()
    url = "http://127.0.0.1:{}/ok/{}".format(port, NAME)
    assert fails(app, url) == ("[Error] Could not download {}: 127.0.0.1:{} refused the connection.\n"
                               .format(url, port) + NETWORK_HINT)


def test_a_server_that_never_answers_is_abandoned_at_the_deadline(app, faults):
    url = faults.url("silent")
    app.set_env("BP_DOWNLOAD_TIMEOUT", "1.5")
    assert fails(app, url) == ("[Error] Could not download {} within 1.5 s (BP_DOWNLOAD_TIMEOUT): 0 bytes received.\n"
                               .format(url) + DEADLINE_HINT)


def test_a_dripping_server_is_abandoned_at_the_deadline(app, faults):
    url = faults.url("drip")
    app.set_env("BP_DOWNLOAD_TIMEOUT", "1.5")
    error = fails(app, url)
    assert re.fullmatch(r"\[Error\] Could not download {} within 1\.5 s \(BP_DOWNLOAD_TIMEOUT\): [1-3] bytes "
                        r"received\.\n".format(re.escape(url)) + re.escape(DEADLINE_HINT), error), error


def test_a_chunked_body_cut_short_is_retried_then_reported(app, faults):
    url = faults.url("chunked-cut")
    assert fails(app, url) == ("[Error] Could not download {}: the transfer broke off after 70000 bytes.\n"
                               .format(url) + NETWORK_HINT)
    assert faults.hits["/chunked-cut/" + NAME] == 3


def test_a_body_shorter_than_its_content_length_is_retried_then_reported(app, faults):
    url = faults.url("short")
    size = len(faults.file(NAME))
    assert fails(app, url) == ("[Error] Could not download {}: the transfer broke off after {} of {} bytes.\n"
                               .format(url, size // 2, size) + NETWORK_HINT)
    assert faults.hits["/short/" + NAME] == 3


def test_a_server_that_is_not_http_is_not_retried(app, faults):
    url = faults.url("garbage")
    assert fails(app, url) == ("[Error] Could not download {}: {} did not answer with HTTP.\n"
                               "  Check the URL's scheme and port: the server there does not answer as a web server.\n"
                               .format(url, faults.base[7:]))
    assert faults.hits["/garbage/" + NAME] == 1


def test_https_to_a_plain_http_server_is_a_tls_error(app, faults):
    url = "https://127.0.0.1:{}/ok/{}".format(faults.server_address[1], NAME)
    error = fails(app, url)
    assert error.startswith("[Error] Could not download {}: TLS with 127.0.0.1:{} failed (".format(
        url, faults.server_address[1])), error
    assert error.endswith(").\n  The build image must trust the server's certificate: add its CA to the build "
                          "image, or set SSL_CERT_FILE.\n")


def test_a_redirect_loop_ends(app, faults):
    url = faults.url("redirect-loop")
    assert fails(app, url) == "[Error] Could not download {}: more than 5 redirects.\n".format(url) + NETWORK_HINT


def test_a_missing_file_url(app, tmp_path):
    url = "file://{}/nowhere/{}".format(tmp_path, NAME)
    assert fails(app, url) == ("[Error] Could not download {}: No such file or directory.\n"
                               "  Check the file:// mirror or catalog URL points at a readable file.\n".format(url))


# --- what arrives is wrong ---------------------------------------------------------------------

def test_a_tampered_archive_fails_its_checksum(app, faults):
    url = faults.url("tampered")
    good = faults.sha256("ok")
    assert fails(app, url, good) == (
        "[Error] The download of {} does not match its sha256 checksum (expected {}, got {}).\n"
        "  The archive or the mirror serving it is not the one the catalog describes; nothing was installed.\n"
        .format(url, good, faults.sha256("tampered")))


@pytest.mark.parametrize("mode, name, detail", [
    ("notatar", NAME, "python.tar.gz is not a readable tar archive (invalid header)"),
    ("empty", NAME, "python.tar.gz is not a readable tar archive (empty file)"),
    ("cut-archive", NAME, "python.tar.gz is not a readable tar archive (unexpected end of data)"),
    ("zst-notatar", "python-3.12.1.tar.zst", "python.tar.zst is not a readable tar archive (invalid header)"),
    ("zst-garbage", "python-3.12.1.tar.zst",
     "zstd could not decompress python.tar.zst: unsupported format"),
])
def test_an_archive_that_is_not_a_readable_tar(app, faults, mode, name, detail):
    assert fails(app, faults.url(mode, name)) == "[Error] {}.\n".format(detail) + NOT_RUNTIME


def test_a_decompression_bomb_is_stopped_at_the_unpack_limit(app, faults):
    app.set_env("BP_UNPACK_LIMIT_MB", "16")
    assert fails(app, faults.url("bomb")) == (
        "[Error] Refusing to unpack python.tar.gz: it holds more than 16 MB of contents.\n"
        "  A runtime is far smaller: the archive is damaged or not a runtime. If it really is this large, "
        "raise BP_UNPACK_LIMIT_MB (default 2048).\n")


def test_an_archive_entry_outside_the_layer_is_refused(app, faults):
    assert fails(app, faults.url("traversal")) == (
        "[Error] Refusing to unpack python.tar.gz: entry '../../escape' is a path outside the layer.\n" + NOT_RUNTIME)
    assert not os.path.exists(os.path.join(app.root, "escape"))
    assert not os.path.exists(os.path.join(os.path.dirname(app.layers), "escape"))


def test_a_full_disk_while_downloading(app, faults):
    write_catalog(app, entry(faults.url("ok")))
    result = run(app, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20)))
    error = error_of(result)
    assert error.startswith("[Error] Could not save a download: File too large.\n"
                            "  Free space on the build machine's disk (downloads go to "), error
    assert_nothing_trusted(app)


def test_a_full_disk_while_unpacking_leaves_the_layer_empty(app, faults):
    write_catalog(app, entry(faults.url("bomb")))
    result = run(app, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (8 << 20, 8 << 20)))
    assert error_of(result) == ("[Error] Could not unpack python.tar.gz: File too large.\n"
                                "  Free space on the build machine's disk (the layers volume), then build again.\n")
    assert_nothing_trusted(app)


# --- settings the user gets wrong --------------------------------------------------------------

@pytest.mark.parametrize("url, problem", [
    ("runtimes/" + NAME, "is not an absolute http://, https:// or file:// URL"),
    ("http://127.0.0.1:99999/ok/" + NAME, "has an invalid port (99999)"),
    ("http://127.0.0.1:abc/ok/" + NAME, "has an invalid port (abc)"),
    ("http://[::1/ok/" + NAME, "has a malformed host"),
    ("http://127.0.0.1]/ok/" + NAME, "has a malformed host"),
    ("http:///ok/" + NAME, "has no host"),
    ("http://127.0.0.1/ok/python 3.12.1.tar.gz", "contains a space or a control character"),
    ("ftp://127.0.0.1/" + NAME, "is not an absolute http://, https:// or file:// URL"),
])
def test_an_unusable_catalog_url(app, url, problem):
    assert fails(app, url) == (
        "[Error] The runtime catalog {} is malformed: stack Debian-12, runtime 3.12.1: url {} {}.\n".format(
            app.catalog, url, problem) + FORMAT_HINT)


@pytest.mark.parametrize("variable, value, message", [
    ("BP_DEPENDENCY_MIRROR", "https://[oops",
     "BP_DEPENDENCY_MIRROR is not a usable URL: https://[oops has a malformed host."),
    ("BP_DEPENDENCY_MIRROR", "mirror.example.org/{originalHost}",
     "BP_DEPENDENCY_MIRROR is not a usable URL: mirror.example.org/{originalHost} is not an absolute http://, "
     "https:// or file:// URL."),
    ("BP_DEPENDENCY_MIRROR", "https://{originalHost}.example.org/",
     "BP_DEPENDENCY_MIRROR has {originalHost} outside its path: https://{originalHost}.example.org/."),
    ("BP_DEPENDENCY_MIRROR", "https://mirror.example.org:0/x", "BP_DEPENDENCY_MIRROR is not a usable URL: "
     "https://mirror.example.org:0/x has an invalid port (0)."),
    ("BP_DEPENDENCY_MIRROR_GITHUB_COM", "https://m.example.org/gh,skip=/x",
     "BP_DEPENDENCY_MIRROR_GITHUB_COM has an unknown field 'skip=/x' (only skip-path=/prefix may follow the URL)."),
    ("BP_DEPENDENCY_MIRROR_GITHUB_COM", "https://m.example.org/gh,skip-path=x",
     "BP_DEPENDENCY_MIRROR_GITHUB_COM has a skip-path that does not start with /: 'x'."),
])
def test_an_unusable_mirror_setting_names_its_variable(app, faults, variable, value, message):
    app.set_env(variable, value)
    assert fails(app, faults.url("ok")) == "[Error] {}\n  Fix {}, e.g. {}=https://mirror.example.org/{{originalHost}}\n".format(
        message, variable, variable)


def test_a_plain_http_mirror_off_loopback_is_refused_with_its_credentials_masked(app, faults):
    app.set_env("BP_DEPENDENCY_MIRROR", "http://{}:{}@mirror.example.org/{{originalHost}}".format(USER, PASSWORD))
    assert fails(app, faults.url("ok")) == (
        "[Error] The dependency mirror http://****@mirror.example.org/{originalHost} must use https:// or file:// "
        "(http:// only on loopback).\n  Fix BP_DEPENDENCY_MIRROR, e.g. BP_DEPENDENCY_MIRROR=https://mirror.example.org/"
        "{originalHost}\n")


@pytest.mark.parametrize("value", ["abc", "-1", "0", "nan", "inf"])
def test_an_unusable_download_timeout(app, faults, value):
    app.set_env("BP_DOWNLOAD_TIMEOUT", value)
    assert fails(app, faults.url("ok")) == (
        "[Error] BP_DOWNLOAD_TIMEOUT must be a number of seconds greater than 0, not {!r}.\n"
        "  Unset it for the default (600 s), or set e.g. BP_DOWNLOAD_TIMEOUT=900.\n".format(value))


UNPACK_LIMIT_ERROR = ("[Error] BP_UNPACK_LIMIT_MB must be a whole number of megabytes greater than 0, not {!r}.\n"
                      "  Unset it for the default (2048 MB).\n")


def test_an_unusable_unpack_limit_fails_a_warm_build_too(app, faults):
    """It was checked when a runtime was unpacked: a warm build passed, the next cold one failed."""
    write_catalog(app, entry(faults.url("ok")))
    assert run(app).returncode == 0
    app.set_env("BP_UNPACK_LIMIT_MB", "\u00b2")
    assert error_of(run(app)) == UNPACK_LIMIT_ERROR.format("\u00b2")


@pytest.mark.parametrize("runtimes, what", [
    (entry(NOWHERE).replace("version: 3.12.1", "version: [3, 12, 1]"),
     "stack Debian-12, runtime 1: version must be a string such as 3.12.1, not a list"),
    (entry(NOWHERE).replace('sha256: ""', "sha256: {a: b}"),
     "stack Debian-12, runtime 3.12.1: sha256 must be a string such as a 64-digit hex digest, not a mapping"),
    (entry(NOWHERE).replace('url: "{}"'.format(NOWHERE), "url: [a, b]"),
     "stack Debian-12, runtime 3.12.1: url must be a string such as https://example.org/python-3.12.1.tar.gz, "
     "not a list"),
    (entry(NOWHERE).replace("arch: amd64, ", ""), "stack Debian-12, runtime 3.12.1: arch is missing"),
    (entry(NOWHERE).replace("arch: amd64", "arch: {x: 1}"),
     "stack Debian-12, runtime 3.12.1: arch must be a string such as amd64, not a mapping"),
    ("  - just a string\n", "stack Debian-12: runtime 1 is a string, not a mapping"),
    (entry(NOWHERE).replace('sha256: ""', 'sha256: "abc"'), "stack Debian-12, runtime 3.12.1: sha256 is not 64 hex digits (or 'unpublished')"),
])
def test_a_catalog_runtime_of_the_wrong_shape(app, runtimes, what):
    write_catalog(app, runtimes)
    assert error_of(run(app)) == "[Error] The runtime catalog {} is malformed: {}.\n".format(app.catalog, what) + FORMAT_HINT


@pytest.mark.parametrize("head, what", [
    ("name: Debian-12\ndistro: debian-12\ndefault_version: 3.12.1\nruntimes:\n",
     "stack Debian-12: distro must be a mapping, not a string"),
    ("name: Debian-12\ndistro: {name: debian, version: [12]}\ndefault_version: 3.12.1\nruntimes:\n",
     "stack Debian-12 distro: version must be a string such as '12', not a list"),
    ("name: Debian-12\ndistro: {name: debian, version: '12'}\ndefault_version: 3.12.1\nruntimes: {a: 1}\n",
     "stack Debian-12: runtimes must be a list, not a mapping"),
    ("name: [Debian-12]\ndistro: {name: debian, version: '12'}\ndefault_version: 3.12.1\nruntimes:\n",
     "name must be a string such as Debian-12, not a list"),
    ("name: Debian-12\nstack_ids: {a: b}\ndistro: {name: debian, version: '12'}\ndefault_version: 3.12.1\nruntimes:\n",
     "stack Debian-12: stack_ids must be a list, not a mapping"),
    ("- a list\n- not a stack\n", "a document is a list, not a mapping"),
])
def test_a_catalog_stack_of_the_wrong_shape(app, head, what):
    write_catalog(app, "" if not head.endswith("runtimes:\n") else entry(NOWHERE), head=head)
    assert error_of(run(app)) == "[Error] The runtime catalog {} is malformed: {}.\n".format(app.catalog, what) + FORMAT_HINT


def test_a_catalog_that_is_not_text(app):
    with open(app.catalog, "wb") as f:
        f.write(b"\xff\xfe\x00garbage")
    assert error_of(run(app)) == "[Error] The runtime catalog {} is not UTF-8 text.\n".format(app.catalog) + FORMAT_HINT


# --- credentials -------------------------------------------------------------------------------

def test_no_credentials_for_a_server_that_wants_them(app, faults):
    url = faults.url("auth")
    assert fails(app, url) == (
        "[Error] Could not download {}: HTTP 401 Unauthorized.\n"
        "  The server refused access. Credentials go in the URL of BP_DEPENDENCY_MIRROR or of the catalog "
        "entry, as user:password@ before the host; they are sent as HTTP Basic auth.\n".format(url))


def test_wrong_credentials_are_refused_and_masked(app, faults):
    url = faults.url("auth").replace("http://", "http://{}:{}x@".format(USER, PASSWORD))
    shown = faults.url("auth").replace("http://", "http://****@")
    assert fails(app, url).startswith("[Error] Could not download {}: HTTP 401 Unauthorized.\n".format(shown))
    assert faults.headers_seen["/auth/" + NAME].startswith("Basic ")


def installed(p, result):
    assert result.returncode == 0, result.stdout
    assert os.path.exists(os.path.join(p.layers, "python.toml"))
    out = subprocess.run([os.path.join(p.layers, "python", "bin", "python3"), "-c",
                          "import sys; print(sys.version.split()[0])"], env=p.launch_env(),
                         stdout=subprocess.PIPE, universal_newlines=True)
    assert out.stdout == "3.12.1\n"


def test_catalog_url_credentials_become_basic_auth_and_are_stored_nowhere(app, faults):
    """A raw password with '@', ':', '#', '?' and spaces (one of them Unicode) in the catalog URL."""
    url = faults.url("auth").replace("http://", "http://{}:{}@".format(USER, PASSWORD))
    write_catalog(app, entry(url, faults.sha256("ok")))
    result = run(app)
    installed(app, result)
    assert "  Downloading Python 3.12.1 from {}\n".format(faults.url("auth").replace("http://", "http://****@")) \
        in result.stdout
    assert 'url = "{}"\n'.format(faults.url("auth")) in app.read("python.toml")
    assert json.loads(app.read("python.sbom.cdx.json"))["components"][0]["purl"] == (
        "pkg:generic/cpython@3.12.1?download_url=" + urllib.parse.quote(faults.url("auth"), safe=""))
    again = run(app)  # the metadata is stable without the credentials: reused
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout


def test_mirror_credentials_become_basic_auth_and_catalog_credentials_stay_home(app, faults):
    """A percent-encoded password on the mirror; the catalog's own credentials never reach it."""
    origin = "https://cat-user:CatSecret1@127.0.0.1:1/runtimes/" + NAME  # never contacted: mirrored
    write_catalog(app, entry(origin, faults.sha256("ok")))
    app.set_env("BP_DEPENDENCY_MIRROR", "http://{}:{}@127.0.0.1:{}/auth/{{originalHost}}".format(
        urllib.parse.quote(USER, safe=""), urllib.parse.quote(PASSWORD, safe=""), faults.server_address[1]))
    # The default mirror takes every download; the toolset's wheels come from PyPI itself.
    app.set_env("BP_DEPENDENCY_MIRROR_FILES_PYTHONHOSTED_ORG", "https://files.pythonhosted.org")
    result = run(app)
    installed(app, result)
    path = "/auth/127.0.0.1:1/runtimes/" + NAME
    assert faults.hits[path] >= 1
    assert not any("CatSecret1" in p or "cat-user" in p for p in faults.hits)
    assert "  Downloading Python 3.12.1 from http://****@127.0.0.1:{}{}\n".format(
        faults.server_address[1], path) in result.stdout
    assert 'url = "https://127.0.0.1:1/runtimes/{}"\n'.format(NAME) in app.read("python.toml")


# --- recoveries --------------------------------------------------------------------------------

def test_a_server_error_then_success_installs(app, faults):
    write_catalog(app, entry(faults.url("flaky"), faults.sha256("ok")))
    result = run(app)
    assert "  Attempt 1 of 3 failed (HTTP 500 Internal Server Error); retrying in 1 s\n" in result.stdout
    installed(app, result)


def test_a_portable_archive_with_colliding_names_installs(app, faults):
    write_catalog(app, entry(faults.url("collide"), faults.sha256("collide")))
    result = run(app)
    installed(app, result)
    layer = os.path.join(app.layers, "python")
    assert sorted(n for n in os.listdir(layer) if n.startswith((".", "python"))) == [
        ".python-cnb-top", ".top-python", "python"]


def test_a_damaged_cached_runtime_is_rebuilt_with_the_reason(app, faults):
    write_catalog(app, entry(faults.url("redirect"), faults.sha256("ok")))
    installed(app, run(app))
    encodings = os.path.join(app.layers, "python", "lib", "python3.12", "encodings", "__init__.py")
    with open(encodings, "w") as f:
        f.write("raise ImportError('damaged')\n")
    result = run(app)
    assert "  Replacing the cached runtime: the cached runtime is damaged (it does not start: " in result.stdout
    installed(app, result)
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in run(app).stdout


@pytest.mark.parametrize("value", ["lots", "0", "1.5", "\u00b2"])  # '²' passed str.isdigit(), then int() failed
def test_an_unusable_unpack_limit(app, faults, value):
    app.set_env("BP_UNPACK_LIMIT_MB", value)
    assert fails(app, faults.url("empty")) == UNPACK_LIMIT_ERROR.format(value)
