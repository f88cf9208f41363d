"""Requirements that install from this machine rather than an index: a path (`-e ./localpkg`,
`./dist/pkg.whl`, `name @ file:///...`) or a git repository on a file: URL (`git+file:///...`).

They key the dependencies layer: an editable package by its project files (its code stays where it
is and is read at run time, so it must be inside the app), any other path by its whole tree, and a
repository by the commit its ref names, read from the repository's files. Nothing here writes."""
import hashlib
import os
import re
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple
from urllib.parse import unquote, urlsplit

from . import appfiles, filetree
from .cnb import tomlfile
from .errors import BuildpackError

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
# A non-editable tree is digested whole up to these bounds; past them, by names and sizes only.
TREE_MAX_FILES = 20000
TREE_MAX_BYTES = 256 * 1024 * 1024
# What building a package writes into its own tree, and what never ships with it.
_NOT_SOURCE = {".git", ".hg", ".svn", "__pycache__", "build", ".tox", ".nox", ".venv", ".mypy_cache",
               ".pytest_cache"}
_DIRECT_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(\S+)")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_EXTRAS = re.compile(r"^(.+?)(\[[^\]]+\])$")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


class LocalSource(NamedTuple):
    written: str            # the requirement as written, for messages
    path: str               # app-relative when inside the app, else absolute
    editable: bool
    git_ref: Optional[str]  # None for a path; for a git repository the ref as written ("" for HEAD)


def inside(app_dir: str, real_path: str) -> bool:
    real_app = os.path.realpath(app_dir)
    return real_path == real_app or real_path.startswith(real_app.rstrip(os.sep) + os.sep)


def local_path_of_url(url: str) -> str:
    """The path of a file: URL on this machine (as pip's url_to_path), or the URL if it names another host."""
    parts = urlsplit(url)
    return unquote(parts.path) if parts.netloc in ("", "localhost") else url


def local_source(app_dir: str, text: str, editable: bool, where: str) -> Optional[LocalSource]:
    """The local source a requirement installs from, or None when it comes from an index or a
    remote URL. where names the file it is written in, for messages."""
    text = text.strip()
    direct = _DIRECT_URL.match(text)
    target = direct.group(1) if direct else text
    if target.lower().startswith("git+file:"):
        return _git_source(app_dir, text, target[len("git+"):], editable, where)
    if target.lower().startswith("file:"):
        path = local_path_of_url(target.split("#")[0])
    elif _URL.match(target) or direct:
        return None
    else:
        path = target.split(";")[0].split("#")[0].strip()
        stripped = _EXTRAS.match(path)
        path = stripped.group(1) if stripped else path
        if not editable and not (path.startswith(".") or "/" in path):
            return None  # a name: pip installs it from the index
    return _path_source(app_dir, text, path, editable, where)


def _checked(text: str, path: str, where: str) -> str:
    if "\0" in path:
        raise BuildpackError("{} installs a path with a NUL character ({!r}).".format(where, text),
                             hint="Remove the NUL character from that line.")
    return path


def _path_source(app_dir: str, text: str, path: str, editable: bool, where: str) -> LocalSource:
    real = os.path.realpath(os.path.join(app_dir, _checked(text, path, where)))
    if not os.path.exists(real):
        raise BuildpackError("{} installs {}, which does not exist.".format(where, text),
                             hint="Commit the package, or fix the path (relative paths start at the app's root).")
    if inside(app_dir, real):
        return LocalSource(text, os.path.relpath(real, os.path.realpath(app_dir)), editable, None)
    if editable:
        raise BuildpackError("{} installs {} in editable mode, but it is outside the app: the image would not "
                             "have its code.".format(where, text),
                             hint="Move the package into the app (e.g. `-e ./{}`), or install it without -e.".format(
                                 os.path.basename(real)))
    return LocalSource(text, real, editable, None)


