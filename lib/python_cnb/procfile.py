"""What the app says it runs, read without importing it: its Procfile, or a web entry point
inferred from its code (a Django project's wsgi module, or a WSGI/ASGI app of a web framework in
app.py, main.py ...). Analysis only: process.py turns these into the image's processes."""
import os
import re
from typing import Dict, FrozenSet, List, NamedTuple, Optional

from .appfiles import read_source
from .errors import BuildpackError

_PROCESS_TYPE = re.compile(r"^[A-Za-z0-9_.-]+$")


class ProcfileEntry(NamedTuple):
    type: str
    command: str


class WebEntry(NamedTuple):
    target: str   # what the server loads: "mysite.wsgi" or "app:app"
    reason: str   # how it was found, for the log
    kind: str = "wsgi"  # or "asgi" (FastAPI, Starlette, Quart): served by uvicorn workers


def parse_procfile(text: str) -> List[ProcfileEntry]:
    entries: Dict[str, str] = {}  # type -> command: a long Procfile parses in linear time
    # Lines end at \n (and \r\n), as for the shell; str.splitlines would also split a command at
    # \f, \x1c or \u2028, which are just bytes of it.
    for number, line in enumerate(text.split("\n"), 1):
        line = line[:-1] if line.endswith("\r") else line
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\0" in line:
            raise BuildpackError("Procfile line {} contains a NUL character, which no command line can hold.".format(
                number), hint="Remove it (the file may have been saved in UTF-16: save it as UTF-8).")
        name, sep, command = line.partition(":")
        name, command = name.strip(), command.strip()
        if not sep or not _PROCESS_TYPE.match(name) or not command:
            raise BuildpackError(
                "Procfile line {} is not `<type>: <command>`: {!r}".format(number, line.strip()[:80]),
                hint="Write one process per line, e.g. `web: gunicorn --worker-tmp-dir /dev/shm mysite.wsgi`.")
        if name in entries:
            raise BuildpackError("Procfile defines the process type {!r} twice (line {}).".format(name, number),
                                 hint="Keep one line per process type.")
        entries[name] = command
    if not entries:
        raise BuildpackError("Procfile has no processes.",
                             hint="Add a line such as `web: gunicorn --worker-tmp-dir /dev/shm mysite.wsgi`, or delete it.")
    return [ProcfileEntry(name, command) for name, command in entries.items()]


# -- Web entry point inference ----------------------------------------------------------------

_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"]""")
_WSGI_MODULES = ("wsgi.py", "app.py", "application.py", "main.py", "server.py")
_APP_ASSIGNMENT = re.compile(r"^(app|application)\s*(?::[^=]+)?=(?!=)", re.MULTILINE)
# A module-level `app` is only a web app when the module uses a web framework (a Typer or Click
# `app` is a command line, and gets no guess).
_FRAMEWORK_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(flask|falcon|bottle|pyramid|werkzeug|django|fastapi|starlette|quart)\b", re.MULTILINE)
_ASGI_FRAMEWORKS = ("fastapi", "starlette", "quart")


def infer_web_entry(app_dir: str, files: FrozenSet[str]) -> Optional[WebEntry]:
    if "manage.py" in files:
        entry = _django_entry(app_dir, files)
        if entry:
            return entry
    for name in _WSGI_MODULES:
        if name in files:
            source = read_source(app_dir, name) or ""
            match = _APP_ASSIGNMENT.search(source)
            frameworks = _FRAMEWORK_IMPORT.findall(source)
            if match and frameworks:
                kind = "asgi" if any(f in _ASGI_FRAMEWORKS for f in frameworks) else "wsgi"
                return WebEntry("{}:{}".format(name[:-3], match.group(1)),
                                "{} defines the {} app `{}`".format(name, kind.upper(), match.group(1)), kind)
    return None


def _django_entry(app_dir: str, files: FrozenSet[str]) -> Optional[WebEntry]:
    settings = _SETTINGS.search(read_source(app_dir, "manage.py") or "")
    if settings:
        parts = settings.group(1).split(".")[:-1]
        # mysite.settings -> mysite.wsgi; config.settings.production -> config.settings.wsgi, config.wsgi
        while parts:
            if os.path.isfile(os.path.join(app_dir, *parts, "wsgi.py")):
                return WebEntry(".".join(parts + ["wsgi"]),
                                "Django project: manage.py uses settings {}".format(settings.group(1)))
            parts.pop()
    packages = sorted(n for n in files if os.path.isfile(os.path.join(app_dir, n, "wsgi.py")))
    if len(packages) == 1:
        return WebEntry(packages[0] + ".wsgi", "Django project: {}/wsgi.py".format(packages[0]))
    return None
