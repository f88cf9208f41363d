"""Read-only analysis of the app directory: one frozen value saying what the app asks for and
where each answer came from. Nothing here writes."""
import os
from typing import Callable, FrozenSet, List, Mapping, NamedTuple, Optional, Tuple

from . import appfiles, local_packages, python_constraint, requirements
from .errors import BuildpackError
from .installers import LOCK_FILES, Installer
from .settings import DISABLE_COLLECTSTATIC, LOCK_FILE, PYTHON_VERSION, Settings
from .procfile import ProcfileEntry, WebEntry, infer_web_entry, parse_procfile
from .versions import VersionRequest, parse_request, parse_specifier


class Project(NamedTuple):
    app_dir: str
    files: FrozenSet[str]                   # names in the app's root
    version_request: Optional[VersionRequest]
    installer: Optional[Installer]          # None: nothing to install
    dependency_inputs: Tuple[str, ...]      # files whose contents key the dependencies layer
    procfile: Tuple[ProcfileEntry, ...]
    web_entry: Optional[WebEntry]
    notes: Tuple[str, ...]                  # warnings found while reading, for the log
    # requirements.txt's paths and git+file repositories, read with ${NAME} expanded from the env
    requirement_sources: Tuple[local_packages.LocalSource, ...] = ()
    package_name: str = ""                  # a uv project's [project] name (uv installs it non-editable)
    lock_environments: Tuple[str, ...] = ()  # pylock.toml's `environments` markers (none: any)


def analyse(app_dir: str, settings: Settings, env: Optional[Mapping[str, str]] = None) -> Project:
    """env: the build's environment, which `${NAME}` in requirements files expands from (as pip
    does); None expands nothing."""
    files = frozenset(os.listdir(app_dir))
    notes = []  # type: List[str]
    installer, inputs = _installer(app_dir, files, notes, (env, settings.lock_file))
    for name in inputs:  # their bytes key the dependencies layer: each must be a readable file
        appfiles.read_bytes(app_dir, name)
    procfile = tuple(parse_procfile(appfiles.read_text(app_dir, "Procfile", appfiles.PROCFILE))) \
        if "Procfile" in files else ()  # type: Tuple[ProcfileEntry, ...]
    return Project(
        app_dir=app_dir,
        files=files,
        version_request=_version_request(app_dir, files, settings.python_version, notes, installer),
        installer=installer,
        dependency_inputs=tuple(inputs),
        procfile=procfile,
        web_entry=None if procfile else infer_web_entry(app_dir, files),
        notes=tuple(notes),
        requirement_sources=requirements.parse(app_dir, inputs[0], env).sources if installer == Installer.PIP else (),
        package_name=(_pyproject(app_dir).get(("project", "name"), (str,)) or "") if installer is Installer.UV else "",
        lock_environments=tuple(str(e) for e in _pylock(app_dir).get(("environments",), (list,)) or ())
        if installer is Installer.PYLOCK else (),
    )


# -- Python version: first found wins ---------------------------------------------------------

def _version_request(app_dir: str, files: FrozenSet[str], setting: str,
                     notes: List[str], installer: Optional[Installer]) -> Optional[VersionRequest]:
    """setting: BP_PYTHON_VERSION ("" when unset)."""
    pins = []  # type: List[Tuple[str, Callable[[], VersionRequest]]]
    if setting:
        pins.append((PYTHON_VERSION, lambda: parse_request(setting, PYTHON_VERSION)))
    if "runtime.txt" in files:
        pins.append(("runtime.txt", lambda: parse_request(
            appfiles.read_text(app_dir, "runtime.txt", appfiles.SMALL).strip(), "runtime.txt", example="python-3.12.1")))
    if ".python-version" in files:
        pins.append((".python-version", lambda: _python_version_file(app_dir)))
    if pins:
        chosen = pins[0][1]()
        for source, later in pins[1:]:
            _note_disagreement(chosen, source, later, notes)
        return chosen
    if "Pipfile.lock" in files:
        request = _pipfile_lock_request(app_dir)
        if request:
            return request
    if installer is Installer.PYLOCK:  # its requires-python, at pyproject's precedence
        requires = _pylock(app_dir).get(("requires-python",), (str,))
        if requires is not None and requires.strip():
            return parse_specifier(requires, python_constraint.PYLOCK_PYTHON)
    constraint = python_constraint.declared(app_dir, installer) if "pyproject.toml" in files else None
    if constraint is not None and constraint.source == python_constraint.REQUIRES_PYTHON:
        requires = _pyproject(app_dir).get(("project", "requires-python"), (str,)) or ""
        return parse_specifier(requires, constraint.source)
    if constraint is not None:  # Poetry's `python`, at the same precedence
        return VersionRequest(constraint.written, constraint.source, specifier=constraint.specifier)
    return None


def _python_version_file(app_dir: str) -> VersionRequest:
    lines = [l.strip() for l in appfiles.read_text(app_dir, ".python-version", appfiles.SMALL).splitlines()]
    lines = [l for l in lines if l and not l.startswith("#")]
    if not lines:
        raise BuildpackError(".python-version is empty.", hint="Write a version such as 3.12 in it, or delete it.")
    return parse_request(lines[0], ".python-version", example="3.12.1")


def _note_disagreement(chosen: VersionRequest, source: str, later: Callable[[], VersionRequest],
                       notes: List[str]) -> None:
    """A pin that one with precedence overrides is ignored; say so when it disagrees."""
    try:
        other = later()
    except BuildpackError as e:
        notes.append("{} is ignored ({} comes first), and it is not usable: {}".format(source, chosen.source, e.message))
        return
    shorter = min(len(chosen.parts), len(other.parts))
    if chosen.parts[:shorter] != other.parts[:shorter]:
        notes.append("{} asks for Python {}, but {} asks for {} and comes first: using {}. Make them agree, "
                     "or delete {}.".format(other.source, other.describe(), chosen.source, chosen.describe(),
                                            chosen.describe(), other.source))