def _git_source(app_dir: str, text: str, url: str, editable: bool, where: str) -> LocalSource:
    path = local_path_of_url(url.split("#")[0])
    ref = ""
    if "@" in os.path.basename(path):
        path, _, ref = path.rpartition("@")
    repo = os.path.realpath(_checked(text, path, where))
    if _git_dir(repo) is None:
        raise BuildpackError("{} installs {}, but {} is not a git repository.".format(where, text, path),
                             hint="Fix the path in the git+file: URL.")
    shown = os.path.relpath(repo, os.path.realpath(app_dir)) if inside(app_dir, repo) else repo
    return LocalSource(text, shown, editable, ref)


def project_files(app_dir: str, source: LocalSource) -> List[str]:
    """App-relative project files of an editable package inside the app: what its install reads."""
    if not source.editable or source.git_ref is not None or os.path.isabs(source.path):
        return []
    return [os.path.normpath(os.path.join(source.path, n)) for n in PROJECT_FILES
            if os.path.isfile(os.path.join(app_dir, source.path, n))]


def digests(app_dir: str, sources: List[LocalSource]) -> Dict[str, str]:
    """What keys the dependencies layer for each source, by a name the log can show."""
    out = {}  # type: Dict[str, str]
    for source in sources:
        if source.git_ref is not None:
            out[source.written] = git_commit(os.path.join(app_dir, source.path), source.git_ref)
        elif source.editable:
            for name in project_files(app_dir, source):
                out[name] = _file_digest(os.path.join(app_dir, name))
        elif os.path.isdir(os.path.join(app_dir, source.path)):
            out[source.path.rstrip(os.sep) + os.sep] = tree_digest(os.path.join(app_dir, source.path))
        else:
            out[source.path] = _file_digest(os.path.join(app_dir, source.path))
    return out


def _file_digest(path: str) -> str:
    return appfiles.digest(path, path)


def _tree_files(root: str) -> Iterator[Tuple[str, str]]:
    for here, dirs, names in filetree.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_SOURCE and not d.endswith(".egg-info"))
        for name in sorted(names):
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(here, name)
                yield os.path.relpath(path, root), path


def tree_digest(root: str) -> str:
    """sha256 over the tree's relative names and contents (symlinks by their target text), bounded:
    past TREE_MAX_FILES or TREE_MAX_BYTES, names and sizes only."""
    h = hashlib.sha256()
    count = size = 0
    for rel, path in _tree_files(root):
        count += 1
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        if os.path.islink(path):
            h.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            continue
        if not os.path.isfile(path):  # a FIFO, socket or device: its name only (reading could hang)
            h.update(b"special\0")
            continue
        length = os.path.getsize(path)
        size += length
        bounded = count > TREE_MAX_FILES or size > TREE_MAX_BYTES
        h.update((str(length) if bounded else _file_digest(path)).encode() + b"\0")
    return h.hexdigest()


# -- git: which commit a ref names, read from the repository's files (no git process) ----------

