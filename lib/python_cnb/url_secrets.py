"""Every credential a URL can carry, recognised in one place: its userinfo (https://user:token@host,
https://token@host, git+https://oauth2:token@host) and query or fragment parameters that hold a
secret by their name (?token=, access_token, private_token, X-Amz-Signature, X-Amz-Credential,
sig, api_key, password, ...). masked() hides them in text that is printed (the log masks every
line with it); stored() removes them from a URL that is written anywhere the image or the
cache keeps (layer metadata, SBOMs, a checkout's .git/config).

An ssh login name alone (ssh://git@host, git+ssh://git@host) is not a secret (the key is
elsewhere) and is kept. A secret in a URL's path (https://host/<token>/simple) cannot be told
from a path, and is not recognised."""
import re
from typing import Match

# scheme://userinfo@: the userinfo ends at the last '@' before the path, as urllib splits it, so a
# password may hold '@', ':' and spaces. It cannot span lines. Masking too much (text after a URL with an
# '@' in it) is the safe way to be wrong.
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/\r\n]*)@")
# name=value after ?, & or # (a fragment's parameters: #access_token= in OAuth redirects)
# The value ends before punctuation that ends a sentence ("...?token=****: done").
_PARAMETER = re.compile(r"([?&#;])([A-Za-z0-9_.\-\[\]%]+)=([^&#\s\"'<>]*?)(?=[:,.;)]*(?:[&#\s\"'<>]|$))")
_SECRET_WORDS = ("token", "secret", "passw", "pwd", "apikey", "api_key", "api-key", "access_key", "accesskey",
                 "signature", "credential", "auth", "session", "private")
_SECRET_NAMES = ("key", "sig", "pass", "pw", "code", "x-amz-security-token")
MASK = "****"


def _userinfo(match: Match, replacement: str) -> str:
    scheme, userinfo = match.group(1), match.group(2)
    if scheme.lower().endswith("ssh") and ":" not in userinfo:
        return match.group(0)  # an ssh login name
    return "{}://{}".format(scheme, replacement + "@" if replacement else "")


def _parameter(match: Match) -> str:
    sep, name, value = match.groups()
    lowered = name.lower()
    if not value or not (lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)):
        return match.group(0)
    return "{}{}={}".format(sep, name, MASK)


def masked(text: str) -> str:
    """text with every URL credential in it replaced by ****, for the log."""
    text = _USERINFO.sub(lambda m: _userinfo(m, MASK), text)
    return _PARAMETER.sub(_parameter, text)


def stored(url: str) -> str:
    """url as it may be written where an image or a cache keeps it: no userinfo (an ssh login
    name kept), secret parameters' values as ****. Stable for the same URL, so metadata keyed on
    it does not change when only a token does."""
    url = _USERINFO.sub(lambda m: _userinfo(m, ""), url)
    return _PARAMETER.sub(_parameter, url)


def has_credentials(text: str) -> bool:
    return masked(text) != text
