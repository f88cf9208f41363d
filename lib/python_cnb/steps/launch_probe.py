"""Run by the app's own Python (any version a catalog serves, 2.7 included: hence type comments and
no f-strings), in the app directory with the image's launch environment, as
`python launch_probe.py CHECKS REPORT`: each check in the JSON list CHECKS, then a JSON report,
one entry per check, to the file REPORT. Imports nothing of the buildpack's.

A check is {"op": ..., "target": ...}:
- "script": a console script (pip's and uv's template: `from gunicorn.app.wsgiapp import run`):
  import its entry point as the script would at start. This is where a server's missing
  dependency (gunicorn 20's `import pkg_resources`) fails.
- "import": "module:attribute" or "package.module.Attribute": import it and look the attribute up
  (a gunicorn worker class, or an app as uvicorn loads it).
- "find": a module name: it must be importable (its file found), without running it."""
import importlib
import json
import re
import sys
import traceback

_ENTRY = re.compile(r"^from\s+([A-Za-z_][\w.]*)\s+import\s+([A-Za-z_]\w*)", re.MULTILINE)


def main():
    # type: () -> None
    checks = json.loads(sys.argv[1])
    report_path = sys.argv[2]
    # The app first on sys.path, as a server puts it; not this script's directory, whose module
    # names would shadow the app's.
    sys.path[0] = ""
    report = [_run(check) for check in checks]
    with open(report_path, "w") as f:
        json.dump(report, f)


def _run(check):
    # type: (dict) -> dict
    try:
        detail = _OPS[check["op"]](check["target"])
    except BaseException:  # noqa: B902 -- whatever the import raised is the finding
        return {"ok": False, "error": _without_probe_frames(traceback.format_exc())}
    return {"ok": True, "detail": detail}


def _without_probe_frames(text):
    # type: (str) -> str
    """The traceback as the process would print it: this script's own frames (a frame's File
    line, its source line and its ^^^ marks) left out."""
    out = []  # type: list
    skipping = False
    for line in text.splitlines():
        if line.startswith("  File "):
            skipping = line.startswith('  File "{}"'.format(__file__))
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def _script(path):
    # type: (str) -> str
    with open(path) as f:
        source = f.read(1 << 16)
    match = _ENTRY.search(source)
    if not match:
        return ""  # not a console script of a known shape: that it exists is all we know
    module = importlib.import_module(match.group(1))
    getattr(module, match.group(2))
    return "{}:{}".format(match.group(1), match.group(2))


def _import(target):
    # type: (str) -> str
    module_name, _, attribute = target.partition(":") if ":" in target else target.rpartition(".")
    value = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return target


def _find(module):
    # type: (str) -> str
    found = None  # type: object
    try:
        from importlib.util import find_spec
        found = find_spec(module)
    except ImportError:  # Python 2.7, or a parent package that fails to import
        if sys.version_info[0] >= 3:
            raise
        import pkgutil
        found = pkgutil.find_loader(module)
    if found is None:
        raise ImportError("No module named {}".format(module))
    return module


_OPS = {"script": _script, "import": _import, "find": _find}

if __name__ == "__main__":
    main()
