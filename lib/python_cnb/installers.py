"""The ways an app's dependencies are installed: one closed set, each member owning its manifest,
its lock file and its package-manager tool. Each is one module in steps/ (pip_install,
uv_pip_install, pipenv_sync, poetry_sync, uv_sync, pylock_install), dispatched by
steps/dependencies.py through a mapping keyed by Installer. A lock is installed by its own tool
with that tool's semantics (`uv sync --locked`, `poetry sync`, `pipenv sync`); the tools are
pinned here and kept in build-only layers (steps/tools.py)."""
from enum import Enum
from typing import NamedTuple, Optional, Tuple


class Tool(NamedTuple):
    """A package manager pinned by this buildpack, in a layer of its own."""
    name: str                  # also the layer's name and the module run with `python -m`
    version: str
    packages: Tuple[str, ...]  # what pip installs
    min_python: Tuple[int, int]


class Lock(NamedTuple):
    """A lock file and the command that refreshes it, for messages."""
    file: str
    fix: str


PIPENV_TOOL = Tool("pipenv", "2024.4.1", ("pipenv==2024.4.1",), (3, 8))
POETRY_TOOL = Tool("poetry", "2.2.1", ("poetry==2.2.1",), (3, 9))
UV_TOOL = Tool("uv", "0.13.9", ("uv==0.13.9",), (3, 8))


class Installer(str, Enum):
    """Compares equal to its value (what dependencies.toml records); format it with .value."""
    PIP = "pip"                  # requirements.txt
    PIP_PROJECT = "pip-project"  # pyproject.toml / setup.py alone: `pip install --editable .`
    PIPENV = "pipenv"
    POETRY = "poetry"
    UV = "uv"
    UV_PIP = "uv-pip"            # requirements.txt by `uv pip install` (BP_PYTHON_PACKAGE_MANAGER=uv)
    PYLOCK = "pylock"            # pylock.toml (PEP 751), installed by uv

    @property
    def manifest(self) -> str:
        return _MANIFESTS[self]

    @property
    def lock(self) -> Optional[Lock]:
        return _LOCKS.get(self)

    @property
    def tool(self) -> Optional[Tool]:
        return _TOOLS.get(self)

    @property
    def in_venv(self) -> bool:
        """Whether it installs into a virtual environment (the layer is one) rather than a user base."""
        return self in _LOCKS

    @classmethod
    def for_lock_file(cls, name: str) -> "Installer":
        return next(i for i, lock in _LOCKS.items() if lock.file == name)


_MANIFESTS = {Installer.PIP: "requirements.txt", Installer.PIP_PROJECT: "pyproject.toml",
              Installer.PIPENV: "Pipfile", Installer.POETRY: "pyproject.toml", Installer.UV: "pyproject.toml",
              Installer.UV_PIP: "requirements.txt", Installer.PYLOCK: "pylock.toml"}
# In the order lock files are looked for.
_LOCKS = {
    Installer.PIPENV: Lock("Pipfile.lock", "pipenv lock"),
    Installer.POETRY: Lock("poetry.lock", "poetry lock"),
    Installer.UV: Lock("uv.lock", "uv lock"),
    # A pylock.toml is written by a locker of the user's choice: name the common ones.
    Installer.PYLOCK: Lock("pylock.toml", "uv export --format pylock.toml -o pylock.toml` (or `pip lock"),
}
_TOOLS = {Installer.PIPENV: PIPENV_TOOL, Installer.POETRY: POETRY_TOOL, Installer.UV: UV_TOOL, Installer.UV_PIP: UV_TOOL,
          Installer.PYLOCK: UV_TOOL}
LOCK_FILES = tuple(lock.file for lock in _LOCKS.values())
