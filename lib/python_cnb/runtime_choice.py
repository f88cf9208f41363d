"""Which runtime a build gets: the stack for the build's target, the version the app asks for (or
the previous build's, or the stack's default), resolved in the stack's catalog, with the toolset
pinned for its release line. Logged with where the version came from; warns about an end-of-life
line and an old patch."""
import datetime
from typing import List, NamedTuple, Tuple

from . import catalog, toolset
from .catalog import Runtime, Stack
from .cnb.context import BuildContext
from .cnb.layers import Layer
from .errors import BuildpackError
from .layers import runtime
from .log import Log
from .project import Project
from .versions import END_OF_LIFE, VersionOrigin, VersionRequest, end_of_life, parse_request


class Choice(NamedTuple):
    runtime: Runtime
    toolset: toolset.Toolset
    target: str                # what layers are keyed on: "debian-12/amd64"
    source: str = ""           # where the version came from, for messages: "from runtime.txt"


class Offer(NamedTuple):
    """What the build's target is offered: its stack, every stack (for "available on" hints), its arch."""
    stack: Stack
    stacks: List[Stack]
    arch: str


def choose(ctx: BuildContext, project: Project, log: Log, today: datetime.date) -> Choice:
    log.header("Python version")
    stacks = _load_stacks(ctx, log)
    stack = catalog.stack_for(ctx.target, stacks)
    log.info("Stack {} for this build's target, {}".format(stack.name, ctx.target.describe()))
    previous = Layer(ctx.layers_dir, runtime.NAME).previous_metadata().get("version")
    chosen, source = choose_runtime(project, Offer(stack, stacks, ctx.target.arch),
                                    previous if isinstance(previous, str) else "", log, today)
    log.info("Using Python {} ({})".format(chosen.version, source))
    pins = toolset.for_release(chosen.release, toolset.load(toolset.toolset_path(ctx.buildpack_dir)))
    return Choice(chosen, pins, "{}-{}/{}".format(stack.distro_name, stack.distro_version, ctx.target.arch), source)


def _load_stacks(ctx: BuildContext, log: Log) -> List[Stack]:
    user_catalog = ctx.env.get("BP_PYTHON_RUNTIME_CATALOG", "").strip()
    if user_catalog:
        log.info("Runtime catalog: {} (from BP_PYTHON_RUNTIME_CATALOG)".format(user_catalog))
        return catalog.load_stacks([user_catalog])
    return catalog.load_stacks(catalog.builtin_catalog_paths(ctx.buildpack_dir))


def choose_runtime(project: Project, offer: Offer, previous: str, log: Log,
                   today: datetime.date) -> Tuple[Runtime, str]:
    """The runtime and, for the log, where its version came from. previous: the version the
    previous build used ("" for none), kept when the app pins nothing."""
    stack, arch = offer.stack, offer.arch
    request = project.version_request
    if request is None and previous and any(r.version == previous for r in stack.runtimes_for(arch)):
        request = parse_request(previous, "the previous build", origin=VersionOrigin.PREVIOUS_BUILD)
    if request is None:
        default = catalog.default_runtime(stack, arch)
        if default is None:
            raise BuildpackError("{} offers no Python runtimes for {}.".format(stack.name, arch))
        return default, "the {} default; pin a version in runtime.txt or .python-version".format(stack.name)

    chosen = catalog.resolve(request, stack, arch, offer.stacks)
    source = "from {}".format(request.source)
    if not request.is_exact:
        source = "newest match for {} on {}, from {}".format(request.describe(), stack.name, request.source)
    warn_about(chosen, request, stack, log, today)
    return chosen, source


def warn_about(chosen: Runtime, request: VersionRequest, stack: Stack, log: Log, today: datetime.date) -> None:
    eol = end_of_life(chosen.release, today)
    if eol:
        supported = min((line for line, ends in END_OF_LIFE.items() if ends > today), default=None)
        log.warning("Python {}.{} reached its end of life on {}: it gets no security fixes.".format(
            chosen.release[0], chosen.release[1], eol.isoformat()),
            hint="Move to a supported version ({}.{} or newer) soon.".format(*supported) if supported
            else "Move to a supported version soon.")
    newest = catalog.newest_patch(chosen, stack)
    if request.is_exact and request.origin is VersionOrigin.PINNED and newest.release > chosen.release:
        log.warning("Python {} is not the newest {}.{} patch on {}: {} has the latest fixes.".format(
            chosen.version, chosen.release[0], chosen.release[1], stack.name, newest.version),
            hint="Ask for {}.{} to always get the newest patch.".format(chosen.release[0], chosen.release[1]))