def _git_dir(repo: str) -> Optional[str]:
    dot_git = os.path.join(repo, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if os.path.isfile(dot_git):  # a worktree or submodule: "gitdir: <path>"
        line = _read_small(dot_git) or ""
        if line.startswith("gitdir:"):
            return os.path.join(repo, line[len("gitdir:"):].strip())
    if os.path.isfile(os.path.join(repo, "HEAD")) and os.path.isdir(os.path.join(repo, "refs")):
        return repo  # a bare repository
    return None


def git_commit(repo: str, ref: str) -> str:
    """The commit (or tag object) ref names in repo: a full sha as is; otherwise the branch or tag of
    that name, or HEAD. When nothing resolves, a digest of all the repository's refs, so that any
    change to them still counts as a change."""
    if _SHA.match(ref):
        return ref
    git_dir = _git_dir(repo) or repo
    names = ["HEAD"] if not ref else [ref] if ref.startswith("refs/") else \
        ["refs/heads/" + ref, "refs/tags/" + ref]
    found = [_resolve(git_dir, name, 0) for name in names]
    if any(found):
        return ";".join(value or "-" for value in found)
    return "refs:" + _refs_digest(git_dir)


def _resolve(git_dir: str, name: str, depth: int) -> Optional[str]:
    text = _read_small(os.path.join(git_dir, name))
    if text is None:
        common = _read_small(os.path.join(git_dir, "commondir"))  # a worktree's shared refs
        text = _packed_ref(os.path.join(git_dir, common) if common else git_dir, name)
    if text and text.startswith("ref:") and depth < 5:
        return _resolve(git_dir, text[4:].strip(), depth + 1)
    return text


def _packed_ref(git_dir: str, name: str) -> Optional[str]:
    loose = _read_small(os.path.join(git_dir, name))
    if loose:
        return loose
    for line in (_read_small(os.path.join(git_dir, "packed-refs")) or "").splitlines():
        sha, _, ref = line.partition(" ")
        if ref.strip() == name:
            return sha
    return None


def _read_small(path: str) -> Optional[str]:
    try:
        with appfiles.open_regular(path) as f:
            return f.read(1 << 20).decode("utf-8", errors="replace").strip()
    except OSError:
        return None


def _refs_digest(git_dir: str) -> str:
    h = hashlib.sha256()
    for name in ("HEAD", "packed-refs"):
        h.update((_read_small(os.path.join(git_dir, name)) or "").encode())
    refs = os.path.join(git_dir, "refs")
    if os.path.isdir(refs):
        for rel, path in _tree_files(refs):
            h.update(rel.encode("utf-8", "surrogateescape") + (_read_small(path) or "").encode())
    return h.hexdigest()


# -- path and git sources of a package manager's manifest --------------------------------------

# Where each manager's manifest declares its packages, and the key that makes one editable.
_MANIFESTS = {"pipenv": ("Pipfile", ("packages",), "editable"),
              "poetry": ("pyproject.toml", ("tool", "poetry", "dependencies"), "develop"),
              "uv": ("pyproject.toml", ("tool", "uv", "sources"), "editable")}


def from_manifest(app_dir: str, manager: str) -> List[LocalSource]:
    """The local sources a manifest declares: manager is "pipenv" (Pipfile [packages]), "poetry"
    ([tool.poetry.dependencies] and [project] dependencies) or "uv" ([tool.uv.sources])."""
    name, table, flag = _MANIFESTS[manager]
    data = _toml(app_dir, name)
    specs = [one for spec in _table(data, *table).values()
             for one in (spec if isinstance(spec, list) else [spec]) if isinstance(one, dict)]
    sources = [_declared(app_dir, spec, flag, name) for spec in specs]
    project = _table(data, "project").get("dependencies")
    sources += [local_source(app_dir, str(requirement), False, name)
                for requirement in (project if isinstance(project, list) else []) if "@" in str(requirement)]
    found = []  # type: List[LocalSource]
    for source in sources:
        if source is not None and source not in found:
            found.append(source)
    return found


def _declared(app_dir: str, spec: dict, flag: str, where: str) -> Optional[LocalSource]:
    editable = spec.get(flag) is True
    for key in ("path", "file"):
        if isinstance(spec.get(key), str):
            return local_source(app_dir, spec[key] if editable or spec[key].startswith((".", "/")) else
                                "./" + spec[key], editable, where)
    git = spec.get("git")
    if isinstance(git, str) and git.lower().startswith("file:"):
        ref = next((spec[k] for k in ("ref", "rev", "tag", "branch") if isinstance(spec.get(k), str)), "")
        return local_source(app_dir, "git+{}{}".format(git, "@" + ref if ref else ""), editable, where)
    return None


def _table(data: dict, *keys: str) -> dict:
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, dict) else {}
    return data


def _toml(app_dir: str, name: str) -> dict:
    try:
        text = appfiles.read_text(app_dir, name)
    except BuildpackError:
        return {}  # project.py reports an unreadable manifest
    try:
        return tomlfile.parse(text)
    except tomlfile.UnreadableToml as e:
        raise BuildpackError("{} is not valid TOML: {}.".format(name, str(e).rstrip(".")),
                             hint="Fix the file (a TOML linter shows where), then build again.")
