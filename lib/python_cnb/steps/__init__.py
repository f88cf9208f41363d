"""The steps of a build, one module each, all with one call shape: run(step) -> Result. A step
reads what it needs from the StepContext (the Project and Settings analysed up front, the chosen
runtime, what earlier steps found), writes at most its own layer (metadata typed as its Metadata,
read back through reuse.py; TOML written only once the contents are complete) and returns what it
did: the layer, why it was rebuilt, the env the later steps get, what it found. build.py is the
list of steps."""
import subprocess
from typing import Dict, NamedTuple, Optional, Tuple

from ..background import Background
from ..cnb.env import LayerEnv
from ..cnb.layers import Layer
from ..dependency_plan import Plan
from ..download import Downloader
from ..launch_plan import Plan as LaunchPlan
from ..log import Log
from ..project import Project
from ..retention import IMAGE_ONLY, Retention
from ..runner import Runner
from ..runtime_choice import Choice
from ..settings import Settings

Dists = Tuple[Tuple[str, str], ...]   # the installed distributions: (normalized name, version)


class Python(NamedTuple):
    """The runtime the steps after the runtime's run tools with."""
    path: str                  # bin/python3 in the runtime layer
    version: str               # "3.12.1"
    release: Tuple[int, ...]   # (3, 12, 1)


class StepContext(NamedTuple):
    """What every step reads, travelling together: where layers go, the app, the target that keys
    them, the environment tools run with, the injected runner, log and downloader (fakes in the
    steps' unit tests), what was analysed and chosen up front, and what earlier steps found."""
    layers_dir: str
    app_dir: str
    target: str                # "debian-12/amd64"
    env: Dict[str, str]
    runner: Runner
    log: Log
    downloader: Downloader
    project: Project                   # what the app contains, analysed before the first step
    choice: Choice                     # the runtime and toolset chosen for this build
    python: Optional[Python] = None  # once the runtime step has run
    buildpack_version: str = ""      # for the SBOMs
    settings: Settings = Settings()  # the user's settings, checked before the first step
    kept: Retention = Retention((), IMAGE_ONLY)  # where the layers the app needs at hand are kept
    plan: Optional[Plan] = None        # the dependencies step's decision, known before the runtime's
    dists: Dists = ()                  # once the dependencies step has run
    launch: Optional[LaunchPlan] = None  # what the launch check will check against (launch_plan.py)
    runtime_check: Optional["subprocess.Popen[str]"] = None  # the cached runtime's, begun first (runtime.py)
    background: Optional[Background] = None  # work beside the later steps; None: done in place (tests)

    def layer(self, name: str) -> Layer:
        return Layer(self.layers_dir, name)

    def after(self, result: "Result") -> "StepContext":
        """The context the next step runs in: result's env applied, what it found recorded."""
        found = self.with_env(result.env)
        if result.python is not None:
            found = found._replace(python=result.python)
        return found if result.dists is None else found._replace(dists=result.dists)

    def with_env(self, *envs: LayerEnv) -> "StepContext":
        """The context the next steps run in: each layer's env applied, in order."""
        env = self.env
        for layer_env in envs:
            env = layer_env.apply(env)
        return self._replace(env=env)


class Result(NamedTuple):
    """What a step did: the layer it wrote or kept ("" for none), why it rebuilt it (none when it
    was reused or first built), the env the later steps get, and what it found for them."""
    layer: str = ""
    reasons: Tuple[str, ...] = ()
    env: LayerEnv = LayerEnv()
    python: Optional[Python] = None
    dists: Optional[Dists] = None
