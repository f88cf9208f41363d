"""pylock.toml (PEP 751): `uv pip sync pylock.toml --require-hashes` into the dependencies layer,
a virtual environment of our runtime. uv rather than pip: pip reads a pylock.toml only from 26.1
on, as an experimental feature, and only on Python 3.10+ (3.8-3.12 keep v242's pip 23.3.2); uv
(pinned in installers.py) installs it on every Python line uv runs on, and `pip sync` makes the
environment exactly the lock. Every package
must carry a hash. The lock's requires-python picks and checks the runtime (project.py,
python_constraint.py); its `environments` must admit the runtime's, else a clear error here
rather than uv's own failure."""
import json
from typing import Any, Dict, List

from ..errors import BuildpackError
from ..installers import UV_TOOL
from . import StepContext, tools
from .installing import Job, cache_dir, groups_phrase, run_tool, venv_python

# Evaluated by the runtime itself, with the packaging its pip vendors (python-cnb vendors packaging
# without markers): {"environment": PEP 508's marker environment, "admits": any marker true, or
# "invalid": the error for a marker that does not parse.
_EVALUATE = """
import json, sys
from pip._vendor.packaging import markers
out = {"environment": markers.default_environment()}
try:
    out["admits"] = any(markers.Marker(text).evaluate() for text in sys.argv[1:])
except markers.InvalidMarker as e:
    out["invalid"] = str(e)
print(json.dumps(out))
"""


def check_environments(step: StepContext) -> None:
    """pylock.toml's `environments` (markers), if any, must admit the runtime's."""
    assert step.python is not None
    environments = step.project.lock_environments
    if not environments:
        return
    answer = step.runner.capture([step.python.path, "-c", _EVALUATE] + list(environments), step.env)
    if answer.returncode != 0:
        raise BuildpackError("Could not evaluate pylock.toml's environments with the runtime: {}".format(
            answer.stderr.strip()[-300:]), hint="Report this.")
    found: Dict[str, Any] = json.loads(answer.stdout)
    if "invalid" in found:
        raise BuildpackError("pylock.toml: an entry of `environments` is not a marker: {}".format(found["invalid"]),
                             hint="Regenerate pylock.toml and commit it.")
    if found["admits"]:
        return
    runtime = found["environment"]
    raise BuildpackError(
        "pylock.toml is locked for other environments ({}), not this build's (Python {} on {} {}).".format(
            "; ".join(environments), runtime.get("python_full_version", "?"),
            runtime.get("sys_platform", "?"), runtime.get("platform_machine", "?")),
        hint="Lock again for this environment (e.g. add it to the locker's environments), or build on a target "
             "the lock names.")


def command(uv: str, python: str, groups: List[str]) -> List[str]:
    cmd = [uv, "pip", "sync", "--python", python, "--require-hashes"]
    for group in groups:
        cmd += ["--group", group]
    return cmd + ["pylock.toml"]


def environment(step: StepContext) -> Dict[str, str]:
    env = dict(step.env)
    env.update({"UV_CACHE_DIR": cache_dir(step, "uv"), "UV_PYTHON_DOWNLOADS": "never", "UV_NO_MANAGED_PYTHON": "1",
                "UV_LINK_MODE": "copy", "UV_NO_PROGRESS": "1"})
    for name in ("UV_COMPILE_BYTECODE", "UV_SYSTEM_PYTHON", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    return env


def install(step: StepContext, job: Job) -> None:
    check_environments(step)
    step.log.info("Installing dependencies with uv {} from pylock.toml (uv pip sync --require-hashes, {})".format(
        UV_TOOL.version, groups_phrase(job.groups)))
    run_tool(step, job, command(tools.executable(step, UV_TOOL), venv_python(job.layer_path), list(job.groups)),
             environment(step))
