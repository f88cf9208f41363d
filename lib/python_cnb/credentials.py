"""Credentials written into a URL (https://user:password@host/...), as Paketo's mirrors and private
catalogs take them. urllib would read the userinfo as part of the host, so it is split off: the
request goes to the bare URL with an HTTP Basic Authorization header, and nothing that is stored
(layer metadata, SBOMs) or sent elsewhere (a mirror's path) ever carries it."""
import base64
import re
import urllib.parse
from typing import NamedTuple, Optional


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


def split_credentials(url: str):
    """(url without its userinfo, Credentials or None); user and password percent-decoded."""
    parts = urllib.parse.urlsplit(url)
    userinfo, hostport = split_netloc(parts.netloc)
    if userinfo is None:
        return url, None
    user, _, password = userinfo.partition(":")
    bare = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return bare, Credentials(urllib.parse.unquote(user), urllib.parse.unquote(password))


def without_credentials(url: str) -> str:
    """The URL as it may be stored or shown: no userinfo. Stable for the same URL, so layer
    metadata keyed on it does not change between builds."""
    try:
        return split_credentials(url)[0]
    except ValueError:  # not even splittable: keep nothing that could be a secret
        return re.sub(r"://[^/\r\n]*@", "://", url)


def authorization(credentials: Optional[Credentials]) -> dict:
    return {"Authorization": credentials.authorization()} if credentials else {}
