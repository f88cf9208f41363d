import base64
import errno
import hashlib
import http.server
import io
import os
import re
import socketserver
import stat
import subprocess
import tarfile
import threading
import time

import pytest

from python_cnb.archive import UnpackLimits
from python_cnb.credentials import shown, split_credentials, without_credentials
from python_cnb.download import Downloader, Patience, extract, mirrored_url
from python_cnb.log import Log, mask
from python_cnb.urls import url_problem
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
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
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


def test_a_link_that_points_out_once_the_top_dir_is_stripped_is_refused(tmp_path):
    """Found by the property test: a/a -> .. is inside the layer where it was unpacked, and
    points out of it once the single top directory a/ is stripped."""
    archive = _tar(tmp_path, [_special("a/a", tarfile.SYMTYPE, "..")])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Refusing to unpack t.tar.gz: entry 'a' is a symlink out of the layer."
    assert os.listdir(str(dest)) == []


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


@pytest.mark.parametrize("entries, refused, what", [
    # a link inside the layer, then a file written through it, or through link/.. (where the
    # link points, then up): checks of the name alone would pass both
    ([_special("lib/up", tarfile.SYMTYPE, ".."), _file("lib/up/../../escape")], "lib/up/../../escape",
     "a path outside the layer"),
    ([_special("lib/here", tarfile.SYMTYPE, "."), _special("lib/here/link", tarfile.SYMTYPE, "../..")],
     "lib/here/link", "a symlink out of the layer"),
    ([_special("lib/dot", tarfile.SYMTYPE, "."), _file("lib/dot/dot/../../../escape")],
     "lib/dot/dot/../../../escape", "a path outside the layer"),
])
def test_entries_through_links_unpacked_earlier_are_refused(tmp_path, entries, refused, what):
    archive = _tar(tmp_path, [_file("bin/python3")] + entries)
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Refusing to unpack t.tar.gz: entry {!r} is {}.".format(refused, what)
    assert not os.path.exists(str(tmp_path / "escape"))


def test_garbage_is_not_an_archive(tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"not a tarball at all")
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(str(path), str(dest))
    assert e.value.message.startswith("junk.tar.gz is not a readable tar archive")


# --- credentials, URLs and mirrors -------------------------------------------------------------

@pytest.mark.parametrize("url, bare, user, password", [
    ("https://u:p@h.example/x", "https://h.example/x", "u", "p"),
    ("https://u:Sx@Tail9@h.example:8443/x@y", "https://h.example:8443/x@y", "u", "Sx@Tail9"),
    ("https://u%40corp:p%2Fq%20r@h.example/", "https://h.example/", "u@corp", "p/q r"),
    ("https://u:p \u00a0q#?@h.example/", "https://h.example/", "u", "p \u00a0q#?"),
    ("https://token@h.example", "https://h.example", "token", ""),
    ("https://h.example/a@b", "https://h.example/a@b", None, None),
])
def test_credentials_are_split_at_the_last_at_before_the_path(url, bare, user, password):
    got, credentials = split_credentials(url)
    assert got == bare == without_credentials(url)
    assert (credentials.user, credentials.password) == (user, password) if credentials else user is None
    assert "****@" in shown(url) if credentials else shown(url) == url


