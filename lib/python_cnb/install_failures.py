"""Why an installer failed, read from its output: a package built from source that needs a
program or headers the build image lacks (pg_config, gdal-config, mysql_config, ffi.h, a C or
Rust compiler...) fails a hundred lines into pip's output. Recognise the common ones and say
what is missing, which Debian/Ubuntu package provides it, and the builders that have it."""
import re
from typing import NamedTuple, Optional, Sequence

from .errors import BuildpackError
from .installers import Lock

FULL_BUILDERS = "heroku/builder:24 or paketobuildpacks/builder-jammy-full"


class Missing(NamedTuple):
    pattern: str      # a regular expression over one line of the installer's output
    what: str         # what the build image lacks, for the message
    debian: str       # the Debian/Ubuntu package(s) that provide it
    instead: str = ""  # a distribution with prebuilt wheels, when there is a common one


KNOWN = (
    Missing(r"pg_config executable not found|pg_config: (command )?not found|libpq-fe\.h: No such file",
            "pg_config and PostgreSQL's client headers", "libpq-dev", "psycopg2-binary, or psycopg[binary]"),
    Missing(r"gdal-config: (command )?not found|Could not find gdal-config|gdal-config.*No such file",
            "gdal-config and GDAL's headers", "libgdal-dev"),
    Missing(r"mysql_config: (command )?not found|mysql_config not found|Can not find valid pkg-config name",
            "mysql_config and the MySQL/MariaDB client headers",
            "default-libmysqlclient-dev (Debian) or libmysqlclient-dev (Ubuntu), and pkg-config", "PyMySQL"),
    Missing(r"ffi\.h: No such file", "libffi's headers (ffi.h)", "libffi-dev"),
    Missing(r"openssl/[a-z0-9_]+\.h: No such file", "OpenSSL's headers", "libssl-dev"),
    Missing(r"libxml/[a-z0-9_]+\.h: No such file|xml2-config: (command )?not found|Please make sure the libxml2",
            "libxml2's headers", "libxml2-dev and libxslt1-dev"),
    Missing(r"libxslt/[a-z0-9_]+\.h: No such file", "libxslt's headers", "libxslt1-dev"),
    Missing(r"xmlsec1?-config|xmlsec/xmlsec\.h: No such file", "xmlsec's headers", "libxmlsec1-dev"),
    Missing(r"krb5-config: (command )?not found|krb5-config.*No such file|gssapi/gssapi\.h: No such file",
            "krb5-config and Kerberos' headers", "libkrb5-dev"),
    Missing(r"lber\.h: No such file|ldap\.h: No such file", "OpenLDAP's headers", "libldap2-dev and libsasl2-dev"),
    Missing(r"sasl/sasl\.h: No such file", "Cyrus SASL's headers", "libsasl2-dev"),
    Missing(r"headers or library files could not be found for jpeg|jpeglib\.h: No such file",
            "libjpeg's headers", "libjpeg-dev"),
    Missing(r"headers or library files could not be found for zlib|zlib\.h: No such file", "zlib's headers",
            "zlib1g-dev"),
    Missing(r"sqlite3\.h: No such file", "SQLite's headers", "libsqlite3-dev"),
    Missing(r"portaudio\.h: No such file", "PortAudio's headers", "portaudio19-dev"),
    Missing(r"cairo\.h: No such file|Dependency \"cairo\" not found", "cairo's headers", "libcairo2-dev"),
    Missing(r"geos-config|geos_c\.h: No such file", "GEOS (geos-config)", "libgeos-dev"),
    Missing(r"proj\.h: No such file|proj executable not found", "PROJ's headers", "libproj-dev and proj-bin"),
    Missing(r"ft2build\.h: No such file", "FreeType's headers", "libfreetype-dev"),
    Missing(r"hdf5\.h: No such file|HDF5 library not found", "HDF5's headers", "libhdf5-dev"),
    Missing(r"pkg-config: (command )?not found|Did not find pkg-config|pkg-config is required", "pkg-config",
            "pkg-config"),
    Missing(r"can't find Rust compiler|cargo: (command )?not found|rustc: (command )?not found",
            "a Rust compiler (cargo)", "cargo and rustc"),
    Missing(r"command '[^']*gcc' failed: No such file|unable to execute '[^']*gcc'|gcc: (command )?not found|"
            r"error: command 'cc' failed: No such file", "a C compiler (gcc)", "build-essential"),
)
_COMPILED = tuple((re.compile(m.pattern), m) for m in KNOWN)
_FAILED_TO_BUILD = re.compile(r"Failed to build (?:installable wheels for some pyproject\.toml based projects)?\s*[`]?"
                              r"\(?([A-Za-z0-9][A-Za-z0-9._-]*)")
