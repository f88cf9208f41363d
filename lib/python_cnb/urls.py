"""What makes a download URL usable, checked before anything is fetched: catalogs and mirror
settings are user input, and urllib/http.client answer a bad URL with a bare ValueError."""
import ipaddress
import re
import urllib.parse
from typing import Optional

from .credentials import split_credentials, split_netloc

_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def url_problem(url: str) -> Optional[str]:
    """None for an absolute http://, https:// or file:// URL this buildpack can fetch; else what
    is wrong with it, phrased to follow "the URL ... ". Credentials may hold any character but
    a line break (they are split off before urllib sees the URL)."""
    url, credentials = split_credentials(url)
    if credentials and any(c in credentials.user + credentials.password for c in "\r\n"):
        return "has a line break in its credentials"
    if _CONTROL_OR_SPACE.search(url):
        return "contains a space or a control character"
    authority = url.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if _host_and_port(authority)[0] is None:  # before urllib, whose bracket checks vary by version
        return "has a malformed host"
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as e:
        return "cannot be parsed ({})".format(e)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            return "is not a file:///absolute/path URL"
        return None
    if parts.scheme not in ("http", "https"):
        return "is not an absolute http://, https:// or file:// URL"
    host, port = _host_and_port(split_netloc(parts.netloc)[1])
    if host is None:
        return "has a malformed host"
    if not host:
        return "has no host"
    if port is not None and not (ascii_digits(port) and 0 < int(port) < 65536):
        return "has an invalid port ({})".format(port or "empty")
    try:
        host.encode("idna")
    except UnicodeError:
        return "has a host name that is not valid"
    return None


def ascii_digits(text: str) -> bool:
    """A number int() takes as written: str.isdigit() also takes "²", which int() refuses."""
    return bool(text) and set(text) <= set("0123456789")


def _host_and_port(hostport: str):
    """(host, port or None); host None when brackets do not match."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            return None, None
        rest = hostport[end + 1:]
        if rest and not rest.startswith(":"):
            return None, None
        return hostport[1:end], (rest[1:] if rest else None)
    if "[" in hostport or "]" in hostport:
        return None, None
    host, colon, port = hostport.partition(":")
    if ":" in port:
        return None, None
    return host, (port if colon else None)


def host_of(url: str) -> str:
    """host[:port] of a URL, without userinfo."""
    return split_netloc(urllib.parse.urlsplit(split_credentials(url)[0]).netloc)[1]


def is_loopback(host: Optional[str]) -> bool:
    try:
        return host == "localhost" or host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
