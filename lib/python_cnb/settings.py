"""Every setting a user gives the build as a variable (BP_* and heroku's own), read and checked
once, before the first step: a bad value is one clear error at the start, never a failure in the
middle of a cold build that a warm one would not meet. Steps read Settings, never os.environ.
(BP_LOG_LEVEL is read by internal_error.py, the path that must work when anything else failed.)"""
import math
import re
from enum import Enum
from typing import Mapping, NamedTuple, Tuple

from . import mirror
from .archive import DEFAULT_LIMIT_MB, LIMIT_VARIABLE as UNPACK_LIMIT, UnpackLimits
from .download import DEADLINE_SECONDS, TIMEOUT_VARIABLE as DOWNLOAD_TIMEOUT
from .errors import BuildpackError, as_written
from .installers import LOCK_FILES, Installer

PYTHON_VERSION = "BP_PYTHON_VERSION"
PACKAGE_MANAGER = "BP_PYTHON_PACKAGE_MANAGER"
RUNTIME_CATALOG = "BP_PYTHON_RUNTIME_CATALOG"
NLTK_INDEX = "BP_NLTK_INDEX_URL"
DISABLE_COLLECTSTATIC = "DISABLE_COLLECTSTATIC"
RUNTIME_CACHE = "BP_PYTHON_RUNTIME_CACHE"
LOCK_FILE = "BP_PYTHON_LOCK_FILE"
INSTALL_GROUPS = "BP_PYTHON_INSTALL_GROUPS"
LAUNCH_CHECK = "BP_LAUNCH_CHECK"
LAUNCH_CHECK_TIMEOUT = "BP_LAUNCH_CHECK_TIMEOUT"
# How far the build checks that the web process starts (steps/launch_check.py): each level does
# what the one before does, and more.
LAUNCH_CHECK_LEVELS = ("off", "server", "app", "serve")
LAUNCH_CHECK_SECONDS = 60.0  # an import, gunicorn --check-config, or the wait for the first response
# PEP 735's group name (Poetry's and Pipenv's category names fit it too).
_GROUP = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_PACKAGE_MANAGERS = {"": Installer.PIP, "pip": Installer.PIP, "uv": Installer.UV_PIP}
# Numbers as a person writes them, in ASCII digits ('²' and '٣' pass str.isdigit(), and int()
# takes the second): the pattern, the unit for the message, and the hint.
_SECONDS = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)\Z"
_NUMBERS = {
    UNPACK_LIMIT: (r"[0-9]+\Z", "a whole number of megabytes", "Unset it for the default ({} MB).".format(
        DEFAULT_LIMIT_MB)),
    DOWNLOAD_TIMEOUT: (_SECONDS, "a number of seconds",
                       "Unset it for the default ({:g} s), or set e.g. {}=900.".format(DEADLINE_SECONDS, DOWNLOAD_TIMEOUT)),
    LAUNCH_CHECK_TIMEOUT: (_SECONDS, "a number of seconds",
                           "Unset it for the default ({:g} s), or set e.g. {}=180 for an app that is slow to "
                           "import.".format(LAUNCH_CHECK_SECONDS, LAUNCH_CHECK_TIMEOUT)),
}


class RuntimeCache(Enum):
    """BP_PYTHON_RUNTIME_CACHE: what the cache keeps of a runtime the image keeps (retention.py)."""
    PIP_RUNTIME = ""   # unset: the runtime as pip needs it, in two tars (steps/pip_runtime.py),
    #                    and the last dependencies pip installed (steps/pip_dependencies.py)
    WHOLE = "true"     # the runtime layer itself: the lifecycle restores and exports it on every build
    NOTHING = "false"  # a dependency change installs the runtime and every package again