_BUILDING = re.compile(r"(?:Building wheel for|Running setup\.py (?:install|develop) for|Collecting|"
                       r"Building editable for|Preparing metadata .*for|Obtaining) ([A-Za-z0-9][A-Za-z0-9._-]*)")
_GIVE_UP = re.compile(r"^\s*(?:╰─>|->)\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*$")


def missing(lines: Sequence[str]) -> Optional[Missing]:
    """The first known missing build requirement the output names, or None."""
    return next((found for line in lines for pattern, found in _COMPILED if pattern.search(line)), None)


def failed_distribution(lines: Sequence[str]) -> str:
    """The distribution that failed to build, as pip names it ("" when it does not)."""
    named = ""
    for i, line in enumerate(lines):
        match = _FAILED_TO_BUILD.search(line)
        if match and not match.group(1).startswith("installable"):
            return match.group(1)
        if "Failed to build installable wheels" in line and i + 1 < len(lines):
            give_up = _GIVE_UP.match(lines[i + 1])
            if give_up:
                return give_up.group(1)
        building = _BUILDING.search(line)
        if building:
            named = building.group(1)
    return named


def explain(installer: str, lines: Sequence[str], fallback: BuildpackError) -> BuildpackError:
    """The error for an installer that failed with this output: what is missing when it is known,
    else fallback."""
    lines = lines[-400:]  # the end of the output: where the failure is
    found = missing(lines)
    if found is None:
        return fallback
    message = "{} could not build {} from source: it needs {}, which the build image does not have.".format(
        installer, failed_distribution(lines) or "a package", found.what)
    hints = ["Use a builder whose build image has it ({}), or add the Debian/Ubuntu package {} to your build "
             "image.".format(FULL_BUILDERS, found.debian)]
    if found.instead:
        hints.append("Or install {} instead: it comes as prebuilt wheels.".format(found.instead))
    hints.append("The installer's output is above.")
    return BuildpackError(message, hint="\n".join(hints))


# What Poetry ("pyproject.toml changed significantly since poetry.lock was last generated"),
# Pipenv ("Pipfile.lock out of date") and uv ("The lockfile at `uv.lock` needs to be updated")
# say when the lock is stale.
_STALE_LOCK = re.compile(r"out[- ]of[- ]date|changed significantly|needs to be updated|not up[- ]to[- ]date", re.I)


def stale_lock(tool: str, manifest: str, how: Lock, lines: Sequence[str]) -> Optional[BuildpackError]:
    """The error for a lock its tool says is stale, with the tool's own words; None when it does not say so."""
    said = next((line.strip() for line in lines if _STALE_LOCK.search(line)), None)
    if said is None:
        return None
    said = re.sub(r"^(?:error|ERROR|Error):\s*", "", said)
    return BuildpackError("{} is out of date with {} ({} says: {})".format(how.file, manifest, tool, said[-300:]),
                          hint="Run `{}` and commit the new {}.".format(how.fix, how.file))


def lock_check_failed(tool: str, manifest: str, how: Lock, code: int, lines: Sequence[str]) -> BuildpackError:
    """The error for a lock check that failed: a stale lock when the tool says so, else the
    tool's own last words (an unreadable lock, a broken manifest) rather than a guess."""
    said = next((line.strip() for line in reversed(lines) if line.strip()), "exit {}".format(code))
    return stale_lock(tool, manifest, how, lines) or BuildpackError("{} could not check {} against {} (exit {}): {}".format(
        tool, how.file, manifest, code, said[-300:]),
        hint="Its output is above. Fix {} or {}, run `{}` locally, and commit both.".format(
            manifest, how.file, how.fix))
