"""pip's effective settings, read the way pip reads them (pip/_internal/configuration.py and
cli/parser.py): its config files, then PIP_* variables. The uv installer (steps/uv_install.py) maps
them to uv's own, so an app's index, credentials and trust settings act the same with either.

Precedence, lowest first: [global] of every file, then [install] of every file, then PIP_*
variables; files in pip's order: $XDG_CONFIG_DIRS/pip/pip.conf, /etc/pip.conf,
~/.pip/pip.conf and ~/.config/pip/pip.conf (skipped when PIP_CONFIG_FILE names a file that
exists), <runtime>/pip.conf, then PIP_CONFIG_FILE. PIP_CONFIG_FILE=/dev/null reads no file.
Empty values are ignored, as pip ignores them. Nothing here writes."""
import configparser
import os
from typing import Dict, List, Mapping, NamedTuple

from .errors import BuildpackError

_SECTIONS = ("global", "install")
_IGNORED_VARIABLES = ("version", "help")  # pip's ENV_NAMES_IGNORED


def _key(name: str) -> str:
    """pip's _normalize_name: 'INDEX_URL', '--index-url' and 'index-url' are one setting."""
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def config_files(env: Mapping[str, str], runtime_prefix: str) -> List[str]:
    """The files pip would read, lowest precedence first (whether they exist or not)."""
    env_file = env.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = env.get("HOME") or os.path.expanduser("~")
    xdg_dirs = (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(d, "pip", "pip.conf") for d in xdg_dirs] + ["/etc/pip.conf"]
    if not (env_file and os.path.exists(env_file)):
        files += [os.path.join(home, ".pip", "pip.conf"),
                  os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "pip", "pip.conf")]
    files.append(os.path.join(runtime_prefix, "pip.conf"))
    if env_file:
        files.append(env_file)
    return files


class Setting(NamedTuple):
    value: str
    source: str  # the file it came from, or the PIP_* variable's name


def effective(env: Mapping[str, str], runtime_prefix: str) -> Dict[str, Setting]:
    """{setting: Setting}: what pip would use, and where each came from."""
    parsers = []
    for path in config_files(env, runtime_prefix):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as e:  # pip stops on such a file too
            raise BuildpackError("pip's configuration file {} cannot be read: {}".format(
                path, str(e).splitlines()[0]), hint="Fix the file (INI format, UTF-8), or remove it.")
        parsers.append((path, parser))
    found = {}  # type: Dict[str, Setting]
    for section in _SECTIONS:
        for path, parser in parsers:
            if parser.has_section(section):
                for name, value in parser.items(section):
                    if value:
                        found[_key(name)] = Setting(value, path)
    for name in sorted(env):
        if name.startswith("PIP_") and env[name] and name[4:].lower() not in _IGNORED_VARIABLES + ("config_file",):
            found[_key(name[4:])] = Setting(env[name], name)
    return found


def is_true(value: str) -> bool:
    """pip's strtobool for a flag given in a file or a variable ('1', 'yes', 'true', 'on')."""
    return value.strip().lower() in ("y", "yes", "t", "true", "on", "1")