@pytest.mark.parametrize("text, masked", [
    ("from http://u:Sx@Tail9@127.0.0.1:80/x", "from http://****@127.0.0.1:80/x"),
    ("from http://u:p\u00a0\u2003q@h/x and https://v:w@h2/y", "from http://****@h/x and https://****@h2/y"),
    ("x_https://tok@h/", "x_https://****@h/"),
    ("file:///srv/mirror@2/x", "file:///srv/mirror@2/x"),
])
def test_mask_hides_any_userinfo(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize("url, problem", [
    ("https://h.example/x.tar.gz", None),
    ("https://u:any thing@h.example/x", None),
    ("file:///srv/x.tar.gz", None),
    ("x.tar.gz", "is not an absolute http://, https:// or file:// URL"),
    ("https://[oops", "has a malformed host"),
    ("https://h.example:70000/x", "has an invalid port (70000)"),
    ("https://h.example:/x", "has an invalid port (empty)"),
    ("http://127.0.0.1:\u00b2/x", "has an invalid port (\u00b2)"),  # found by the property test: a digit int() refuses
    ("https://:80/x", "has no host"),
    ("https://h.exa mple/x", "contains a space or a control character"),
    ("https://u:a\nb@h.example/x", "has a line break in its credentials"),
    ("file://host/x", "is not a file:///absolute/path URL"),
])
def test_url_problems_are_named(url, problem):
    assert url_problem(url) == problem


def test_a_mirror_gets_the_original_host_but_never_its_credentials():
    url = "https://cat:CatSecret1@origin.example.org:8443/r/python.tar.gz"
    assert mirrored_url(url, {"BP_DEPENDENCY_MIRROR": "https://m:pw@mirror.example.org/{originalHost}"}) == \
        "https://m:pw@mirror.example.org/origin.example.org:8443/r/python.tar.gz"
    assert mirrored_url(url, {}) == url  # no mirror: the catalog's credentials go to their own host


def test_mirror_setting_errors_name_the_variable():
    with pytest.raises(BuildpackError) as e:
        mirrored_url(ORIGINAL, {"BP_DEPENDENCY_MIRROR": "https://[oops"})
    assert e.value.message == "BP_DEPENDENCY_MIRROR is not a usable URL: https://[oops has a malformed host."
    assert e.value.hint == "Fix BP_DEPENDENCY_MIRROR, e.g. BP_DEPENDENCY_MIRROR=https://mirror.example.org/{originalHost}"


# --- the downloader over a real loopback server ------------------------------------------------

class _Recording(http.server.BaseHTTPRequestHandler):
    """Answers /drip slowly and everything else with BODY, recording each Authorization header."""
    body = b"x" * 300000
    seen = []

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith(("/moved", "/to/")):
            self.send_response(302)
            self.send_header("Location", "/file" if self.path == "/moved" else "http://" + self.path[len("/to/"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            self._answer()
        except ConnectionError:  # the downloader gave up on purpose
            pass

    def _answer(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.path == "/drip":
            for i in range(6):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
            return
        for i in range(0, len(self.body), 100000):
            self.wfile.write(self.body[i:i + 100000])
            self.wfile.flush()
            if self.path == "/slow":
                time.sleep(0.3)

    def log_message(self, *args):
        pass


def _serve_recording():
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recording)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd


@pytest.fixture
def recording():
    _Recording.seen = []
    servers = [_serve_recording()]
    yield "http://127.0.0.1:{}".format(servers[0].server_address[1])
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_credentials_are_not_sent_to_another_host_after_a_redirect(recording, tmp_path):
    other = _serve_recording()
    try:
        url = recording.replace("http://", "http://ci:pw@") + "/to/127.0.0.1:{}/file".format(other.server_address[1])
        Downloader().fetch(url, str(tmp_path / "f"), "")
    finally:
        other.shutdown()
        other.server_close()
    assert [auth for _, auth in _Recording.seen] == ["Basic " + base64.b64encode(b"ci:pw").decode(), None]


def test_credentials_in_the_url_are_sent_as_basic_auth_and_follow_a_same_host_redirect(recording, tmp_path):
    url = recording.replace("http://", "http://ci%40corp:Sx@Tail9 x@") + "/moved"
    Downloader(sleep=lambda s: None).fetch(url, str(tmp_path / "f"), "")
    expected = "Basic " + base64.b64encode("ci@corp:Sx@Tail9 x".encode()).decode()
    assert _Recording.seen == [("/moved", expected), ("/file", expected)]


def test_long_downloads_print_progress(recording, tmp_path):
    out = io.StringIO()
    Downloader(Patience(progress_every=0.5), log=Log(out)).fetch(recording + "/slow", str(tmp_path / "f"), "")
    lines = out.getvalue().splitlines()
    assert lines and all(re.fullmatch(r"  Downloaded 0\.[0-3] MB of 0\.3 MB in [0-9.]+ s", line) for line in lines), lines


def test_a_server_that_only_drips_is_dropped_after_one_read_window(recording, tmp_path):
    dest = str(tmp_path / "f")
    with pytest.raises(BuildpackError) as e:
        Downloader(Patience(read_timeout=1.2, attempts=1)).fetch(recording + "/drip", dest, "")
    assert re.fullmatch(r"Could not download {}/drip: the server sent only [2-4] bytes in 1\.[2-9] s\."
                        .format(re.escape(recording)), e.value.message), e.value.message
    assert not os.path.exists(dest)


def test_the_deadline_holds_across_retries(recording, tmp_path):
    started = time.monotonic()
    with pytest.raises(BuildpackError) as e:
        Downloader(Patience(deadline=1.0, read_timeout=0.4)).fetch(recording + "/drip", str(tmp_path / "f"), "")
    assert time.monotonic() - started < 2.5
    assert e.value.message.startswith("Could not download {}/drip".format(recording))


def test_a_full_disk_is_a_clear_error(recording, tmp_path):
    full = tmp_path / "full"
    os.symlink("/dev/full", str(full))  # writes fail with ENOSPC
    with pytest.raises(BuildpackError) as e:
        Downloader().fetch(recording + "/file", str(full), "")
    assert e.value.message == "Could not save a download: No space left on device."
    assert os.path.exists("/dev/full") and not os.path.lexists(str(full))




# --- extraction --------------------------------------------------------------------------------

def test_top_dir_strip_survives_children_named_like_its_holder(tmp_path):
    archive = _tar(tmp_path, [_file("python/bin/python3"), _file("python/.top-python/x"),
                              _file("python/.python-cnb-top/x"), _file("python/python/x")])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert sorted(os.listdir(str(dest))) == [".python-cnb-top", ".top-python", "bin", "python"]


@pytest.mark.parametrize("limits, what", [
    (UnpackLimits(max_bytes=1 << 20), "more than 1 MB of contents"),
    (UnpackLimits(max_bytes=1 << 30, max_members=3), "more than 3 entries"),
])
def test_extraction_limits_stop_and_leave_nothing(tmp_path, limits, what):
    archive = _tar(tmp_path, [_file("bin/python3"), _file("lib/a", b"\0" * (600 << 10)),
                              _file("lib/b", b"\0" * (600 << 10)), _file("lib/c")])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest), limits=limits)
    assert e.value.message == "Refusing to unpack t.tar.gz: it holds {}.".format(what)
    assert os.listdir(str(dest)) == []


def test_a_hard_link_to_nothing_is_not_a_traceback(tmp_path):
    archive = _tar(tmp_path, [_special("bin/python3", tarfile.LNKTYPE, "bin/missing")])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Refusing to unpack t.tar.gz: entry 'bin/python3' is a hard link to no file unpacked before it."


def test_a_zst_that_holds_no_tar(tmp_path):
    path = tmp_path / "python.tar.zst"
    path.write_bytes(subprocess.run(["zstd", "-q", "-c"], input=b"text\n" * 200, stdout=subprocess.PIPE).stdout)
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(str(path), str(dest), "zst")
    assert e.value.message == "python.tar.zst is not a readable tar archive (invalid header)."



@pytest.mark.parametrize("entries, expected", [
    # the same path twice: the later entry wins, as unpacked one at a time
    ([_file("lib/x", b"first"), _file("lib/y", b"y"), _file("lib/x", b"second")], {"lib/x": b"second", "lib/y": b"y"}),
    # a hard link to a file written just before it, then the file replaced: the link keeps the first bytes
    ([_file("lib/a", b"a"), _special("lib/b", tarfile.LNKTYPE, "lib/a")], {"lib/a": b"a", "lib/b": b"a"}),
    # a link to a file just written, then written through (it stays inside the layer)
    ([_file("lib/c", b"c"), _special("lib/d", tarfile.SYMTYPE, "c"), _file("lib/d", b"via")],
     {"lib/c": b"via", "lib/d": b"via"}),
    # a directory linked, then files written into it through the link
    ([_file("lib/real/keep", b"k"), _special("lib/alias", tarfile.SYMTYPE, "real"), _file("lib/alias/new", b"n")],
     {"lib/real/keep": b"k", "lib/real/new": b"n", "lib/alias/new": b"n"}),
])
def test_files_written_a_few_at_a_time_end_as_if_one_at_a_time(tmp_path, entries, expected):
    archive = _tar(tmp_path, [_file("bin/python3")] + entries)
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert {name: (dest / name).read_bytes() for name in expected} == expected


def test_many_files_keep_their_bytes_modes_and_mtimes(tmp_path):
    entries = []
    for n in range(300):
        info, data = _file("lib/p{}/m{}.py".format(n % 7, n), ("print(%d)\n" % n).encode() * (n + 1),
                           0o755 if n % 5 == 0 else 0o644)
        info.mtime = 1000000 + n
        entries.append((info, data))
    archive = _tar(tmp_path, entries)
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    for info, data in entries:
        path = dest / info.name
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == info.mode
        assert path.stat().st_mtime == info.mtime


def test_a_write_that_fails_in_a_worker_is_the_full_disk_error_and_leaves_nothing(tmp_path, monkeypatch):
    from python_cnb import filewrites

    def full_disk(path, data, mode, mtime):
        if path.endswith("m7"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, mode, mtime)
    real = filewrites._write
    monkeypatch.setattr(filewrites, "_write", full_disk)
    archive = _tar(tmp_path, [_file("lib/m{}".format(n)) for n in range(20)])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Could not unpack t.tar.gz: No space left on device."
    assert e.value.hint.startswith("Free space on the build machine's disk")
    assert os.listdir(str(dest)) == []


def test_links_named_with_trailing_slashes_cannot_lead_a_file_out_of_the_layer(tmp_path):
    """Found in review: `b/ -> a/..` where a -> . is `.` as text and the layer's parent on disk;
    the links were remembered as written (`d/`), so `d/victim` was never resolved through them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("orig\n")
    archive = _tar(tmp_path, [_file("bin/python3"), _special("a", tarfile.SYMTYPE, "."),
                              _special("b/", tarfile.SYMTYPE, "a/.."), _special("c/", tarfile.SYMTYPE, "b/.."),
                              _special("d/", tarfile.SYMTYPE, "c/../outside"), _file("d/victim", b"PWNED\n")])
    dest = tmp_path / "layers" / "python"
    dest.mkdir(parents=True)
    with pytest.raises(BuildpackError) as e:
        extract(archive, str(dest))
    assert e.value.message == "Refusing to unpack t.tar.gz: entry 'b/' is a symlink out of the layer."
    assert (outside / "victim").read_text() == "orig\n"
    assert os.listdir(str(dest)) == []


def test_a_file_rewritten_under_either_name_of_a_hard_link_ends_as_written_last(tmp_path):
    big = b"B" * (3 << 20)
    archive = _tar(tmp_path, [_file("lib/a", b"A1"), _special("lib/b", tarfile.LNKTYPE, "lib/a"), _file("lib/b", big),
                              _file("lib/a", b"A3")])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert (dest / "lib" / "a").read_bytes() == b"A3"


def test_a_directory_after_its_files_gets_its_mode_and_mtime_once_they_are_written(tmp_path):
    files = [_file("d/f{}".format(n), b"x" * 1000) for n in range(40)]
    folder = tarfile.TarInfo("d")
    folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o555, 5
    archive = _tar(tmp_path, [_file("bin/python3")] + files + [(folder, None)])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(archive, str(dest))
    assert len(os.listdir(str(dest / "d"))) == 40
    assert stat.S_IMODE((dest / "d").stat().st_mode) == 0o555 and (dest / "d").stat().st_mtime == 5
    (dest / "d").chmod(0o755)  # so pytest can remove it


def _outside_layer(tmp_path):
    """A layer with a file, a directory and its mode and mtime next to it, in its parent."""
    dest = tmp_path / "layers" / "python"
    dest.mkdir(parents=True)
    (tmp_path / "layers" / "victim").write_text("orig\n")
    (tmp_path / "layers" / "b").mkdir()
    os.utime(str(tmp_path / "layers" / "b"), (1000, 1000))
    return dest


@pytest.mark.parametrize("entries, refused, what", [
    # found by the property test: tarfile, failing to link (a hard link to a dangling symlink, or
    # onto an existing name), unpacked a copy of the symlink at the hard link's name, its target
    # now read from another directory: out of the layer
    ([_special("a/b", tarfile.SYMTYPE, "../victim"), _special("victim", tarfile.LNKTYPE, "a/b"),
      _file("victim", b"PWNED\n")], "victim", "a hard link to no file unpacked before it"),
    ([_file("b"), _special("c/s", tarfile.SYMTYPE, "../b"), _file("h"), _special("h", tarfile.LNKTYPE, "c/s"),
      _file("h", b"PWNED\n")], None, None),
    # a symlink made through a link (c/s is b/s on disk) was remembered as c/s, so b/s/victim was
    # written without resolving it; a -> . then made b/s (../a/..) the layer's parent
    ([_special("c", tarfile.SYMTYPE, "b"), _file("x/keep"), _special("a", tarfile.SYMTYPE, "x"), _file("b/keep"),
      _special("c/s", tarfile.SYMTYPE, "../a/.."), _special("a", tarfile.SYMTYPE, "."), _file("b/s/victim", b"PWNED\n")],
     "b/s/victim", "a path outside the layer"),
])
def test_links_made_or_remembered_elsewhere_than_on_disk_cannot_lead_out_of_the_layer(tmp_path, entries, refused, what):
    dest = _outside_layer(tmp_path)
    archive = _tar(tmp_path, [_file("bin/python3")] + entries)
    if refused is None:
        extract(archive, str(dest))
        assert os.readlink(str(dest / "c" / "s")) == "../b" and (dest / "h").read_bytes() == b"PWNED\n"
        assert (dest / "b").read_bytes() == b"PWNED\n"  # h is a hard link to b, as tar makes it
    else:
        with pytest.raises(BuildpackError) as e:
            extract(archive, str(dest))
        assert e.value.message == "Refusing to unpack t.tar.gz: entry {!r} is {}.".format(refused, what)
        assert os.listdir(str(dest)) == []
    assert (tmp_path / "layers" / "victim").read_text() == "orig\n"
    assert sorted(os.listdir(str(tmp_path / "layers"))) == ["b", "python", "victim"]
    assert sorted(os.listdir(str(tmp_path / "layers" / "b"))) == []


@pytest.mark.parametrize("entries", [
    # found by the property test: a hard link to a symlink to the layer (tarfile chmodded through
    # the copy it made of the link), a directory's mode set through a link re-pointed since
    [_special("b", tarfile.SYMTYPE, "."), _special("a", tarfile.LNKTYPE, "b")],
    [_file("x/keep"), _special("a", tarfile.SYMTYPE, "x"), _special("c", tarfile.SYMTYPE, "a/.."),
     _special("c/b", tarfile.DIRTYPE), _special("a", tarfile.SYMTYPE, ".")],
])
def test_modes_are_never_set_through_a_link_outside_the_entry(tmp_path, entries):
    dest = _outside_layer(tmp_path)
    for info, _ in entries:
        info.mode = 0o600
    archive = _tar(tmp_path, [_file("bin/python3")] + entries)
    try:
        extract(archive, str(dest))
    except BuildpackError as e:
        assert os.listdir(str(dest)) == []
        assert e.message in ("Refusing to unpack t.tar.gz: entry 'a' is a hard link to no file unpacked before it.",
                                   "Refusing to unpack t.tar.gz: entry 'c' is a symlink out of the layer.")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "layers" / "b").stat().st_mode) == 0o755
    assert (tmp_path / "layers" / "b").stat().st_mtime == 1000


@pytest.mark.parametrize("header, length", [("120", 120), (" 7 ", 7), ("\u00b2", None), ("-1", None), ("", None),
                                            (None, None)])
def test_a_content_length_is_ascii_digits_or_unknown(header, length):
    from python_cnb.download import _content_length

    class Response:
        chunked = False

        def getheader(self, name):
            return header
    assert _content_length(Response()) == length


def test_a_second_part_never_writes_through_a_link_of_the_first_that_leads_up(tmp_path):
    """Found in review: the runtime's first part may leave b/b/c -> ../.. (inside the layer);
    its rest, unpacked beside it, named b/b/c/../../../victim and wrote a file, a hard link or a
    directory through it, judged as if no link were there."""
    layers = tmp_path / "up" / "layers"
    dest = layers / "python"
    dest.mkdir(parents=True)
    victim = tmp_path / "up" / "victim"
    victim.write_bytes(b"orig")
    for entries in ([_file("victim"), _special("h", tarfile.LNKTYPE, "victim"), _file("b/b/c/../../../victim", b"PWNED")],
                    [_special("b/b/c/../../evil", tarfile.DIRTYPE)]):
        extract(_tar(tmp_path, [_file("bin/python3"), _special("b/b/c", tarfile.SYMTYPE, "../..")], "python.tar.gz"),
                str(dest))  # a failed part empties the layer: the first part again
        with pytest.raises(BuildpackError) as e:
            extract(_tar(tmp_path, [_file("lib/x")] + entries, "rest.tar.gz"), str(dest))
        assert e.value.message.startswith("Refusing to unpack rest.tar.gz: entry ")
    assert victim.read_bytes() == b"orig" and sorted(os.listdir(str(tmp_path / "up"))) == ["layers", "victim"]
