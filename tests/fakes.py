"""Fakes beside the real runner and downloader (as packit keeps fakes/), so a layer's decisions and
the commands it runs are fast unit tests; phase and e2e tests keep the real ones."""
import io
import os
import subprocess
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from python_cnb import dependency_plan
from python_cnb.catalog import Runtime
from python_cnb.project import Project
from python_cnb.runtime_choice import Choice
from python_cnb.steps import Python, StepContext
from python_cnb.toolset import Toolset
from python_cnb.log import Log


class RecordingRunner:
    """Records each command with its env; answers with what `answer(cmd)` returns:
    (exit code, stdout), default (0, "")."""

    def __init__(self, answer: Optional[Callable[[List[str]], Tuple[int, str]]] = None) -> None:
        self.answer = answer or (lambda cmd: (0, ""))
        self.commands: List[List[str]] = []
        self.envs: List[Dict[str, str]] = []
        self.stdins: Dict[int, bytes] = {}  # by index in commands, for run_together's jobs
        self.held: List[Callable[[], object]] = []

    def hold(self, until: Callable[[], object]) -> None:
        self.held.append(until)

    def settle(self) -> None:
        held, self.held = self.held, []
        for until in held:
            until()

    def run_together(self, jobs, env: Mapping[str, str]) -> List[int]:
        codes = []
        for cmd, stdin in jobs:
            self.stdins[len(self.commands)] = stdin
            codes.append(self.run(cmd, env))
        return codes

    def run(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None, quiet: bool = False,
            keep: Optional[List[str]] = None) -> int:
        self.settle()
        self.commands.append(list(cmd))
        self.envs.append(dict(env))
        code, out = self.answer(list(cmd))
        if keep is not None:
            keep.extend(out.splitlines())
        return code

    def start_waiting(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None) -> "Waiting":
        return Waiting(cmd, env)

    def go(self, waiting: "Waiting", keep: Optional[List[str]] = None) -> int:
        """A start_waiting command runs: recorded as run() records it, when it runs."""
        waiting.returncode = 0
        return self.run(waiting.cmd, waiting.env, keep=keep)

    def capture(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None) -> subprocess.CompletedProcess:
        self.settle()
        self.commands.append(list(cmd))
        self.envs.append(dict(env))
        code, out = self.answer(list(cmd))
        return subprocess.CompletedProcess(cmd, code, out, "")


class Waiting:
    """A command RecordingRunner started ahead: nothing runs until go()."""

    def __init__(self, cmd: List[str], env: Mapping[str, str]) -> None:
        self.cmd, self.env, self.returncode = list(cmd), dict(env), None  # type: Optional[int]
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> Optional[int]:
        return self.returncode


class FakeDownloader:
    """Serves files from {url: bytes} and records what was asked (url, sha256)."""

    def __init__(self, files: Dict[str, bytes]) -> None:
        self.files = files
        self.fetched: List[Tuple[str, str]] = []

    def fetch(self, url: str, dest: str, sha256: str) -> str:
        self.fetched.append((url, sha256))
        with open(dest, "wb") as f:
            f.write(self.files[url])
        return sha256


def write_file(path: str, text: str, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def python(version: str = "3.12.1", layers_dir: str = "/layers") -> Python:
    """The runtime a step after the runtime's runs tools with."""
    return Python(os.path.join(layers_dir, "python", "bin", "python3"), version,
                  tuple(int(p) for p in version.split(".")))


def step_context(root: str, **fields: Any) -> Tuple[StepContext, io.StringIO]:
    """The one set-up of a layer step's unit test: layers/ and app/ made under root, target
    debian-12/amd64, env {"PATH": "/usr/bin:/bin"}, a RecordingRunner, a FakeDownloader with no
    files, no Python yet, and a Log (clock at 0) writing to the StringIO returned with it. Any
    StepContext field given replaces its default (python may be given as a version; the project
    defaults to an app with nothing to install, the choice to Python 3.12.1 with no toolset)."""
    out = io.StringIO()
    app_dir = fields.get("app_dir", os.path.join(str(root), "app"))
    defaults = dict(layers_dir=os.path.join(str(root), "layers"), app_dir=app_dir,
                    target="debian-12/amd64", env={"PATH": "/usr/bin:/bin"}, runner=RecordingRunner(),
                    log=Log(out, clock=lambda: 0.0), downloader=FakeDownloader({}), python=None,
                    project=Project(app_dir, frozenset(), None, None, (), (), None, ()),
                    choice=Choice(Runtime((3, 12, 1), "amd64", "https://example.test/python-3.12.1.tar.gz", ""),
                                  Toolset(()), "debian-12/amd64"))
    defaults.update(fields)
    if isinstance(defaults["python"], str):
        defaults["python"] = python(defaults["python"], defaults["layers_dir"])
    for made in ("layers_dir", "app_dir"):
        if made not in fields:
            os.makedirs(defaults[made], exist_ok=True)
    return StepContext(**defaults), out


def planned(ctx: StepContext, project: Project) -> StepContext:
    """ctx for the dependencies step of project, with the plan build.py makes before the first step."""
    ctx = ctx._replace(project=project)
    return ctx._replace(plan=dependency_plan.plan(ctx.layer(dependency_plan.NAME), project, ctx.choice, ctx.settings,
                                                  ctx.kept))
