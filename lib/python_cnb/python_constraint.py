"""The Python versions a project allows, as its package manager reads them: `requires-python` in
pyproject.toml's [project] (PEP 440), and for Poetry also `python` in [tool.poetry.dependencies]
(Poetry's own syntax: ^3.12, ~3.12, 3.12.*, ">=3.11 <3.14", "3.11 || 3.12"). Both pick the
runtime when nothing with precedence pins it (project.py); and before any installer runs, a
runtime pinned elsewhere that they do not allow is an error naming both and where each came
from, where Poetry and uv would only say "lock file out of date" or "Group(s) not found"."""
import os
import re
from typing import List, NamedTuple, Optional

from . import appfiles
from .errors import BuildpackError
from .installers import Installer
from .versions import parse_specifier, specifier_allows

_VERSION = re.compile(r"^([0-9]+)(?:\.([0-9]+|\*|x))?(?:\.([0-9]+|\*|x))?(?:\.\*)?$")
_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|\^|~)?\s*(.*)$")
FIX_FILE = "Fix the file (a TOML linter shows where), then build again."
REQUIRES_PYTHON = "requires-python in pyproject.toml"
POETRY_PYTHON = "[tool.poetry.dependencies] python in pyproject.toml"
PYLOCK_PYTHON = "requires-python in pylock.toml"


class Constraint(NamedTuple):
    specifier: str   # PEP 440; alternatives joined by " || " (Poetry's or)
    written: str     # as the project wrote it, for messages: 'python = "^3.14"'
    source: str      # where: "[tool.poetry.dependencies] python in pyproject.toml"


def _bound(op: str, text: str, written: str) -> List[str]:
    """One of Poetry's single constraints as PEP 440 clauses."""
    match = _VERSION.match(text)
    if not match:
        raise ValueError(written)
    parts = [p for p in match.groups() if p is not None and p not in ("*", "x")]
    wildcard = len(parts) < len([p for p in match.groups() if p is not None]) or text.endswith(".*")
    numbers = [int(p) for p in parts]
    version = ".".join(parts)
    if op in ("^", "~"):  # up to the next release of ^'s first non-zero part, or ~'s minor (major if alone)
        bump = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1) if op == "^" \
            else min(len(numbers), 2) - 1
        return [">=" + version, "<" + ".".join(str(n) for n in numbers[:bump] + [numbers[bump] + 1])]
    if op in ("", "=="):
        if not parts:
            return []
        return ["==" + version + (".*" if wildcard or (op == "" and len(parts) < 3) else "")]
    if wildcard:
        raise ValueError(written)
    return [op + version]


def from_poetry(text: str) -> str:
    """Poetry's constraint syntax as a PEP 440 specifier ("" allows every version); ValueError
    when it is not one."""
    alternatives = []
    for alternative in re.split(r"\s*\|\|?\s*", text.strip()):
        clauses = []  # type: List[str]
        for single in re.split(r"\s*,\s*|\s+(?=[<>=!~^0-9*])", alternative.strip()):
            if single in ("", "*"):
                continue
            op, version = _OPERATOR.match(single).groups()  # type: ignore  # the pattern matches any text
            clauses += _bound(op or "", version.strip(), text)
        alternatives.append(",".join(clauses))
    return " || ".join(alternatives) if all(alternatives) else ""


def declared(app_dir: str, installer: Optional[Installer]) -> Optional[Constraint]:
    """The project's constraint, or None when it states none. With both requires-python and
    Poetry's `python` (a Poetry project), the runtime must satisfy both."""
    document = appfiles.read_toml(app_dir, "pyproject.toml", FIX_FILE)
    found = []  # type: List[Constraint]
    requires = document.get(("project", "requires-python"), (str,))
    if requires is not None and requires.strip():
        found.append(_requires_python(requires, REQUIRES_PYTHON))  # an invalid one is an error here
    poetry = document.get(("tool", "poetry", "dependencies", "python"), (str,)) \
        if installer in (Installer.POETRY, Installer.PIP_PROJECT) else None
    if poetry is not None and poetry.strip():
        written = 'python = "{}"'.format(poetry.strip())
        try:
            specifier = from_poetry(poetry)
            specifier_allows(specifier, "0")
        except ValueError:  # InvalidSpecifier is a ValueError
            raise BuildpackError("pyproject.toml has {} in [tool.poetry.dependencies], which is not a version "
                                 "constraint Poetry reads.".format(written),
                                 hint='Write one such as python = "^3.12" or python = ">=3.11,<3.14".')
        if specifier:
            found.append(Constraint(specifier, written, POETRY_PYTHON))
    if len(found) < 2:
        return found[0] if found else None
    both = " || ".join("{},{}".format(found[0].specifier, alternative) for alternative in found[1].specifier.split(" || "))
    return Constraint(both, "{} and {}".format(found[0].written, found[1].written),
                      "requires-python and [tool.poetry.dependencies] python in pyproject.toml")


def _requires_python(requires: str, source: str) -> Constraint:
    request = parse_specifier(requires, source)
    return Constraint(request.specifier or "==" + request.text + ".*",
                      'requires-python = "{}"'.format(requires.strip()), source)


def check(app_dir: str, installer: Optional[Installer], version: str, version_source: str) -> None:
    """An error when the project's constraint does not allow the chosen runtime (version,
    chosen from version_source): its installer would refuse it, and not say why."""
    if installer is Installer.PYLOCK:
        requires = appfiles.read_toml(app_dir, "pylock.toml", FIX_FILE).get(("requires-python",), (str,))
        locked = _requires_python(requires, PYLOCK_PYTHON) if (requires or "").strip() else None
        if locked is not None and not specifier_allows(locked.specifier, version):
            raise BuildpackError("pylock.toml has {}, which does not allow Python {}, the runtime chosen ({}).".format(
                locked.written, version, version_source),
                hint="Ask for a Python version it allows, or lock again for this one.")
        return
    if installer not in (Installer.POETRY, Installer.UV, Installer.PIP_PROJECT) or \
            not os.path.isfile(os.path.join(app_dir, "pyproject.toml")):
        return
    constraint = declared(app_dir, installer)
    if constraint is None or specifier_allows(constraint.specifier, version):
        return
    tool = installer.value if installer != Installer.PIP_PROJECT else "pip"
    raise BuildpackError(
        "{} ({}) does not allow Python {}, the runtime chosen ({}): {} would refuse the project.".format(
            constraint.written, constraint.source, version, version_source, tool),
        hint="Make them agree: ask for a Python version that {} allows, or change the constraint{}.".format(
            constraint.written, " and run `{}`".format(installer.lock.fix) if installer.lock else ""))