class Settings(NamedTuple):
    python_version: str = ""        # BP_PYTHON_VERSION as given ("" when unset or blank)
    package_manager: Installer = Installer.PIP  # for requirements.txt: PIP, or UV_PIP
    runtime_catalog: str = ""       # a path replacing the built-in catalogs
    mirrors: Mapping[str, str] = {}  # BP_DEPENDENCY_MIRROR*, each checked (mirror.py applies them)
    download_timeout: float = DEADLINE_SECONDS
    unpack_limit_mb: int = DEFAULT_LIMIT_MB
    nltk_index_url: str = ""        # "" for nltk's own index
    disable_collectstatic: str = ""  # the value that turns collectstatic off, else ""
    runtime_cache: RuntimeCache = RuntimeCache.PIP_RUNTIME
    lock_file: str = ""             # the lock to install from when the app has more than one
    install_groups: Tuple[str, ...] = ()  # dependency groups installed beside the main ones
    launch_check: str = "server"    # one of LAUNCH_CHECK_LEVELS
    launch_check_timeout: float = LAUNCH_CHECK_SECONDS

    def unpack_limits(self) -> UnpackLimits:
        """What an archive may expand to (BP_UNPACK_LIMIT_MB), as archive.extract takes it."""
        return UnpackLimits(self.unpack_limit_mb << 20)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        mirrors = {name: env[name] for name in mirror.mirrors(env)}  # every one checked, used or not
        collectstatic = env.get(DISABLE_COLLECTSTATIC, "").strip()
        return cls(python_version=env.get(PYTHON_VERSION, "") if env.get(PYTHON_VERSION, "").strip() else "",
                   package_manager=_package_manager(env.get(PACKAGE_MANAGER, "").strip()),
                   runtime_catalog=env.get(RUNTIME_CATALOG, "").strip(),
                   mirrors=mirrors,
                   download_timeout=_number(env, DOWNLOAD_TIMEOUT, DEADLINE_SECONDS),
                   unpack_limit_mb=int(_number(env, UNPACK_LIMIT, DEFAULT_LIMIT_MB)),
                   nltk_index_url=(env.get(NLTK_INDEX) or env.get("NLTK_DOWNLOAD_URL") or "").strip(),
                   disable_collectstatic="" if collectstatic in ("", "0", "false") else collectstatic,
                   runtime_cache=_runtime_cache(env.get(RUNTIME_CACHE, "").strip()),
                   lock_file=_lock_file(env.get(LOCK_FILE, "").strip()),
                   install_groups=_groups(env.get(INSTALL_GROUPS, "")),
                   launch_check=_launch_check(env.get(LAUNCH_CHECK, "").strip().lower()),
                   launch_check_timeout=_number(env, LAUNCH_CHECK_TIMEOUT, LAUNCH_CHECK_SECONDS))


def _launch_check(value: str) -> str:
    if value and value not in LAUNCH_CHECK_LEVELS:
        raise BuildpackError("{}={} is not a level of the launch check: use server, app, serve or off.".format(
            LAUNCH_CHECK, as_written(value)),
            hint="server (the default) checks the web server starts; app also imports the app; serve also "
                 "answers one HTTP request; off checks nothing.")
    return value or "server"


def _lock_file(value: str) -> str:
    if value and value not in LOCK_FILES:
        raise BuildpackError("{}={} is not a lock file python-cnb installs from.".format(LOCK_FILE, as_written(value)),
                             hint="Set it to one of {}, or unset it.".format(", ".join(LOCK_FILES)))
    return value


def _groups(value: str) -> Tuple[str, ...]:
    """"test,docs" (commas or spaces) -> ("test", "docs"), each a valid group name, in order, once."""
    names = [name for name in re.split(r"[\s,]+", value.strip()) if name]
    for name in names:
        if not _GROUP.match(name):
            raise BuildpackError("{}: {!r} is not a dependency group name.".format(INSTALL_GROUPS, as_written(name)),
                                 hint="List group names (letters, digits, '.', '_', '-') separated by commas, "
                                      "e.g. {}=test,docs.".format(INSTALL_GROUPS))
    return tuple(sorted(set(names), key=names.index))


def _runtime_cache(value: str) -> RuntimeCache:
    if not value:
        return RuntimeCache.PIP_RUNTIME
    if value.lower() in ("true", "1", "yes"):
        return RuntimeCache.WHOLE
    if value.lower() in ("false", "0", "no"):
        return RuntimeCache.NOTHING
    raise BuildpackError("{}={} is neither true nor false.".format(RUNTIME_CACHE, as_written(value)),
                         hint="Set it to true to keep the whole runtime in the cache too, to false to keep nothing "
                              "of it there (a dependency change then installs it again), or unset it: the default "
                              "keeps the runtime as pip needs it, in two compact files.")


def _package_manager(value: str) -> Installer:
    if value not in _PACKAGE_MANAGERS:
        raise BuildpackError("{}={} is not an installer python-cnb knows: use pip or uv.".format(PACKAGE_MANAGER, as_written(value)),
                             hint="Set {}=uv to install requirements.txt with uv, or pip (the default), or unset "
                                  "it.".format(PACKAGE_MANAGER))
    return _PACKAGE_MANAGERS[value]


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    """Every numeric setting, one way: unset is the default, else a number of _NUMBERS[name]'s
    pattern, greater than 0 and finite."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    pattern, unit, hint = _NUMBERS[name]
    if not re.match(pattern, raw) or not 0 < float(raw) < math.inf:
        raise BuildpackError("{} must be {} greater than 0, not {!r}.".format(name, unit, as_written(raw)), hint=hint)
    return float(raw)
