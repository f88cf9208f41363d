"""A loopback HTTP server that fails on purpose, for the download reliability tests. It binds
127.0.0.1 only, serves each request on its own daemon thread, bounds every slow answer (drip,
silence) by HOLD_SECONDS and by its own stop, and stops by itself at the fixture's teardown.

A URL's first path segment picks the mode, the last names a file of the runtime mirror:
  /ok/<file>            the file
  /404/<file>           404 Not Found
  /flaky/<file>         500 on the first request for this path, then the file
  /500/<file>           always 500
  /reset/<file>         reads the request, then resets the connection (no answer)
  /drip/<file>          headers, then 1 byte every DRIP_SECONDS
  /silent/<file>        accepts, reads the request, never answers
  /chunked-cut/<file>   chunked body that stops mid-chunk
  /short/<file>         Content-Length of the whole file, half of it sent
  /garbage/<file>       not HTTP at all (an SSH banner)
  /tampered/<file>      the file with one byte changed (wrong sha256)
  /notatar/<file>       gzip of text
  /empty/<file>         200 with no body
  /cut-archive/<file>   the first half of the file as a whole body (a truncated .tar.gz)
  /bomb/<file>          a small gzip that unpacks to BOMB_BYTES of zeros
  /zst-notatar/<file>   zstd of text
  /zst-garbage/<file>   bytes that are not zstd
  /collide/<file>       the runtime under python/, with python/.top-python/x and python/python/x
  /traversal/<file>     a tar.gz with an entry ../../escape
  /setuid/<file>        the runtime, with a setuid and a setgid file
  /device/<file>        the runtime, with a character device
  /runtime-traversal/<file>  the runtime, with an entry ../../escape
  /auth/<file>          the file, only with Basic auth USER:PASSWORD (or PLAIN_PASSWORD); else 401
  /redirect/<file>      302 to /ok/<file>
  /redirect-loop/<file> 302 to itself, forever
"""
import base64
import gzip
import hashlib
import http.server
import io
import os
import socket
import socketserver
import struct
import subprocess
import tarfile
import threading
import urllib.parse

HOLD_SECONDS = 30.0
DRIP_SECONDS = 1.0
BOMB_BYTES = 64 << 20
USER = "ci-user"
PASSWORD = "Sx@Tail9 \u00a0p:w#?x"  # "@", ":", "#", "?", an ASCII and a Unicode space
PLAIN_PASSWORD = "Sx@Tail9 p:w#?x"  # the same in ASCII: a sh reading a catalog knows no YAML escapes


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _tar_gz(entries) -> bytes:
    """entries: (name, bytes) pairs of regular files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _bomb() -> bytes:
    """A tar.gz of one file of BOMB_BYTES zeros, written without holding it in memory."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        info = tarfile.TarInfo("bin/python3")
        info.size = BOMB_BYTES
        gz.write(info.tobuf(format=tarfile.GNU_FORMAT))
        zeros = bytes(1 << 20)
        for _ in range(BOMB_BYTES >> 20):
            gz.write(zeros)
        gz.write(bytes(1024))  # end-of-archive blocks
    return buf.getvalue()


def _zstd(data: bytes) -> bytes:
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def _under_python_dir(archive: bytes) -> bytes:
    """The classic archive re-packed under python/ (the portable layout), plus entries named like
    the directories a top-dir strip might use."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as src, \
            tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as dst:
        for member in src:
            data = src.extractfile(member) if member.isreg() else None
            member.name = "python/" + member.name.lstrip("./")
            if member.islnk():
                member.linkname = "python/" + member.linkname.lstrip("./")
            dst.addfile(member, data)
        for name in ("python/.top-python/x", "python/python/x", "python/.python-cnb-top/x"):
            info = tarfile.TarInfo(name)
            info.size = 1
            dst.addfile(info, io.BytesIO(b"x"))
    return out.getvalue()


def _with_entries(archive: bytes, kind: str) -> bytes:
    """The runtime archive with entries an unpacker must strip or refuse added at its end."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as src, \
            tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as dst:
        for member in src:
            dst.addfile(member, src.extractfile(member) if member.isreg() else None)
        extra = []
        if kind == "setuid":
            extra = [("bin/su-me", 0o4755, tarfile.REGTYPE), ("bin/sg-me", 0o2755, tarfile.REGTYPE)]
        elif kind == "device":
            extra = [("lib/null", 0o666, tarfile.CHRTYPE)]
        elif kind == "runtime-traversal":
            extra = [("../../escape", 0o644, tarfile.REGTYPE)]
        for name, mode, kind_of in extra:
            info = tarfile.TarInfo(name)
            info.mode, info.type = mode, kind_of
            info.devmajor, info.devminor = 1, 3
            info.size = 2 if kind_of == tarfile.REGTYPE else 0
            dst.addfile(info, io.BytesIO(b"x\n") if info.size else None)
    return out.getvalue()


class FaultServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, files_dir: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files_dir = files_dir
        self.stopping = threading.Event()
        self.hits = {}  # path -> count
        self.headers_seen = {}  # path -> Authorization header of the last request
        self.lock = threading.Lock()
        self._made = {}
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return "http://127.0.0.1:{}".format(self.server_address[1])

    def url(self, mode: str, name: str = "python-3.12.1.tar.gz") -> str:
        return "{}/{}/{}".format(self.base, mode, name)

    def file(self, name: str) -> bytes:
        with open(os.path.join(self.files_dir, name), "rb") as f:
            return f.read()

    def made(self, key: str, make) -> bytes:
        """A generated body, made once."""
        with self.lock:
            if key not in self._made:
                self._made[key] = make()
            return self._made[key]

    def body_for(self, mode: str, name: str) -> bytes:
        """The bytes a mode serves (tests compute checksums from it)."""
        if mode == "tampered":
            data = bytearray(self.file(name))
            data[len(data) // 2] ^= 0xFF
            return bytes(data)
        if mode == "notatar":
            return _gzip(b"this is text, not a tar archive\n" * 100)
        if mode == "empty":
            return b""
        if mode == "cut-archive":
            data = self.file(name)
            return data[:len(data) // 2]
        if mode == "bomb":
            return self.made("bomb", _bomb)
        if mode == "zst-notatar":
            return self.made("zst-notatar", lambda: _zstd(b"this is text, not a tar archive\n" * 100))
        if mode == "zst-garbage":
            return b"certainly not zstd\n" * 10
        if mode == "collide":
            return self.made("collide:" + name, lambda: _under_python_dir(self.file(name)))
        if mode in ("setuid", "device", "runtime-traversal"):
            return self.made(mode + ":" + name, lambda: _with_entries(self.file(name), mode))
        if mode == "traversal":
            return _tar_gz([("bin/python3", b"#!"), ("../../escape", b"gotcha")])
        return self.file(name)

    def sha256(self, mode: str, name: str = "python-3.12.1.tar.gz") -> str:
        return hashlib.sha256(self.body_for(mode, name)).hexdigest()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"
    timeout = HOLD_SECONDS + 5  # no request line within this: give up on the client

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path).path.strip("/").split("/")
        mode, name = parts[0], parts[-1]
        with self.server.lock:
            self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
            hits = self.server.hits[self.path]
            self.server.headers_seen[self.path] = self.headers.get("Authorization")
        special = getattr(self, "_mode_" + mode.replace("-", "_"), None)
        if special is not None:
            special(name, hits)
            return
        if mode == "404":
            self._send(404, b"not here\n")
        elif mode == "500" or (mode == "flaky" and hits == 1):
            self._send(500, b"oops\n")
        elif not os.path.exists(os.path.join(self.server.files_dir, name)) and mode not in ("notatar", "bomb",
                                                                                           "zst-notatar", "zst-garbage",
                                                                                           "traversal", "empty"):
            self._send(404, b"no such file\n")
        else:
            self._send(200, self.server.body_for(mode, name))

    def _send(self, status: int, body: bytes, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _hold(self) -> None:
        self.server.stopping.wait(HOLD_SECONDS)

    def _mode_reset(self, name: str, hits: int) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _mode_silent(self, name: str, hits: int) -> None:
        self._hold()
        self.close_connection = True

    def _mode_drip(self, name: str, hits: int) -> None:
        body = self.server.file(name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(int(HOLD_SECONDS / DRIP_SECONDS)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                if self.server.stopping.wait(DRIP_SECONDS):
                    break
        except OSError:
            pass
        self.close_connection = True

    def _mode_chunked_cut(self, name: str, hits: int) -> None:
        body = self.server.file(name)
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n" % 65536 + body[:65536] + b"\r\n")
        self.wfile.write(b"%x\r\n" % 65536 + body[65536:70000])  # the second chunk stops short
        self.wfile.flush()
        self.close_connection = True

    def _mode_short(self, name: str, hits: int) -> None:
        body = self.server.file(name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _mode_garbage(self, name: str, hits: int) -> None:
        self.wfile.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nProtocol mismatch.\r\n")
        self.wfile.flush()
        self.close_connection = True

    def _mode_auth(self, name: str, hits: int) -> None:
        expected = ["Basic " + base64.b64encode("{}:{}".format(USER, p).encode()).decode()
                    for p in (PASSWORD, PLAIN_PASSWORD)]
        if self.headers.get("Authorization") not in expected:
            self._send(401, b"who are you?\n", [("WWW-Authenticate", 'Basic realm="mirror"')])
        else:
            self._send(200, self.server.file(name))

    def _mode_redirect(self, name: str, hits: int) -> None:
        self._send(302, b"", [("Location", "/ok/" + name)])

    def _mode_redirect_loop(self, name: str, hits: int) -> None:
        self._send(302, b"", [("Location", self.path)])
