"""Fetching dependency archives: one downloader with an overall deadline (BP_DOWNLOAD_TIMEOUT), a
per-read timeout, a floor on throughput, progress lines for long downloads, retries with backoff
where a retry can help, HTTP Basic auth from credentials in the URL, and sha256 verification.
Every failure is a BuildpackError that says what went wrong and what to do; the partial file is
removed. Mirrors live in mirror.py, extraction in archive.py (both re-exported here)."""
import contextlib
import hashlib
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from typing import Callable, NamedTuple, Optional, Tuple

from .archive import extract
from .credentials import Credentials, split_credentials
from .credentials import shown as shown_url
from .errors import BuildpackError
from .log import Log, mask
from .mirror import mirrored_url
from .urls import ascii_digits, host_of, url_problem

__all__ = ["Downloader", "extract", "mirrored_url"]  # the runtime layer imports all three from here

ATTEMPTS = 3
DEADLINE_SECONDS = 600.0  # a whole download, retries included (BP_DOWNLOAD_TIMEOUT)
READ_TIMEOUT_SECONDS = 30.0  # no byte at all for this long: the connection is dead
STALL_BYTES = 4096  # fewer bytes than this in a READ_TIMEOUT window: the server only drips
PROGRESS_SECONDS = 10.0
MAX_REDIRECTS = 5
CHUNK = 1 << 16
RETRIED_STATUS = (408, 425, 429, 500, 502, 503, 504)
TIMEOUT_VARIABLE = "BP_DOWNLOAD_TIMEOUT"

_CHECK_NETWORK = "Check the network or the mirror (BP_DEPENDENCY_MIRROR), then build again."


class _Failure(Exception):
    """One attempt failed: why (for the message), whether another attempt may succeed, and the hint."""

    def __init__(self, reason: str, retry: bool, hint: str = _CHECK_NETWORK) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.hint = hint


class _DeadlinePassed(Exception):
    pass


