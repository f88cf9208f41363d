"""What the launch check (steps/launch_check.py) will check against, decided before any step runs:
the runtime and dependencies steps must know whether the check will start the app's processes
(then it needs those layers at hand, not kept in the previous image only).

The check's result is kept in a cache-only layer keyed on everything it depends on (Metadata):
the level, the processes, the buildpack's version and, at the app and serve levels, the app's
files and the user's build variables; the runtime and dependencies layers' own keys join once
those steps have run. A rebuild where none changed starts nothing."""
import hashlib
import json
import os
from typing import Dict, List, Mapping, NamedTuple

from .cnb.context import BuildContext
from .cnb.layers import Layer
from .local_packages import tree_digest
from .project import Project
from .retention import Retention
from .reuse import changed, previous
from .settings import Settings

NAME = "launch-check"
DEEP_LEVELS = ("app", "serve")  # the levels that import the app, with the user's build variables


class Metadata(NamedTuple):
    """What the last passed check was run on (the layer's [metadata]); digests, never values."""
    level: str
    processes: Dict[str, str]  # process type -> its command
    buildpack: str             # the buildpack's version: the check itself may have changed
    app: str                   # the app's files (app and serve levels; "" at server)
    variables: str             # the user's build variables (app and serve levels; "" at server)
    runtime: str               # python.toml's [metadata]
    dependencies: str          # dependencies.toml's [metadata] ("" without)


class Plan(NamedTuple):
    """known: the Metadata fields known before the first step (runtime and dependencies blank);
    variables: the user's build variables the app and serve levels run with; must_run: why the
    check runs whatever the layers do ("" when their reuse may reuse it too)."""
    level: str
    known: Metadata
    variables: Dict[str, str]
    must_run: str

    def retention(self, kept: Retention) -> Retention:
        """kept, needing the runtime and dependencies at hand when the check must run again."""
        return kept.needing("the launch check runs ({})".format(self.must_run)) if self.must_run else kept


def plan(ctx: BuildContext, settings: Settings, project: Project, buildpack_version: str) -> Plan:
    level = settings.launch_check
    deep = level in DEEP_LEVELS
    variables = user_variables(ctx.platform_dir, ctx.env) if deep else {}
    known = Metadata(level, declared(project), buildpack_version, tree_digest(project.app_dir) if deep else "",
                     digest(variables) if variables else "", "", "")
    if level == "off" or not has_default_process(project):
        return Plan(level, known, variables, "")
    old = previous(Layer(ctx.layers_dir, NAME), Metadata)
    if isinstance(old, str):
        return Plan(level, known, variables, old or "no previous result")
    return Plan(level, known, variables, "; ".join(reasons(old._replace(runtime="", dependencies=""), known)))


def declared(project: Project) -> Dict[str, str]:
    """The processes as the app declares them (its Procfile, or the web entry inferred)."""
    if project.procfile:
        return {e.type: e.command for e in project.procfile}
    if project.web_entry:
        return {"web": "{} ({})".format(project.web_entry.target, project.web_entry.kind)}
    return {}


def has_default_process(project: Project) -> bool:
    """Whether the image will have a default process (steps/process.py: the Procfile's `web`, else
    its only entry; else the inferred web process): the one a platform starts and health-checks."""
    if project.procfile:
        return len(project.procfile) == 1 or any(e.type == "web" for e in project.procfile)
    return project.web_entry is not None


# Any other field: "the <field> changed".
_PHRASES = {"app": "the app's files changed", "variables": "the build's variables changed"}


def reasons(old: Metadata, new: Metadata) -> List[str]:
    """A phrase per changed field; a new level alone when it changed (what the app and serve levels
    add to the key follows from it)."""
    names = [name for name, _, _ in changed(old, new)]
    if "level" in names:
        names = [n for n in names if n not in ("app", "variables")]
    return [_PHRASES.get(name, "the {} changed".format(name)) for name in names]


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def user_variables(platform_dir: str, env: Mapping[str, str]) -> Dict[str, str]:
    """The variables the user gave the build (<platform>/env), buildpack settings apart: the app
    and serve levels import the app with them, as its build-time environment."""
    try:
        names = os.listdir(os.path.join(platform_dir, "env"))
    except OSError:
        return {}
    return {n: env[n] for n in sorted(names) if n in env and not n.startswith(("BP_", "CNB_", "PIP_"))}
