"""The image's processes: the app's Procfile, or a web process inferred from its code (without
importing it) as `gunicorn --worker-tmp-dir /dev/shm <entry>`; /dev/shm because gunicorn's
heartbeat files on a container's overlay filesystem stall workers (the seed's fix). run() is the
build step that logs them and writes launch.toml."""
import os
import re
from typing import TYPE_CHECKING, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from .appfiles import read_source
from .cnb.launch import Process, write_launch
from .errors import BuildpackError
from .layers import StepContext

if TYPE_CHECKING:  # project reads the Procfile with this module
    from .project import Project

GUNICORN = ["gunicorn", "--worker-tmp-dir", "/dev/shm"]
UVICORN_WORKER = "uvicorn.workers.UvicornWorker"
_PROCESS_TYPE = re.compile(r"^[A-Za-z0-9_.-]+$")


class ProcfileEntry(NamedTuple):
    type: str
    command: str


class WebEntry(NamedTuple):
    target: str   # what the server loads: "mysite.wsgi" or "app:app"
    reason: str   # how it was found, for the log
    kind: str = "wsgi"  # or "asgi" (FastAPI, Starlette, Quart): served by uvicorn workers


def parse_procfile(text: str) -> List[ProcfileEntry]:
    entries = []  # type: List[ProcfileEntry]
    seen = set()  # a set, not a scan of entries: a long Procfile parses in linear time
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
        if name in seen:
            raise BuildpackError("Procfile defines the process type {!r} twice (line {}).".format(name, number),
                                 hint="Keep one line per process type.")
        seen.add(name)
        entries.append(ProcfileEntry(name, command))
    if not entries:
        raise BuildpackError("Procfile has no processes.",
                             hint="Add a line such as `web: gunicorn --worker-tmp-dir /dev/shm mysite.wsgi`, or delete it.")
    return entries


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
                module = ".".join(parts + ["wsgi"])
                return WebEntry(module, "Django project: manage.py uses settings {}".format(settings.group(1)))
            parts.pop()
    packages = sorted(n for n in files if os.path.isfile(os.path.join(app_dir, n, "wsgi.py")))
    if len(packages) == 1:
        return WebEntry(packages[0] + ".wsgi", "Django project: {}/wsgi.py".format(packages[0]))
    return None


# -- launch.toml processes --------------------------------------------------------------------

def processes(procfile: Sequence[ProcfileEntry], web_entry: Optional[WebEntry],
              installed: Sequence[str] = ()) -> List[Process]:
    """Procfile entries run through bash (they are shell lines, with $PORT and friends); `web`,
    else the only entry, is the default. Without a Procfile, the inferred web process: gunicorn
    (with uvicorn's worker class for ASGI apps), or plain uvicorn for an ASGI app without gunicorn."""
    if procfile:
        default = "web" if any(e.type == "web" for e in procfile) else (procfile[0].type if len(procfile) == 1 else "")
        return [Process(e.type, ["bash", "-c", e.command], [], e.type == default) for e in procfile]
    if not web_entry:
        return []
    if web_entry.kind == "asgi":
        if "gunicorn" not in installed and "uvicorn" in installed:
            return [Process("web", ["bash", "-c", 'exec uvicorn {} --host 0.0.0.0 --port "$PORT"'.format(
                web_entry.target)], [], True)]
        return [Process("web", GUNICORN + ["--worker-class", UVICORN_WORKER, web_entry.target], [], True)]
    return [Process("web", GUNICORN + [web_entry.target], [], True)]


def no_default_warning(procfile: Sequence[ProcfileEntry]) -> Optional[Tuple[str, str]]:
    """(warning, hint) when a Procfile of several entries has none named `web`: the image then
    has no default process."""
    if len(procfile) < 2 or any(e.type == "web" for e in procfile):
        return None
    return ("The Procfile has no `web` process, so the image has no default process (it defines {}).".format(
                ", ".join(e.type for e in procfile[:10]) + (", ..." if len(procfile) > 10 else "")),
            "Name the web server's line `web:` in the Procfile, or choose the default when building "
            "(e.g. `pack build --default-process {}`).".format(procfile[0].type))


def missing_servers(web_entry: WebEntry, installed: Sequence[str]) -> List[str]:
    """What the inferred web process needs that the app's dependencies lack."""
    if web_entry.kind == "asgi":
        if "uvicorn" not in installed:
            return ["uvicorn"] if "gunicorn" in installed else ["uvicorn", "gunicorn"]
        return []
    return [] if "gunicorn" in installed else ["gunicorn"]


def run(step: StepContext, project: "Project", dists: Sequence[Tuple[str, str]]) -> None:
    """Log the processes and where they come from, and write launch.toml; warn when there are none."""
    log = step.log
    log.header("Processes")
    installed = [name for name, _ in dists]
    procs = processes(project.procfile, project.web_entry, installed)
    if project.procfile:
        log.info("From Procfile:")
        no_default = no_default_warning(project.procfile)
        if no_default:
            log.warning(no_default[0], hint=no_default[1])
    elif project.web_entry:
        log.info("No Procfile; inferred the web process: {}".format(project.web_entry.reason))
        missing = missing_servers(project.web_entry, installed)
        if missing:
            log.warning("The web process runs {}, but {} not among the app's dependencies.".format(
                " and ".join(missing), "it is" if len(missing) == 1 else "they are"),
                hint="Add {} to requirements.txt (or Pipfile / pyproject.toml), or add a Procfile.".format(
                    " and ".join(missing)))
    else:
        log.warning("No run command: there is no Procfile, and no Django project or WSGI app "
                    "(app.py, main.py, wsgi.py ...) to start with gunicorn.",
                    hint="Set one: add a Procfile (`web: <command>`), or set the platform's run command "
                         "(e.g. `pack build --default-process`, or the App Platform run command).")
        return
    for p in procs:
        log.info("  {}{}: {}".format(p.type, " (default)" if p.default else "", " ".join(p.command)))
    write_launch(step.layers_dir, procs)
