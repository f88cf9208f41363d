"""Read-only analysis of the app directory: one frozen value saying what the app asks for and
where each answer came from. Nothing here writes."""
import json
import os
from typing import FrozenSet, List, Mapping, NamedTuple, Optional, Tuple

from . import local_packages, requirements, vendored
from .errors import BuildpackError
from .process import ProcfileEntry, WebEntry, infer_web_entry, parse_procfile
from .versions import VersionRequest, parse_request, parse_specifier

PIP, PIPENV, POETRY, UV, PIP_PROJECT = "pip", "pipenv", "poetry", "uv", "pip-project"
# Lock files and the installer each implies, in the order they are looked for.
LOCKFILES = (("Pipfile.lock", PIPENV), ("poetry.lock", POETRY), ("uv.lock", UV))


class Project(NamedTuple):
    app_dir: str
    files: FrozenSet[str]                   # names in the app's root
    version_request: Optional[VersionRequest]
    installer: Optional[str]                # PIP, PIPENV, PIP_PROJECT or None (nothing to install)
    dependency_inputs: Tuple[str, ...]      # files whose contents key the dependencies layer
    procfile: Tuple[ProcfileEntry, ...]
    web_entry: Optional[WebEntry]
    notes: Tuple[str, ...]                  # warnings found while reading, for the log


def analyse(app_dir: str, env: Mapping[str, str]) -> Project:
    files = frozenset(os.listdir(app_dir))
    notes = []  # type: List[str]
    installer, inputs = _installer(app_dir, files, notes)
    procfile = ()  # type: Tuple[ProcfileEntry, ...]
    if "Procfile" in files:
        procfile = tuple(parse_procfile(_read(app_dir, "Procfile")))
    return Project(
        app_dir=app_dir,
        files=files,
        version_request=_version_request(app_dir, files, env),
        installer=installer,
        dependency_inputs=tuple(inputs),
        procfile=procfile,
        web_entry=None if procfile else infer_web_entry(app_dir, files),
        notes=tuple(notes),
    )


def _read(app_dir: str, name: str) -> str:
    try:
        with open(os.path.join(app_dir, name), encoding="utf-8-sig") as f:
            return f.read()
    except UnicodeDecodeError:
        raise BuildpackError("{} is not UTF-8 text.".format(name), hint="Save it as UTF-8 and build again.")


# -- Python version: first found wins ---------------------------------------------------------

def _version_request(app_dir: str, files: FrozenSet[str], env: Mapping[str, str]) -> Optional[VersionRequest]:
    if env.get("BP_PYTHON_VERSION", "").strip():
        return parse_request(env["BP_PYTHON_VERSION"], "BP_PYTHON_VERSION")
    if "runtime.txt" in files:
        text = _read(app_dir, "runtime.txt").strip()
        return parse_request(text, "runtime.txt", example="python-3.12.1")
    if ".python-version" in files:
        lines = [l.strip() for l in _read(app_dir, ".python-version").splitlines()]
        lines = [l for l in lines if l and not l.startswith("#")]
        if not lines:
            raise BuildpackError(".python-version is empty.", hint="Write a version such as 3.12 in it, or delete it.")
        return parse_request(lines[0], ".python-version", example="3.12.1")
    if "Pipfile.lock" in files:
        request = _pipfile_lock_request(_read(app_dir, "Pipfile.lock"))
        if request:
            return request
    if "pyproject.toml" in files:
        requires = _pyproject(app_dir).get("project", {}).get("requires-python")
        if isinstance(requires, str) and requires.strip():
            return parse_specifier(requires, "requires-python in pyproject.toml")
    return None


def _pipfile_lock_request(text: str) -> Optional[VersionRequest]:
    try:
        requires = json.loads(text).get("_meta", {}).get("requires", {})
    except (ValueError, AttributeError):
        raise BuildpackError("Pipfile.lock is not valid JSON.",
                             hint="Regenerate it with `pipenv lock` and commit it.")
    for key in ("python_full_version", "python_version"):
        value = requires.get(key) if isinstance(requires, dict) else None
        if isinstance(value, str) and value.strip():
            return parse_request(value, "Pipfile.lock ({})".format(key))
    return None


def _pyproject(app_dir: str) -> dict:
    toml = vendored.load("toml")
    try:
        return toml.loads(_read(app_dir, "pyproject.toml"))
    except toml.TomlDecodeError as e:
        raise BuildpackError("pyproject.toml is not valid TOML: {}.".format(e),
                             hint="Fix the file (a TOML linter shows where), then build again.")


# -- Dependencies: which installer, keyed on which files --------------------------------------

PROJECT_FILES = local_packages.PROJECT_FILES


def _installer(app_dir: str, files: FrozenSet[str], notes: List[str]) -> Tuple[Optional[str], List[str]]:
    locks = [lock for lock, _ in LOCKFILES if lock in files]
    if len(locks) > 1:
        raise BuildpackError(
            "More than one lock file: {}. python-cnb cannot tell which package manager the app uses.".format(
                " and ".join(locks)),
            hint="Keep the lock file of the package manager you use and delete the other{}.".format(
                "s" if len(locks) > 2 else ""))
    installer = dict(LOCKFILES).get(locks[0]) if locks else (PIPENV if "Pipfile" in files else None)
    if installer is not None:
        manifest = "Pipfile" if installer == PIPENV else "pyproject.toml"
        if manifest not in files:
            raise BuildpackError("{} is here but {} is not.".format(locks[0], manifest),
                                 hint="Commit {} too ({} needs both), or remove {}.".format(manifest, installer, locks[0]))
        if "requirements.txt" in files:
            notes.append("Both {} and requirements.txt are present: installing with {}; requirements.txt "
                         "is ignored.".format(locks[0] if locks else manifest, installer))
        return installer, [manifest] + locks
    if "requirements.txt" in files:
        return PIP, requirement_files(app_dir, "requirements.txt")
    project = [n for n in PROJECT_FILES if n in files]
    if project:
        return PIP_PROJECT, project
    return None, []


def requirement_files(app_dir: str, first: str) -> List[str]:
    """first and every file it includes with -r/-c (requirements.py reads them as pip does), as
    app-relative paths; plus the project files of each editable package in the app (`-e .`,
    `-e ./localpkg`): what its install reads. Other local sources key the layer in
    layers/dependencies.py."""
    parsed = requirements.parse(app_dir, first)
    files = list(parsed.files)
    for source in parsed.sources:
        files.extend(n for n in local_packages.project_files(app_dir, source) if n not in files)
    return files
