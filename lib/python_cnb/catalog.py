"""Runtime catalogs (stacks/*.yaml, or the user's BP_PYTHON_RUNTIME_CATALOG): which stack a build
is for, and which CPython archive answers a version request there."""
import os
import re
from typing import List, NamedTuple, Optional, Sequence

from . import vendored
from .cnb.context import Target
from .errors import BuildpackError
from .credentials import shown
from .log import mask
from .urls import url_problem
from .versions import END_OF_LIFE, Release, VersionRequest, format_release, parse_release, specifier_allows


class Runtime(NamedTuple):
    release: Release
    arch: str
    url: str
    sha256: str  # "" where the publisher gives none (the classic archives)
    # A release whose upstream archive has no checksum python-cnb could find yet (`sha256:
    # unpublished`): known, so asking for it gets a precise error, but never installed.
    unpublished: bool = False

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

    def serves(self, target: Target) -> bool:
        if target.distro_name:
            return (target.distro_name, target.distro_version) == (self.distro_name, self.distro_version)
        return bool(target.stack_id) and target.stack_id in self.stack_ids

    def runtimes_for(self, arch: str, unpublished: bool = False) -> List[Runtime]:
        """The runtimes a build for `arch` can install (verifiable ones), or with unpublished the
        ones it cannot, oldest first."""
        return sorted((r for r in self.runtimes if r.arch == arch and r.unpublished == unpublished),
                      key=lambda r: r.release)

    def describe(self) -> str:
        return "{} ({} {})".format(self.name, self.distro_name, self.distro_version)


def _load_yaml_documents(path: str) -> list:
    yaml = vendored.load("yaml")
    try:
        with open(path, encoding="utf-8") as f:
            # BaseLoader keeps every scalar a string: 3.10 must not become the float 3.1.
            return [d for d in yaml.load_all(f, Loader=yaml.BaseLoader) if d is not None]
    except OSError as e:
        raise BuildpackError("Cannot read the runtime catalog {}: {}.".format(path, e.strerror or e),
                             hint="Check BP_PYTHON_RUNTIME_CATALOG points at a readable file.")
    except UnicodeDecodeError:
        raise BuildpackError("The runtime catalog {} is not UTF-8 text.".format(path),
                             hint="See stacks/README.md in the buildpack for the format.")
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise BuildpackError("The runtime catalog {} is not valid YAML: {}".format(path, mask(first)),
                             hint="See stacks/README.md in the buildpack for the format.")


_EXACT = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
UNPUBLISHED = "unpublished"


def _bad(path: str, what: str) -> BuildpackError:
    return BuildpackError("The runtime catalog {} is malformed: {}.".format(path, what),
                          hint="See stacks/README.md in the buildpack for the format.")


def _kind(value: object) -> str:
    if value is None or value == "":
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string"


class _Fields:
    """Typed access to one mapping of the catalog; every error names the file and the place."""

    def __init__(self, doc: dict, path: str, where: str) -> None:
        self.doc, self.path, self.where = doc, path, where

    def bad(self, what: str) -> BuildpackError:
        return _bad(self.path, "{}: {}".format(self.where, what) if self.where else what)

    def text(self, key: str, example: str, required: bool = True) -> str:
        value = self.doc.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            if key not in self.doc:
                raise self.bad("{} is missing".format(key))
            raise self.bad("{} must be a string such as {}, not {}".format(key, example, _kind(value)))
        return value.strip()

    def items(self, key: str, required: bool = True) -> list:
        value = self.doc.get(key)
        if value is None or value == "":
            if required and key not in self.doc:
                raise self.bad("{} is missing".format(key))
            return []
        if not isinstance(value, list):
            raise self.bad("{} must be a list, not {}".format(key, _kind(value)))
        return value

    def mapping(self, key: str) -> "_Fields":
        value = self.doc.get(key)
        if not isinstance(value, dict):
            if key not in self.doc:
                raise self.bad("{} is missing".format(key))
            raise self.bad("{} must be a mapping, not {}".format(key, _kind(value)))
        return _Fields(value, self.path, "{} {}".format(self.where, key).strip())


def _parse_runtime(fields: _Fields) -> Runtime:
    raw_version = fields.text("version", "3.12.1")
    if not _EXACT.match(raw_version):
        raise fields.bad("{!r} is not an exact version".format(raw_version))
    release = parse_release(raw_version)
    arch = fields.text("arch", "amd64")
    sha256 = fields.text("sha256", "a 64-digit hex digest", required=False).lower()
    if sha256 == UNPUBLISHED:  # no url needed: it is never downloaded
        return Runtime(release, arch, fields.text("url", "", required=False), "", unpublished=True)
    url = fields.text("url", "https://example.org/python-3.12.1.tar.gz")
    problem = url_problem(url)
    if problem:
        raise fields.bad("url {} {}".format(shown(url), problem))
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise fields.bad("sha256 is not 64 hex digits (or '{}')".format(UNPUBLISHED))
    return Runtime(release, arch, url, sha256)


def _parse_stack(doc: object, path: str) -> Stack:
    if not isinstance(doc, dict):
        raise _bad(path, "a document is {}, not a mapping".format(_kind(doc)))
    name = _Fields(doc, path, "").text("name", "Debian-12")
    stack = _Fields(doc, path, "stack {}".format(name))
    distro = stack.mapping("distro")
    distro_name = distro.text("name", "debian")
    distro_version = distro.text("version", "'12'")
    default_version = stack.text("default_version", "3.12.1")
    runtimes = []
    for i, entry in enumerate(stack.items("runtimes"), 1):
        if not isinstance(entry, dict):
            raise stack.bad("runtime {} is {}, not a mapping".format(i, _kind(entry)))
        label = "runtime {}".format(i)
        if isinstance(entry.get("version"), str) and _EXACT.match(entry["version"].strip()):
            label = "runtime {}".format(entry["version"].strip())
        runtimes.append(_parse_runtime(_Fields(entry, path, "stack {}, {}".format(name, label))))
    stack_ids = []
    for value in stack.items("stack_ids", required=False):
        if not isinstance(value, str) or not value.strip():
            raise stack.bad("stack_ids must be a list of strings, but holds {}".format(_kind(value)))
        stack_ids.append(value.strip())
    return Stack(name, stack_ids, distro_name, distro_version, default_version, runtimes)


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
        return [r for r in runtimes if specifier_allows(request.specifier, r.version)]
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
    unverifiable = _matching(request, stack.runtimes_for(arch, unpublished=True))
    if unverifiable:
        raise BuildpackError(
            "{} (from {}) is a release python-cnb knows, but {} has no archive of {} with a published "
            "checksum yet, so python-cnb will not install it.".format(
                asked, request.source, where, unverifiable[-1].version),
            hint="Give its url and sha256 in your own runtime catalog (BP_PYTHON_RUNTIME_CATALOG, the format "
                 "is in the buildpack's stacks/README.md){}.".format(
                     ", or ask for one of {}".format(summarize(offered)) if offered else ""))
    if not offered:
        raise BuildpackError("{} offers no Python runtimes for {}.".format(stack.name, arch),
                             hint="Build for a supported architecture, or add runtimes to the catalog.")
    elsewhere = sorted({s.name for s in all_stacks if s is not stack
                        and _matching(request, [r for r in s.runtimes if not r.unpublished])})
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
    return next((r for r in offered if r.version == stack.default_version), offered[-1] if offered else None)


def newest_patch(runtime: Runtime, stack: Stack) -> Runtime:
    same_line = [r for r in stack.runtimes_for(runtime.arch) if r.release[:2] == runtime.release[:2]]
    return same_line[-1] if same_line else runtime
