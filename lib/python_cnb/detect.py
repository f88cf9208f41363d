"""bin/detect: pass on any Python signal in the app, and plan to provide and require `python`.

Permissive by design (build is the strict phase) and cheap: one directory listing, no heavy
imports, no network."""
import sys

# `os` takes about a millisecond to import when site is off, an eighth of detect's budget; the
# builtin posix module has the two calls detect needs (buildpacks only run on Linux).
from posix import environ, listdir

from .cnb import exitcodes
from .cnb.plan import write_plan

# Files that make an app a Python app; the seed's two first.
PYTHON_SIGNALS = (
    "requirements.txt",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "runtime.txt",
    ".python-version",
)


def python_signals(app_dir: str) -> list:
    present = set(listdir(app_dir))
    return [name for name in PYTHON_SIGNALS if name in present]


def main() -> None:
    """The entry point: an unexpected error is reported by the one module that renders them,
    imported only then (detect's budget is an interpreter start)."""
    try:
        detect()
    except Exception as unexpected:  # noqa: B902
        from .errors import utf8_stdout
        from .internal_error import report
        from .log import Log
        Log(utf8_stdout()).error(report(unexpected, "detect", {k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
                                                  for k, v in environ.items()}))
        sys.exit(exitcodes.INTERNAL_ERROR)


def detect() -> None:
    found = python_signals(".")
    if not found:
        print("No Python app here: none of {} in the app's root.".format(", ".join(PYTHON_SIGNALS)))
        sys.exit(exitcodes.DETECT_FAIL)
    plan_path = environ.get(b"CNB_BUILD_PLAN_PATH")
    if plan_path:
        # decoded as os.fsdecode does (without importing os): any file name, under any locale
        write_plan(plan_path.decode(sys.getfilesystemencoding(), "surrogateescape"), provides=["python"],
                   requires=["python"])
    print("Python app: found {}".format(", ".join(found)))
    sys.exit(exitcodes.DETECT_PASS)