def _pipfile_lock_request(app_dir: str) -> Optional[VersionRequest]:
    lock = appfiles.read_json(app_dir, "Pipfile.lock", "Regenerate it with `pipenv lock` and commit it.")
    for key in ("python_full_version", "python_version"):
        value = lock.get(("_meta", "requires", key), (str,))
        if value is not None and value.strip():
            return parse_request(value, "Pipfile.lock ({})".format(key))
    return None


def _pylock(app_dir: str) -> appfiles.Document:
    return appfiles.read_toml(app_dir, "pylock.toml", "Regenerate it (e.g. `uv export --format pylock.toml -o "
                                                      "pylock.toml`) and commit it.")


def _pyproject(app_dir: str) -> appfiles.Document:
    return appfiles.read_toml(app_dir, "pyproject.toml", python_constraint.FIX_FILE)


def _check_pipfile(app_dir: str) -> None:
    """pipenv's own traceback is all a user would get for a broken Pipfile: check it first."""
    pipfile = appfiles.read_toml(app_dir, "Pipfile", "Fix the Pipfile (a TOML linter shows where), "
                                                     "run `pipenv lock`, and commit both.")
    for section in ("packages", "dev-packages"):
        for name in sorted(pipfile.get((section,), (dict,)) or {}):
            pipfile.get((section, name), (str, dict))
    for key in ("python_version", "python_full_version"):
        pipfile.get(("requires", key), (str,))
    for source in pipfile.get(("source",), (list,)) or []:
        if not isinstance(source, dict):
            raise BuildpackError("Pipfile: each [[source]] must be a table.", hint=pipfile.fix)


# -- Dependencies: which installer, keyed on which files --------------------------------------

def _chosen_locks(files: FrozenSet[str], chosen: str) -> List[str]:
    """The lock files to install from: the one the user chose (BP_PYTHON_LOCK_FILE), else every
    one the app has, which must be at most one."""
    locks = [lock for lock in LOCK_FILES if lock in files]
    if chosen:
        if chosen not in files:
            raise BuildpackError("{}={} but the app has no {}.".format(LOCK_FILE, chosen, chosen),
                                 hint="Commit {}, or set {} to the lock the app has ({}), or unset it.".format(
                                     chosen, LOCK_FILE, ", ".join(locks) or "none"))
        return [chosen]
    if len(locks) > 1:
        raise BuildpackError(
            "More than one lock file: {}. python-cnb cannot tell which package manager the app uses.".format(
                " and ".join(locks)),
            hint="Keep the lock file of the package manager you use and delete the other{}, or choose one with "
                 "{}={}.".format("s" if len(locks) > 2 else "", LOCK_FILE, locks[0]))
    return locks


def _installer(app_dir: str, files: FrozenSet[str], notes: List[str],
               given: Tuple[Optional[Mapping[str, str]], str]) -> Tuple[Optional[Installer], List[str]]:
    """given: the build's env (for requirements files' ${NAME}) and the lock file the user chose."""
    env, chosen = given
    locks = _chosen_locks(files, chosen)
    installer = Installer.for_lock_file(locks[0]) if locks else (Installer.PIPENV if "Pipfile" in files else None)
    if installer is not None:
        manifest = installer.manifest
        if manifest not in files:
            raise BuildpackError("{} is here but {} is not.".format(locks[0], manifest),
                                 hint="Commit {} too ({} needs both), or remove {}.".format(
                                     manifest, installer.value, locks[0]))
        if installer == Installer.PIPENV:
            _check_pipfile(app_dir)
        if "requirements.txt" in files:
            notes.append("Both {} and requirements.txt are present: installing with {}; requirements.txt "
                         "is ignored.".format(locks[0] if locks else manifest, installer.value))
        return installer, [manifest] + [lock for lock in locks if lock != manifest]
    if "requirements.txt" in files:
        appfiles.read_bytes(app_dir, "requirements.txt")  # a file, readable, before its includes are followed
        return Installer.PIP, requirement_files(app_dir, "requirements.txt", env)
    project = [n for n in local_packages.PROJECT_FILES if n in files]
    return (Installer.PIP_PROJECT if project else None), project


def requirement_files(app_dir: str, first: str, env: Optional[Mapping[str, str]] = None) -> List[str]:
    """first and every file it includes with -r/-c (requirements.py reads them as pip does), as
    app-relative paths; plus the project files of each editable package in the app (`-e .`,
    `-e ./localpkg`): what its install reads. Other local sources key the layer in
    steps/dependencies.py."""
    parsed = requirements.parse(app_dir, first, env)
    files = list(parsed.files)
    for source in parsed.sources:
        files.extend(n for n in local_packages.project_files(app_dir, source) if n not in files)
    return files


# -- Django's collectstatic ---------------------------------------------------------------------

COLLECTSTATIC_SWITCH = os.path.join(".heroku", "collectstatic_disabled")  # v242's switch file


def collectstatic_disabled(app_dir: str, settings: Settings) -> str:
    """Why collectstatic is off ("" when it is on)."""
    if settings.disable_collectstatic:
        return "{}={}".format(DISABLE_COLLECTSTATIC, settings.disable_collectstatic)
    if os.path.isfile(os.path.join(app_dir, COLLECTSTATIC_SWITCH)):
        return "{} exists".format(COLLECTSTATIC_SWITCH)
    return ""