class _Watchdog:
    """Shuts the socket down when the deadline passes, wherever the download is blocked (connect,
    headers, body): no server can hold a build past BP_DOWNLOAD_TIMEOUT."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.fired = False
        self.sock = sock
        self.timer = threading.Timer(max(seconds, 0.0), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.timer.cancel()


def _size(n: float) -> str:
    return "{:.1f} MB".format(n / 1e6) if n >= 1e5 else "{:d} bytes".format(int(n))


def _seconds(s: float) -> str:
    return "{:g} s".format(round(s, 1))


class Patience(NamedTuple):
    """How long a download may take, and how often it is tried."""
    read_timeout: float = READ_TIMEOUT_SECONDS  # no data for this long fails an attempt
    deadline: float = DEADLINE_SECONDS          # the whole download, retries included
    progress_every: float = PROGRESS_SECONDS    # a progress line this often
    attempts: int = ATTEMPTS


class Downloader:
    """Fetches a URL to a file, verifying its sha256. sleep and clock are injected so tests of
    the retry and deadline paths need not wait; log receives retry and progress lines."""

    def __init__(self, patience: Patience = Patience(), log: Optional[Log] = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.read_timeout, self.deadline, self.progress_every, self.attempts = patience
        self.log, self.sleep, self.clock = log, sleep, clock

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log.info(text)

    def fetch(self, url: str, dest: str, sha256: str) -> str:
        """Download to dest; returns the archive's sha256. Raises BuildpackError when every
        attempt failed, the deadline passed or the checksum does not match (dest is then removed)."""
        shown = shown_url(url)
        problem = url_problem(url)
        if problem:
            raise BuildpackError("Could not download {}: the URL {}.".format(shown, problem),
                                 hint="Fix the runtime catalog entry or the mirror setting that gives this URL.")
        bare, credentials = split_credentials(url)
        end = self.clock() + self.deadline
        try:
            digest = self._fetch_with_retries(bare, credentials, dest, end, shown)
            if sha256 and digest != sha256:
                raise BuildpackError(
                    "The download of {} does not match its sha256 checksum (expected {}, got {}).".format(
                        shown, sha256, digest),
                    hint="The archive or the mirror serving it is not the one the catalog describes; "
                         "nothing was installed.")
        except BaseException:
            _remove(dest)
            raise
        return digest

    def _fetch_with_retries(self, url: str, credentials: Optional[Credentials], dest: str, end: float,
                            shown: str) -> str:
        for attempt in range(1, self.attempts + 1):
            try:
                return self._fetch_once(url, credentials, dest, end)
            except _DeadlinePassed:
                raise self._too_slow(shown, dest)
            except _Failure as failure:
                backoff = 2 ** (attempt - 1)
                if not failure.retry or attempt == self.attempts or self.clock() + backoff >= end:
                    raise BuildpackError("Could not download {}: {}.".format(shown, mask(failure.reason)),
                                         hint=failure.hint)
                self._say("Attempt {} of {} failed ({}); retrying in {} s".format(
                    attempt, self.attempts, mask(failure.reason), backoff))
                self.sleep(backoff)
        raise AssertionError("unreachable")

    def _too_slow(self, shown: str, dest: str) -> BuildpackError:
        received = os.path.getsize(dest) if os.path.exists(dest) else 0
        return BuildpackError(
            "Could not download {} within {} ({}): {} received.".format(
                shown, _seconds(self.deadline), TIMEOUT_VARIABLE, _size(received)),
            hint="The server or the network is too slow. Raise {} (seconds; default {:g}), or use a "
                 "closer mirror (BP_DEPENDENCY_MIRROR).".format(TIMEOUT_VARIABLE, DEADLINE_SECONDS))

    def _fetch_once(self, url: str, credentials: Optional[Credentials], dest: str, end: float) -> str:
        if url.startswith("file:"):
            return self._copy_file(url, dest)
        origin = host_of(url)
        for _ in range(MAX_REDIRECTS + 1):
            location, digest = self._get(url, credentials if host_of(url) == origin else None, dest, end)
            if location is None:
                return digest
            target = urllib.parse.urljoin(url, location)
            problem = url_problem(target)
            if problem or not target.startswith(("http://", "https://")):
                raise _Failure("{} redirected to {}, a URL that {}".format(
                    host_of(url), shown_url(target), problem or "is not http:// or https://"), retry=False)
            url = split_credentials(target)[0]
        raise _Failure("more than {} redirects".format(MAX_REDIRECTS), retry=False)

    def _copy_file(self, url: str, dest: str) -> str:
        path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
        try:
            source = open(path, "rb")
        except OSError as e:
            raise _Failure(e.strerror or str(e), retry=False,
                           hint="Check the file:// mirror or catalog URL points at a readable file.")
        with source:
            return self._write(source.read1, dest, None, None, 0.0)

    def _connection(self, parts: urllib.parse.SplitResult, proxy: Optional[Tuple[str, int]],
                    end: float) -> http.client.HTTPConnection:
        timeout = max(min(self.read_timeout, end - self.clock()), 0.001)
        host, port = parts.hostname or "", parts.port
        if parts.scheme != "https":
            return http.client.HTTPConnection(*(proxy or (host, port)), timeout=timeout)
        conn = http.client.HTTPSConnection(*(proxy or (host, port)), timeout=timeout,
                                           context=ssl.create_default_context())
        if proxy:
            conn.set_tunnel(host, port)
        return conn

    def _get(self, url: str, credentials: Optional[Credentials], dest: str, end: float):
        """One GET: (None, sha256) once the body is in dest, or (the Location of a redirect, "")."""
        host = host_of(url)
        parts = urllib.parse.urlsplit(url)
        proxy = _proxy_for(parts.scheme, parts.hostname or "")
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if proxy and parts.scheme == "http":  # an http proxy is asked for the whole URL
            target = url
        headers = {"User-Agent": "python-cnb", "Accept-Encoding": "identity"}
        if credentials:
            headers["Authorization"] = credentials.authorization()
        if self.clock() >= end:
            raise _DeadlinePassed()
        conn = self._connection(parts, proxy, end)
        watchdog = None
        try:
            try:
                conn.connect()
                assert conn.sock is not None
                sock = conn.sock
                watchdog = _Watchdog(sock, end - self.clock())
                conn.request("GET", target, headers=headers)
                sock.settimeout(max(min(self.read_timeout, end - self.clock()), 0.001))
                response = conn.getresponse()
            except Exception as e:
                if (watchdog is not None and watchdog.fired) or self.clock() >= end:
                    raise _DeadlinePassed()
                raise _before_answer(e, host, self.read_timeout)
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                return response.getheader("Location"), ""
            if response.status != 200:
                raise _http_failure(response)
            total = _content_length(response)
            try:
                digest = self._write(response.read1, dest, sock, total, end)
            except (_Failure, _DeadlinePassed, BuildpackError):
                raise
            except Exception as e:
                if watchdog.fired or self.clock() >= end:
                    raise _DeadlinePassed()
                raise _during_body(e, host, dest, total, self.read_timeout)
            if watchdog.fired:
                raise _DeadlinePassed()
            received = os.path.getsize(dest)
            if total is not None and received != total:
                raise _Failure("the transfer broke off after {} of {} bytes".format(received, total), retry=True)
            return None, digest
        finally:
            if watchdog is not None:
                watchdog.stop()
            conn.close()

    def _write(self, read: Callable[[int], bytes], dest: str, sock: Optional[socket.socket],
               total: Optional[int], end: float) -> str:
        """Copy read() to dest, watching the deadline, stalls and progress. Returns the sha256."""
        h = hashlib.sha256()
        try:
            out = open(dest, "wb")
        except OSError as e:
            raise _write_failure(dest, e)
        received = 0
        started = last_progress = window_start = self.clock()
        window_bytes = 0
        with out:
            while True:
                if sock is not None:
                    remaining = end - self.clock()
                    if remaining <= 0:
                        raise _DeadlinePassed()
                    with contextlib.suppress(OSError):  # http.client closed it at the end of the body
                        sock.settimeout(max(min(self.read_timeout, remaining), 0.001))
                chunk = read(CHUNK)
                if not chunk:
                    break
                h.update(chunk)
                try:
                    out.write(chunk)
                except OSError as e:
                    raise _write_failure(dest, e)
                received += len(chunk)
                window_bytes += len(chunk)
                now = self.clock()
                if sock is not None and now - window_start >= self.read_timeout:
                    if window_bytes < STALL_BYTES:
                        raise _Failure("the server sent only {} in {}".format(
                            _size(window_bytes), _seconds(now - window_start)), retry=True)
                    window_start, window_bytes = now, 0
                if now - last_progress >= self.progress_every:
                    last_progress = now
                    self._say("Downloaded {}{} in {}".format(
                        _size(received), " of {}".format(_size(total)) if total else "",
                        _seconds(now - started)))
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as e:
                raise _write_failure(dest, e)
        return h.hexdigest()


def _proxy_for(scheme: str, host: str) -> Optional[Tuple[str, int]]:
    """(host, port) of the proxy the process env names for this scheme and host, or None."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
    try:
        return (parts.hostname or "", parts.port or 8080)
    except ValueError:
        return None


