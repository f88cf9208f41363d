"""Dependency mirrors as Paketo's buildpacks define them: BP_DEPENDENCY_MIRROR (every host) and
BP_DEPENDENCY_MIRROR_<HOST> (one host, with an optional `,skip-path=/prefix`). Every setting is
checked before use, and an error names the variable to fix."""
import urllib.parse
from typing import Dict, Mapping, NamedTuple, Optional

from .credentials import shown, userinfo_of, with_userinfo, without_credentials
from .errors import BuildpackError
from .log import mask
from .urls import url_problem, is_loopback

DEFAULT = "BP_DEPENDENCY_MIRROR"
PREFIX = DEFAULT + "_"
PLACEHOLDER = "{originalHost}"
EXAMPLE = "https://mirror.example.org/{originalHost}"


class Mirror(NamedTuple):
    variable: str  # where it was set, for messages
    base: str  # the mirror URL, credentials included, {originalHost} possibly in its path
    skip_path: str


def _bad(variable: str, what: str) -> BuildpackError:
    return BuildpackError("{} {}.".format(variable, what),
                          hint="Fix {}, e.g. {}={}".format(variable, variable, EXAMPLE))


def parse_mirror(variable: str, value: str) -> Mirror:
    fields = [f.strip() for f in value.split(",")]
    base, skip_path = fields[0], ""
    for field in fields[1:]:
        key, eq, rest = field.partition("=")
        if key == "mirror" and eq:
            base = rest
        elif key == "skip-path" and eq:
            skip_path = urllib.parse.unquote(rest)
        elif field:
            raise _bad(variable, "has an unknown field {!r} (only skip-path=/prefix may follow the URL)".format(
                mask(field)))
    if base.startswith("mirror="):
        base = base[len("mirror="):]
    # Paketo writes the placeholder literally; a URL-encoded one is the same placeholder.
    for encoded in ("%7BoriginalHost%7D", "%7boriginalHost%7d"):
        base = base.replace(encoded, PLACEHOLDER)
    if not base:
        raise _bad(variable, "is set but holds no URL")
    problem = url_problem(base.replace(PLACEHOLDER, "originalHost"))
    if problem:
        raise _bad(variable, "is not a usable URL: {} {}".format(shown(base), problem))
    parts = urllib.parse.urlsplit(without_credentials(base))
    if PLACEHOLDER in parts.netloc or PLACEHOLDER in parts.query or PLACEHOLDER in parts.fragment:
        raise _bad(variable, "has {} outside its path: {}".format(PLACEHOLDER, shown(base)))
    if parts.scheme not in ("https", "file") and not (parts.scheme == "http" and is_loopback(parts.hostname)):
        raise BuildpackError(
            "The dependency mirror {} must use https:// or file:// (http:// only on loopback).".format(shown(base)),
            hint="Fix {}, e.g. {}={}".format(variable, variable, EXAMPLE))
    if skip_path and not skip_path.startswith("/"):
        raise _bad(variable, "has a skip-path that does not start with /: {!r}".format(skip_path))
    return Mirror(variable, base, skip_path)


def mirrors(env: Mapping[str, str]) -> Dict[str, Mirror]:
    """Every mirror setting, checked: {variable: Mirror}. A broken setting is an error even when
    this build would not use it: a typo must not silently send downloads to the origin."""
    return {key: parse_mirror(key, env[key].strip()) for key in sorted(env)
            if (key == DEFAULT or (key.startswith(PREFIX) and key != PREFIX)) and env[key].strip()}


def mirror_for(hostname: str, env: Mapping[str, str]) -> Optional[Mirror]:
    settings = mirrors(env)
    for key, mirror in settings.items():
        host = key[len(PREFIX):].replace("__", "-").replace("_", ".").lower()  # "__" for "-", "_" for "."
        if key != DEFAULT and host in hostname.lower():
            return mirror
    return settings.get(DEFAULT)


def mirrored_url(url: str, env: Mapping[str, str]) -> str:
    """The URL to fetch: url itself, or its mirror's. With {originalHost} in the mirror's path it
    is replaced by the original host (port kept, credentials never) and the original path
    follows; without it the original path is appended to the mirror's."""
    problem = url_problem(url)
    if problem:
        raise BuildpackError("The download URL {} {}.".format(shown(url), problem),
                             hint="Fix the runtime catalog entry (BP_PYTHON_RUNTIME_CATALOG) that names it.")
    original = urllib.parse.urlsplit(without_credentials(url))
    host = original.netloc  # host[:port]: the original's credentials never reach a mirror
    mirror = mirror_for(original.hostname or "", env)
    if mirror is None:
        return url
    parsed = urllib.parse.urlsplit(without_credentials(mirror.base))
    path = original.path
    if mirror.skip_path and path.startswith(mirror.skip_path):
        path = path[len(mirror.skip_path):]
    if PLACEHOLDER in parsed.path:
        new_path = parsed.path.replace(PLACEHOLDER, host + path, 1)
    else:
        new_path = parsed.path.rstrip("/") + path
    bare = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, new_path, original.query, ""))
    result = with_userinfo(bare, userinfo_of(mirror.base))
    problem = url_problem(result)  # a setting can pass its own checks and still make no URL
    if problem:
        raise _bad(mirror.variable, "makes the download URL {}, which {}".format(shown(result), problem))
    return result
