"""Credentials written into a URL (https://user:password@host/...), as Paketo's mirrors and private
catalogs take them. urllib would read the userinfo as part of the host, so it is split off: the
request goes to the bare URL with an HTTP Basic Authorization header, and nothing that is stored
(layer metadata, SBOMs) or sent elsewhere (a mirror's path) ever carries it."""
import base64
import urllib.parse
from typing import NamedTuple

from .url_secrets import masked

# The URL as it may be printed: scheme://****@host/... when it carries credentials, and a secret
# query parameter's value as ****.
shown = masked


class Credentials(NamedTuple):
    user: str
    password: str

    def authorization(self) -> str:
        token = "{}:{}".format(self.user, self.password).encode("utf-8")
        return "Basic " + base64.b64encode(token).decode("ascii")


def split_netloc(netloc: str):
    """(userinfo or None, host[:port]): the userinfo ends at the last '@', as a password may hold '@'."""
    userinfo, at, hostport = netloc.rpartition("@")
    return (userinfo if at else None), hostport


def _split(url: str):
    """(scheme://, userinfo or None, the rest from the host on). The authority ends at the first
    '/' after '://' (log.mask reads it the same way), so no character of a password, however
    odd, can make urllib misread it: urllib only ever sees the URL without it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None, ""
    authority, slash, tail = rest.partition("/")
    userinfo, hostport = split_netloc(authority)
    return scheme + sep, userinfo, hostport + slash + tail


def split_credentials(url: str):
    """(url without its userinfo, Credentials or None); user and password percent-decoded."""
    head, userinfo, rest = _split(url)
    if userinfo is None:
        return url, None
    user, _, password = userinfo.partition(":")
    return head + rest, Credentials(urllib.parse.unquote(user), urllib.parse.unquote(password))


def without_credentials(url: str) -> str:
    """The URL as it may be stored: no userinfo. Stable for the same URL, so layer metadata
    keyed on it does not change between builds."""
    return split_credentials(url)[0]


def with_userinfo(url: str, userinfo: str) -> str:
    """url (which has none) with the given userinfo put back."""
    head, _, rest = _split(url)
    return head + userinfo + "@" + rest if userinfo else url


def userinfo_of(url: str) -> str:
    return _split(url)[1] or ""
