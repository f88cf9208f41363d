"""A runtime unpacked where it was not built, made to describe itself where it is. An archive's
interpreter finds its standard library from its own path, but what it reports about its build
is text fixed at build time: the prefix it was configured with (/install for
python-build-standalone, /app/.heroku/python for the classic archives, a pyenv directory for
the loopback mirror's). sysconfig's LIBDIR, python3-config --ldflags and pkg-config then name a
directory that does not exist in the build, and whatever links libpython (uWSGI, an embedding
program) fails with "cannot find -lpython3.X".

So, once the archive is unpacked, every file that states the prefix says the layer's path
instead: the _sysconfigdata module (and 3.14's JSON forms of it), bin/python*-config,
lib/pkgconfig/*.pc, and the config-* Makefile and python-config.py. The compilers named by
python-build-standalone (clang, its llvm-ar) are not on build images; they become cc, c++ and
ar, as uv does for the same archives. The same archive in the same layer gives the same bytes.

A program that embeds Python (uWSGI, in the dependencies layer) finds the standard library from
its own path, then from libpython's built-in prefix: neither is the layer. Its processes get
PYTHONHOME at launch (a default the app may override); the layer's own python3 would find the
same home by itself."""
import ast
import glob
import json
import os
import re
from typing import Any, Dict, List, Optional

from .cnb.env import LayerEnv, Scope

# The build prefix is a path's start when what precedes it is no path character ("/tools/install"
# is another path), a compiler flag such as -L or -I, or "./".
_PATH_CHAR = re.compile(r"[\w.+~/-]")
# The build machine's compilers, by the first word of the variables that name one.
_COMPILER_VARIABLES = ("CC", "CXX", "CPP", "LDSHARED", "LDCXXSHARED", "BLDSHARED", "LINKCC", "AR", "MAINCC")
_BUILD_TOOLS = {"clang": "cc", "clang++": "c++", "clang-cpp": "cpp", "llvm-ar": "ar"}
_HEADER = "# system configuration generated and used by the sysconfig module\n"


def relocate(root: str) -> List[str]:
    """Rewrite what the runtime unpacked at root says about where it is; the files rewritten,
    relative to root ([] when it already says root, or states no prefix)."""
    modules = sorted(glob.glob(os.path.join(root, "lib", "python*", "_sysconfigdata*.py")))
    variables = [_read_module(path) for path in modules]
    built = next((v.get("prefix") for v in variables if isinstance(v, dict) and v.get("prefix")), None)
    if not isinstance(built, str) or not built.startswith("/") or built.rstrip("/") == root:
        return []
    built = built.rstrip("/")
    rewritten = []
    for path, found in zip(modules, variables):
        if found is not None:
            _write(path, _module_text({k: _moved_value(k, v, built, root) for k, v in found.items()}))
            _forget_bytecode(path)
            rewritten.append(path)
    for path in _json_descriptions(root):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        _write(path, json.dumps(_moved_json(data, built, root), indent=2, sort_keys=True) + "\n")
        rewritten.append(path)
    for path in _text_descriptions(root):
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue
        text = data.decode("utf-8", "surrogateescape")
        moved = moved_paths(text, built, root)
        if moved != text:
            _write(path, moved)
            rewritten.append(path)
    return sorted(os.path.relpath(p, root) for p in rewritten)


def launch_env(root: str) -> LayerEnv:
    return LayerEnv().default("PYTHONHOME", root, Scope.LAUNCH)


def moved_paths(text: str, built: str, root: str) -> str:
    """text with every path that starts with built starting with root instead."""
    out, last = [], 0
    for match in re.finditer(re.escape(built) + r"(?![\w.+~-])", text):
        start = match.start()
        if _starts_a_path(text, start):
            out += [text[last:start], root]
            last = match.end()
    return "".join(out) + text[last:]


def _starts_a_path(text: str, i: int) -> bool:
    if i == 0 or not _PATH_CHAR.match(text[i - 1]):
        return True
    if text[i - 1] == ".":  # ./prefix, WASM_ASSETS_DIR's relative form
        return i == 1 or not _PATH_CHAR.match(text[i - 2])
    flag = i >= 2 and text[i - 2] == "-" and text[i - 1].isalpha()  # -L/prefix, -I/prefix
    return flag and (i == 2 or not _PATH_CHAR.match(text[i - 3]))


def _moved_value(key: str, value: Any, built: str, root: str) -> Any:
    return _local_tools(key, moved_paths(value, built, root)) if isinstance(value, str) else value


def _local_tools(key: str, value: Any) -> Any:
    """A compiler variable naming one of the build machine's tools names the build image's."""
    if key not in _COMPILER_VARIABLES or not isinstance(value, str):
        return value
    first, sep, rest = value.partition(" ")
    tool = _BUILD_TOOLS.get(os.path.basename(first))
    return tool + sep + rest if tool else value


def _moved_json(data: Any, built: str, root: str) -> Any:
    if isinstance(data, str):
        return moved_paths(data, built, root)
    if isinstance(data, list):
        return [_moved_json(v, built, root) for v in data]
    if isinstance(data, dict):
        return {k: _local_tools(k, _moved_json(v, built, root)) for k, v in data.items()}
    return data


def _read_module(path: str) -> Optional[Dict[str, Any]]:
    """build_time_vars of a _sysconfigdata module, read as data (never run), or None."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "build_time_vars" for t in node.targets):
            try:
                found = ast.literal_eval(node.value)
            except ValueError:
                return None
            return found if isinstance(found, dict) else None
    return None


def _module_text(variables: Dict[str, Any]) -> str:
    """One variable a line, sorted: readable by every Python the catalogs serve, 2.7 included."""
    lines = ["    {!r}: {!r},\n".format(k, variables[k]) for k in sorted(variables)]
    return _HEADER + "build_time_vars = {\n" + "".join(lines) + "}\n"


def _forget_bytecode(module: str) -> None:
    """The archive's pycs of the module hold its old text."""
    stem = os.path.splitext(os.path.basename(module))[0]
    for pyc in glob.glob(os.path.join(os.path.dirname(module), "__pycache__", stem + ".*.pyc")):
        os.remove(pyc)
    if os.path.exists(module + "c"):  # Python 2.7 keeps it next to the module
        os.remove(module + "c")


def _json_descriptions(root: str) -> List[str]:
    """Python 3.14's _sysconfig_vars_*.json and build-details.json (PEP 739)."""
    found = []
    for pattern in ("_sysconfig_vars_*.json", "build-details.json"):
        found += glob.glob(os.path.join(root, "lib", "python*", pattern))
    return sorted(p for p in found if os.path.isfile(p) and not os.path.islink(p))


def _text_descriptions(root: str) -> List[str]:
    found = []
    for pattern in (("bin", "python*-config"), ("lib", "pkgconfig", "*.pc"),
                    ("lib", "python*", "config-*", "Makefile"), ("lib", "python*", "config-*", "python-config.py")):
        found += glob.glob(os.path.join(root, *pattern))
    # a link (python3-config -> python3.12-config) shares its target's text
    return sorted(p for p in found if os.path.isfile(p) and not os.path.islink(p))


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
