"""The image's processes: the app's Procfile, or a web process inferred from its code
(procfile.py) as `gunicorn --worker-tmp-dir /dev/shm <entry>`; /dev/shm because gunicorn's
heartbeat files on a container's overlay filesystem stall workers (the seed's fix). run() is the
build step that logs them and writes launch.toml."""
from typing import List, Optional, Sequence

from ..cnb.launch import Process, write_launch
from ..procfile import ProcfileEntry, WebEntry
from . import Result, StepContext

GUNICORN = ["gunicorn", "--worker-tmp-dir", "/dev/shm"]
UVICORN_WORKER = "uvicorn.workers.UvicornWorker"


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


def missing_servers(web_entry: WebEntry, installed: Sequence[str]) -> List[str]:
    """What the inferred web process needs that the app's dependencies lack."""
    if web_entry.kind == "asgi" and "uvicorn" in installed:
        return []  # plain uvicorn serves it
    needed = ["uvicorn", "gunicorn"] if web_entry.kind == "asgi" else ["gunicorn"]
    return [name for name in needed if name not in installed]


def run(step: StepContext) -> Result:
    """Log the processes and where they come from, and write launch.toml; warn when there are none."""
    log, project = step.log, step.project
    log.header("Processes")
    installed, procfile = [name for name, _ in step.dists], project.procfile
    procs = processes(procfile, project.web_entry, installed)
    if procfile:
        log.info("From Procfile:")
        if not any(p.default for p in procs):  # several entries, none named `web`
            defined = ", ".join(e.type for e in procfile[:10]) + (", ..." if len(procfile) > 10 else "")
            log.warning("The Procfile has no `web` process, so the image has no default process (it defines "
                        "{}).".format(defined),
                        hint="Name the web server's line `web:` in the Procfile, or choose the default when "
                             "building (e.g. `pack build --default-process {}`).".format(procfile[0].type))
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
        return Result()
    for p in procs:
        log.info("  {}{}: {}".format(p.type, " (default)" if p.default else "", " ".join(p.command)))
    write_launch(step.layers_dir, procs)
    return Result()
