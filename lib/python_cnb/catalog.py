"""Runtime catalogs (stacks/*.yaml, or the user's BP_PYTHON_RUNTIME_CATALOG): which stack a build
is for, and which CPython archive answers a version request there."""
import os
from typing import List, NamedTuple, Optional, Sequence

from . import vendored
from .cnb.context import Target
from .errors import BuildpackError
from .versions import END_OF_LIFE, Release, VersionRequest, format_release, parse_release


class Runtime(NamedTuple):
    release: Release
    arch: str
    url: str
    sha256: str  # "" where the publisher gives none (the classic archives)

    @property
    def version(self) -> str:
        return format_release(self.release)


class Stack(NamedTuple):
    name: str
    stack_ids: List[str]
    distro_name: str
    distro_version: str
    default_version: str
    runtimes: List[Runtime]
    source: str  # the file it came from, for error messages

    def serves(self, target: Target) -> bool:
        if target.distro_name:
            return (target.distro_name, target.distro_version) == (self.distro_name, self.distro_version)
        return bool(target.stack_id) and target.stack_id in self.stack_ids

    def runtimes_for(self, arch: str) -> List[Runtime]:
        return sorted((r for r in self.runtimes if r.arch == arch), key=lambda r: r.release)

    def describe(self) -> str:
        return "{} ({} {})".format(self.name, self.distro_name, self.distro_version)


def _load_yaml_documents(path: str) -> list:
    yaml = vendored.load("yaml")
    try:
        with open(path, encoding="utf-8") as f:
            # BaseLoader keeps every scalar a string: 3.10 must not become the float 3.1.
            return [d for d in yaml.load_all(f, Loader=yaml.BaseLoader) if d is not None]
    except OSError as e:
        raise BuildpackError("Cannot read the runtime catalog {}: {}.".format(path, e.strerror),
                             hint="Check BP_PYTHON_RUNTIME_CATALOG points at a readable file.")
    except yaml.YAMLError as e:
        raise BuildpackError("The runtime catalog {} is not valid YAML: {}".format(path, str(e).splitlines()[0]),
                             hint="See stacks/README.md in the buildpack for the format.")


def _bad(path: str, what: str) -> BuildpackError:
    return BuildpackError("The runtime catalog {} is malformed: {}.".format(path, what),
                          hint="See stacks/README.md in the buildpack for the format.")


def _parse_stack(doc: object, path: str) -> Stack:
    if not isinstance(doc, dict):
        raise _bad(path, "a document is not a mapping")
    for key in ("name", "distro", "default_version", "runtimes"):
        if key not in doc:
            raise _bad(path, "a stack has no {!r}".format(key))
    distro = doc["distro"]
    if not isinstance(distro, dict) or "name" not in distro or "version" not in distro:
        raise _bad(path, "stack {}: distro needs name and version".format(doc["name"]))
    runtimes = []
    for entry in doc["runtimes"] or []:
        if not isinstance(entry, dict) or not all(k in entry for k in ("version", "arch", "url")):
            raise _bad(path, "stack {}: every runtime needs version, arch and url".format(doc["name"]))
        try:
            release = parse_release(entry["version"])
        except ValueError:
            raise _bad(path, "stack {}: {!r} is not an exact version".format(doc["name"], entry["version"]))
        sha256 = entry.get("sha256", "").lower()
        if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
            raise _bad(path, "stack {}: runtime {} has a sha256 that is not 64 hex digits".format(
                doc["name"], entry["version"]))
        runtimes.append(Runtime(release, entry["arch"], entry["url"], sha256))
    stack_ids = doc.get("stack_ids") or []
    return Stack(doc["name"], list(stack_ids), distro["name"], distro["version"],
                 doc["default_version"], runtimes, path)


def load_stacks(paths: Sequence[str]) -> List[Stack]:
    return [_parse_stack(doc, path) for path in paths for doc in _load_yaml_documents(path)]


def builtin_catalog_paths(buildpack_dir: str) -> List[str]:
    stacks_dir = os.path.join(buildpack_dir, "stacks")
    return sorted(os.path.join(stacks_dir, n) for n in os.listdir(stacks_dir) if n.endswith(".yaml"))


def stack_for(target: Target, stacks: Sequence[Stack]) -> Stack:
    for stack in stacks:
        if stack.serves(target):
            return stack
    supported = "; ".join("{} (stack {})".format(s.describe(), ", ".join(s.stack_ids) or "-") for s in stacks)
    raise BuildpackError(
        "python-cnb has no Python runtimes for this build's target: {}.".format(target.describe()),
        hint="Supported: {}.".format(supported),
    )


def summarize(runtimes: Sequence[Runtime]) -> str:
    """'3.9.12–3.9.18, 3.10.0, 3.10.2–3.10.4': versions as runs of consecutive patches."""
    runs = []  # type: List[List[Release]]
    for r in sorted({rt.release for rt in runtimes}):
        if runs and runs[-1][-1][:2] == r[:2] and runs[-1][-1][2] + 1 == r[2]:
            runs[-1].append(r)
        else:
            runs.append([r])
    return ", ".join(format_release(run[0]) if len(run) == 1
                     else "{}\u2013{}".format(format_release(run[0]), format_release(run[-1])) for run in runs)


def _matching(request: VersionRequest, runtimes: Sequence[Runtime]) -> List[Runtime]:
    if request.specifier:
        spec = vendored.load("packaging.specifiers").SpecifierSet(request.specifier)
        return [r for r in runtimes if spec.contains(r.version, prereleases=False)]
    n = len(request.parts)
    return [r for r in runtimes if r.release[:n] == request.parts]


def resolve(request: VersionRequest, stack: Stack, arch: str, all_stacks: Sequence[Stack]) -> Runtime:
    """The newest runtime on `stack` for `arch` that satisfies the request, or an error that says
    what the stack offers and where else the version exists."""
    offered = stack.runtimes_for(arch)
    found = _matching(request, offered)
    if found:
        return found[-1]

    asked = "Python {}".format(request.describe())
    where = "{} ({})".format(stack.name, arch)
    if not offered:
        raise BuildpackError("{} offers no Python runtimes for {}.".format(stack.name, arch),
                             hint="Build for a supported architecture, or add runtimes to the catalog.")
    elsewhere = sorted({s.name for s in all_stacks if s is not stack and _matching(request, s.runtimes)})
    if len(request.parts) >= 2 and request.parts[:2] not in END_OF_LIFE:
        message = "{} (from {}) is not a Python release python-cnb knows.".format(asked, request.source)
    else:
        message = "{} (from {}) is not available on {}.".format(asked, request.source, where)
    hint = "{} offers {}.".format(stack.name, summarize(offered))
    if elsewhere:
        hint = "It is available on {}. ".format(", ".join(elsewhere)) + hint
    raise BuildpackError(message, hint=hint)


def default_runtime(stack: Stack, arch: str) -> Optional[Runtime]:
    offered = stack.runtimes_for(arch)
    for r in offered:
        if r.version == stack.default_version:
            return r
    return offered[-1] if offered else None


def newest_patch(runtime: Runtime, stack: Stack) -> Runtime:
    same_line = [r for r in stack.runtimes_for(runtime.arch) if r.release[:2] == runtime.release[:2]]
    return same_line[-1] if same_line else runtime

