"""The one place an unexpected exception becomes a readable report: a bug in the buildpack, not in
the app, so the user gets what to report instead of a traceback (BP_LOG_LEVEL=DEBUG adds it).
Imported only once something went wrong: detect does not pay for it."""
import os
import re
import sys
import traceback
from typing import Mapping

from .errors import BuildpackError
from .log import mask

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ISSUES = "https://github.com/python-cnb/python-cnb/issues"


def report(error: BaseException, phase: str, env: Mapping[str, str]) -> BuildpackError:
    """The [Error] block for an unexpected exception in phase ("detect" or "build")."""
    detail = mask(" ".join(str(error).split()))
    if len(detail) > 300:
        detail = detail[:297] + "..."
    what = "{}: {}".format(type(error).__name__, detail) if detail else type(error).__name__
    lines = [
        "This is a bug in python-cnb, not in your app. Please report it at {} with these lines:".format(ISSUES),
        "  python-cnb {}, bin/{}, Python {} on {}".format(
            _version(), phase, ".".join(str(p) for p in sys.version_info[:3]), sys.platform),
        "  " + what,
    ]
    if _log_level(env) == "DEBUG":
        lines += [mask(l) for l in "".join(traceback.format_exception(type(error), error, error.__traceback__))
                  .rstrip("\n").splitlines()]
    else:
        lines.append("Build with BP_LOG_LEVEL=DEBUG to add the traceback to the report.")
    return BuildpackError("Internal buildpack error in bin/{} ({}).".format(phase, what), hint="\n".join(lines))


def _log_level(env: Mapping[str, str]) -> str:
    """BP_LOG_LEVEL as the lifecycle set it from <platform>/env (`pack build --env`)."""
    return env.get("BP_LOG_LEVEL", "").strip().upper()


def _version() -> str:
    """buildpack.toml's version, read without a TOML parser: the report must not depend on one."""
    try:
        with open(os.path.join(ROOT, "buildpack.toml"), encoding="utf-8") as f:
            found = re.search(r'^\[buildpack\][^\[]*?^version\s*=\s*"([^"\n]*)"', f.read(), re.MULTILINE | re.DOTALL)
    except (OSError, ValueError):
        found = None
    return found.group(1) if found else "(unknown version)"