def _content_length(response: http.client.HTTPResponse) -> Optional[int]:
    if response.chunked:
        return None
    value = response.getheader("Content-Length")
    digits = (value or "").strip()
    return int(digits) if ascii_digits(digits) else None


def _http_failure(response: http.client.HTTPResponse) -> _Failure:
    phrase = "".join(c for c in (response.reason or "") if c.isprintable())[:80]
    reason = "HTTP {} {}".format(response.status, phrase).strip()
    if response.status in (401, 403):
        return _Failure(reason, retry=False,
                        hint="The server refused access. Credentials go in the URL of BP_DEPENDENCY_MIRROR or of "
                             "the catalog entry, as user:password@ before the host; they are sent as HTTP Basic auth.")
    if response.status in (404, 410):
        return _Failure(reason, retry=False,
                        hint="The file is not there: check the runtime catalog's url, or that the mirror "
                             "(BP_DEPENDENCY_MIRROR) holds it.")
    return _Failure(reason, retry=response.status in RETRIED_STATUS)


_NOT_HTTP = "Check the URL's scheme and port: the server there does not answer as a web server."
_TLS_HINT = ("The build image must trust the server's certificate: add its CA to the build image, "
             "or set SSL_CERT_FILE.")


def _before_answer(e: Exception, host: str, read_timeout: float) -> _Failure:
    """A failure to connect, send the request or read the response's head."""
    if isinstance(e, socket.timeout):
        return _Failure("no answer from {} within {}".format(host, _seconds(read_timeout)), retry=True)
    if isinstance(e, ConnectionRefusedError):
        return _Failure("{} refused the connection".format(host), retry=True)
    if isinstance(e, socket.gaierror):
        return _Failure("the host name in {} could not be resolved".format(host), retry=True)
    if isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError,
                      BrokenPipeError)):
        return _Failure("{} closed the connection without an answer".format(host), retry=True)
    if isinstance(e, (ssl.SSLError, ssl.CertificateError)):
        return _Failure("TLS with {} failed ({})".format(host, getattr(e, "reason", None) or e), retry=False,
                        hint=_TLS_HINT)
    if isinstance(e, http.client.HTTPException):
        return _Failure("{} did not answer with HTTP".format(host), retry=False, hint=_NOT_HTTP)
    if isinstance(e, OSError):
        return _Failure("{} ({})".format(e.strerror or type(e).__name__, host), retry=True)
    if isinstance(e, (ValueError, UnicodeError)):
        return _Failure("the request to {} could not be made ({})".format(host, e), retry=False)
    raise e


def _during_body(e: Exception, host: str, dest: str, total: Optional[int], read_timeout: float) -> _Failure:
    received = os.path.getsize(dest) if os.path.exists(dest) else 0
    of = "{} of {} bytes".format(received, total) if total is not None else "{} bytes".format(received)
    if isinstance(e, socket.timeout):
        return _Failure("no data from {} for {} (after {})".format(host, _seconds(read_timeout), of), retry=True)
    if isinstance(e, (http.client.IncompleteRead, ConnectionError, ssl.SSLError)):
        return _Failure("the transfer broke off after {}".format(of), retry=True)
    if isinstance(e, OSError):
        return _Failure("{} (after {})".format(e.strerror or type(e).__name__, of), retry=True)
    if isinstance(e, (http.client.HTTPException, ValueError)):  # ValueError: a broken chunk-size line
        return _Failure("{} sent a malformed body after {}".format(host, of), retry=True)
    raise e


def _write_failure(dest: str, e: OSError) -> BuildpackError:
    where = os.path.dirname(os.path.dirname(os.path.abspath(dest)))
    return BuildpackError("Could not save a download: {}.".format(e.strerror or e),
                          hint="Free space on the build machine's disk (downloads go to {}, TMPDIR), "
                               "then build again.".format(where))


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
