"""Python version requests: what the app asks for, parsed from the text it wrote, and where.

A request is one of: an exact release (3.12.1), a release line (3.12: its newest patch), a major
(3), or a PEP 440 specifier set (from requires-python). Resolution against a stack's catalog is
catalog.py's job."""
import datetime
import re
from enum import Enum
from typing import NamedTuple, Optional, Tuple

from . import vendored
from .errors import BuildpackError, as_written

# End of life per release line (the first day it is no longer supported), from python.org's
# release-cycle data: for warnings, and the release lines python-cnb knows exist.
END_OF_LIFE = {
    (2, 7): datetime.date(2020, 1, 1),
    (3, 4): datetime.date(2019, 3, 18),
    (3, 5): datetime.date(2020, 9, 30),
    (3, 6): datetime.date(2021, 12, 23),
    (3, 7): datetime.date(2023, 6, 27),
    (3, 8): datetime.date(2024, 10, 7),
    (3, 9): datetime.date(2025, 10, 31),
    (3, 10): datetime.date(2026, 10, 31),
    (3, 11): datetime.date(2027, 10, 31),
    (3, 12): datetime.date(2028, 10, 31),
    (3, 13): datetime.date(2029, 10, 31),
    (3, 14): datetime.date(2030, 10, 31),
    (3, 15): datetime.date(2031, 10, 31),
}

Release = Tuple[int, int, int]

# ASCII digits, a few of them: \d would take any script's digits and int() can refuse long ones.
_VERSION = re.compile(r"^([0-9]{1,9})(?:\.([0-9]{1,9})(?:\.([0-9]{1,9}|x|\*))?)?$")
_PEP440_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "~=", "===")


class VersionOrigin(Enum):
    """Who asked: the app or its platform env (a pin), or nobody this time (the version the
    previous build used, kept so an unpinned app does not jump versions)."""
    PINNED = "pinned"
    PREVIOUS_BUILD = "previous build"


class VersionRequest(NamedTuple):
    text: str        # as the app wrote it, e.g. "3.12", "python-3.12.1", ">=3.10,<3.13"
    source: str      # where it was found, for the log: "runtime.txt", "BP_PYTHON_VERSION", ...
    parts: Tuple[int, ...] = ()   # (3,), (3, 12) or (3, 12, 1); () for a specifier set
    specifier: str = ""           # a PEP 440 specifier set, when that is what was asked
    origin: VersionOrigin = VersionOrigin.PINNED

    @property
    def is_exact(self) -> bool:
        return len(self.parts) == 3

    def describe(self) -> str:
        return self.specifier or ".".join(str(p) for p in self.parts)


def format_release(release: Release) -> str:
    return "{}.{}.{}".format(*release)


def parse_release(text: str) -> Release:
    """A catalog's exact version string, e.g. '3.12.1'."""
    major, minor, patch = text.split(".")
    return int(major), int(minor), int(patch)


def parse_request(text: str, source: str, example: str = "3.12.1",
                  origin: VersionOrigin = VersionOrigin.PINNED) -> VersionRequest:
    """A plain version as runtime.txt, .python-version or BP_PYTHON_VERSION write it:
    3, 3.12, 3.12.1, 3.12.x, 3.12.*, optionally prefixed by `python-` or `python`."""
    cleaned = text.strip()
    bare = re.sub(r"^python-?", "", cleaned, flags=re.IGNORECASE)
    match = _VERSION.match(bare)
    if not match:
        shown = as_written(cleaned if len(cleaned) <= 60 else cleaned[:57] + "...")
        raise BuildpackError(
            "{} asks for Python {!r}, which is not a Python version.".format(source, shown),
            hint="Write a version such as {}, or {} for the newest {} patch the stack offers.".format(
                example, example.rsplit(".", 1)[0], re.sub(r"^python-", "", example.rsplit(".", 1)[0])),
        )
    parts = tuple(int(g) for g in match.groups() if g is not None and g not in ("x", "*"))
    return VersionRequest(text=cleaned, source=source, parts=parts, origin=origin)


def parse_specifier(text: str, source: str) -> VersionRequest:
    """requires-python: a PEP 440 specifier set such as '>=3.10,<3.13'. A bare version is taken
    as that version (==)."""
    specifiers = vendored.load("packaging.specifiers")
    cleaned = text.strip()
    if not cleaned.startswith(_PEP440_OPERATORS) and _VERSION.match(cleaned):
        return parse_request(cleaned, source)
    try:
        for clause in cleaned.split(","):
            specifiers.Specifier(clause.strip())  # strict PEP 440: SpecifierSet would accept legacy forms
    except specifiers.InvalidSpecifier:
        raise BuildpackError(
            "{} has requires-python = {!r}, which is not a valid version specifier.".format(source, as_written(cleaned)),
            hint="Use PEP 440 syntax, for example requires-python = \">=3.11\".",
        )
    return VersionRequest(text=cleaned, source=source, specifier=cleaned)


def specifier_allows(specifier: str, version: str) -> bool:
    """Whether version satisfies a PEP 440 specifier set, or any of several joined by " || "
    (Poetry's or); "" allows every version. ValueError for an invalid specifier."""
    specifiers = vendored.load("packaging.specifiers")
    return any(specifiers.SpecifierSet(alternative).contains(version, prereleases=False)
               for alternative in specifier.split(" || "))


def end_of_life(release: Release, today: datetime.date) -> Optional[datetime.date]:
    """The end-of-life date of the release's line, if that date has passed."""
    eol = END_OF_LIFE.get(release[:2])
    return eol if eol is not None and eol <= today else None
