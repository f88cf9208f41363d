import hashlib
import http.server
import io
import os
import stat
import tarfile
import threading

import pytest

from python_cnb.download import Downloader, extract, mirrored_url
from python_cnb.errors import BuildpackError

ORIGINAL = "https://heroku-buildpack-python.s3.us-east-1.amazonaws.com/heroku-22/runtimes/python-3.12.1.tar.gz"


@pytest.mark.parametrize("env, expected", [
    ({}, ORIGINAL),
    ({"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/{originalHost}"},
     "https://mirror.example.org/heroku-buildpack-python.s3.us-east-1.amazonaws.com/heroku-22/runtimes/python-3.12.1.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR": "https://mirror.example.org"},
     "https://mirror.example.org/heroku-22/runtimes/python-3.12.1.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/{originalHost}",
      "BP_DEPENDENCY_MIRROR_HEROKU__BUILDPACK__PYTHON_S3_US__EAST__1_AMAZONAWS_COM": "https://s3mirror.example.org/py"},
     "https://s3mirror.example.org/py/heroku-22/runtimes/python-3.12.1.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR_AMAZONAWS_COM": "https://m.example.org/x,skip-path=/heroku-22"},
     "https://m.example.org/x/runtimes/python-3.12.1.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://m.example.org/gh"}, ORIGINAL),  # no default: unchanged
    ({"BP_DEPENDENCY_MIRROR": "file:///srv/mirror"}, "file:///srv/mirror/heroku-22/runtimes/python-3.12.1.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR": "http://127.0.0.1:8000/{originalHost}"},
     "http://127.0.0.1:8000/heroku-buildpack-python.s3.us-east-1.amazonaws.com/heroku-22/runtimes/python-3.12.1.tar.gz"),
])
def test_mirror_rewriting_as_paketo_does(env, expected):
    assert mirrored_url(ORIGINAL, env) == expected


def test_plain_http_mirror_off_loopback_is_refused_with_credentials_masked():
    with pytest.raises(BuildpackError) as e:
        mirrored_url(ORIGINAL, {"BP_DEPENDENCY_MIRROR": "http://user:secret@mirror.example.org/{originalHost}"})
    assert e.value.message == "The dependency mirror http://****@mirror.example.org/{originalHost} must use https:// or file:// (http:// only on loopback)."


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}
    hits = []

    def do_GET(self):
        self.hits.append(self.path)
        status, body = self.routes.get(self.path, (404, b"no"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.routes = {}
    _Handler.hits = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:{}".format(httpd.server_address[1]), _Handler
    httpd.shutdown()
    httpd.server_close()


def test_fetch_verifies_sha256(server, tmp_path):
    base, handler = server
    body = b"runtime bytes"
    handler.routes["/a.tar.gz"] = (200, body)
    dest = str(tmp_path / "a.tar.gz")
    digest = Downloader(sleep=lambda s: None).fetch(base + "/a.tar.gz", dest, hashlib.sha256(body).hexdigest())
    assert digest == hashlib.sha256(body).hexdigest()
    with open(dest, "rb") as f:
        assert f.read() == body


def test_checksum_mismatch_fails_and_leaves_nothing(server, tmp_path):
    base, handler = server
    handler.routes["/a.tar.gz"] = (200, b"tampered")
    dest = str(tmp_path / "a.tar.gz")
    with pytest.raises(BuildpackError) as e:
        Downloader(sleep=lambda s: None).fetch(base + "/a.tar.gz", dest, "0" * 64)
    assert e.value.message == ("The download of {}/a.tar.gz does not match its sha256 checksum (expected {}, got {})."
                               .format(base, "0" * 64, hashlib.sha256(b"tampered").hexdigest()))
    assert not os.path.exists(dest)


def test_server_errors_are_retried_with_backoff_but_404_is_not(server, tmp_path):
    base, handler = server
    handler.routes["/flaky"] = (503, b"busy")
    waits = []
    with pytest.raises(BuildpackError) as e:
        Downloader(sleep=waits.append).fetch(base + "/flaky", str(tmp_path / "x"), "")
    assert e.value.message == "Could not download {}/flaky: HTTP 503 Service Unavailable.".format(base)
    assert handler.hits == ["/flaky"] * 3 and waits == [1, 2]
    handler.hits.clear()
    with pytest.raises(BuildpackError):
        Downloader(sleep=waits.append).fetch(base + "/missing", str(tmp_path / "y"), "")
    assert handler.hits == ["/missing"]


def _tar(tmp_path, entries, name="t.tar.gz"):
    """entries: (TarInfo-modifier, data) pairs."""
    path = str(tmp_path / name)
    with tarfile.open(path, "w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name, data=b"x", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


def _special(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def test_portable_top_dir_is_stripped_and_setuid_dropped(tmp_path):
    archive = _tar(tmp_path, [_file("python/bin/python3", b"#!", 0o4755), _file("python/lib/libpython.so"),
                              _special("python/bin/python", tarfile.SYMTYPE, "python3")])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert sorted(os.listdir(str(dest))) == ["bin", "lib"]
    assert os.readlink(str(dest / "bin" / "python")) == "python3"
    assert stat.S_IMODE(os.stat(str(dest / "bin" / "python3")).st_mode) == 0o755


def test_classic_layout_is_kept(tmp_path):
    archive = _tar(tmp_path, [_file("./bin/python3"), _file("./lib/x")])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert sorted(os.listdir(str(dest))) == ["bin", "lib"]


@pytest.mark.parametrize("entry, what", [
    (_file("../escape"), "a path outside the layer"),
    (_file("/etc/passwd"), "a path outside the layer"),
    (_special("bin/link", tarfile.SYMTYPE, "/etc/passwd"), "a symlink out of the layer"),
    (_special("bin/link", tarfile.SYMTYPE, "../../../etc"), "a symlink out of the layer"),
    (_special("dev/null", tarfile.CHRTYPE), "a device or fifo"),
    (_special("fifo", tarfile.FIFOTYPE), "a device or fifo"),
    (_special("bin/hard", tarfile.LNKTYPE, "../../etc/passwd"), "a hard link out of the layer"),
])
def test_unsafe_entries_are_refused(tmp_path, entry, what):
    archive = _tar(tmp_path, [_file("bin/python3"), entry])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Refusing to unpack t.tar.gz: entry {!r} is {}.".format(entry[0].name, what)
    assert not os.path.exists(str(tmp_path / "escape"))


def test_garbage_is_not_an_archive(tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"not a tarball at all")
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(str(path), str(dest))
    assert e.value.message.startswith("junk.tar.gz is not a readable tar archive")
