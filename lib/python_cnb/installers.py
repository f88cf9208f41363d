"""The ways an app's dependencies are installed: one closed set, each member owning its manifest,
its lock file, its package-manager tool and the commands that check and export the lock. The
dependencies are installed by pip (layers/dependencies.py); the package managers only
check and export their locks (layers/tools.py keeps them, pinned, in build-only layers). A
requirements.txt app may opt into uv instead of pip (uv_install.py, BP_PYTHON_PACKAGE_MANAGER=uv)."""
from enum import Enum
from typing import NamedTuple, Optional, Tuple


class Tool(NamedTuple):
    """A package manager pinned by this buildpack, in a layer of its own."""
    name: str                  # also the layer's name and the module run with `python -m`
    version: str
    packages: Tuple[str, ...]  # what pip installs
    min_python: Tuple[int, int]


class Lock(NamedTuple):
    """How a lock becomes a pip install: check it is current, export its main (non-dev) packages
    with their hashes, pip installs them. Commands are arguments to `python -m <tool>`."""
    file: str
    check: Tuple[str, ...]
    export: Tuple[str, ...]
    fix: str                   # the command that refreshes the lock, for messages


PIPENV_TOOL = Tool("pipenv", "2024.4.1", ("pipenv==2024.4.1",), (3, 8))
POETRY_TOOL = Tool("poetry", "2.2.1", ("poetry==2.2.1", "poetry-plugin-export==1.9.0"), (3, 9))
UV_TOOL = Tool("uv", "0.13.9", ("uv==0.13.9",), (3, 8))


class Installer(str, Enum):
    """Compares equal to its value (what dependencies.toml records); format it with .value."""
    PIP = "pip"                  # requirements.txt
    PIP_PROJECT = "pip-project"  # pyproject.toml / setup.py alone: `pip install --editable .`
    PIPENV = "pipenv"
    POETRY = "poetry"
    UV = "uv"

    @property
    def manifest(self) -> str:
        return _MANIFESTS[self]

    @property
    def lock(self) -> Optional[Lock]:
        return _LOCKS.get(self)

    @property
    def tool(self) -> Optional[Tool]:
        return _TOOLS.get(self)

    @classmethod
    def for_lock_file(cls, name: str) -> "Installer":
        return next(i for i, lock in _LOCKS.items() if lock.file == name)


_MANIFESTS = {Installer.PIP: "requirements.txt", Installer.PIP_PROJECT: "pyproject.toml",
              Installer.PIPENV: "Pipfile", Installer.POETRY: "pyproject.toml", Installer.UV: "pyproject.toml"}
# In the order lock files are looked for.
_LOCKS = {
    Installer.PIPENV: Lock("Pipfile.lock", ("verify",), ("requirements", "--hash"), "pipenv lock"),
    # poetry-plugin-export exports the main group alone by default; `--only main` said "Group(s)
    # not found: main" for a project with no main dependencies.
    Installer.POETRY: Lock("poetry.lock", ("check", "--lock"), ("export", "--format", "requirements.txt"),
                           "poetry lock"),
    Installer.UV: Lock("uv.lock", ("lock", "--check"),
                       ("export", "--frozen", "--no-dev", "--format", "requirements.txt", "--no-header"), "uv lock"),
}
_TOOLS = {Installer.PIPENV: PIPENV_TOOL, Installer.POETRY: POETRY_TOOL, Installer.UV: UV_TOOL}
LOCK_FILES = tuple(lock.file for lock in _LOCKS.values())
