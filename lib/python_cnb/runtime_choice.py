"""Which runtime a build gets: the stack for the build's target, the version the app asks for (or
the previous build's, or the stack's default), resolved in the stack's catalog, with the toolset
pinned for its release line. Logged with where the version came from; warns about an end-of-life
line and an old patch."""
import datetime
from typing import List, NamedTuple

from . import catalog, toolset
from .catalog import Runtime, Stack
from .cnb.context import BuildContext
from .errors import BuildpackError
from .log import Log
from .project import Project
from .settings import RUNTIME_CATALOG, Settings
from .versions import END_OF_LIFE, VersionOrigin, VersionRequest, end_of_life, parse_request


class Choice(NamedTuple):
    runtime: Runtime
    toolset: toolset.Toolset
    target: str                # what layers are keyed on: "debian-12/amd64"
    source: str = ""           # where the version came from, for messages: "from runtime.txt"


class Offer(NamedTuple):
    """What the build's target is offered: its stack, every stack (for "available on" hints), its
    arch, and the toolset pins of every Python line."""
    stack: Stack
    stacks: List[Stack]
    arch: str
    toolsets: toolset.Pins = []


def offer(ctx: BuildContext, settings: Settings, log: Log) -> Offer:
    """The stacks of the runtime catalogs (the user's, or the buildpack's), and the one for the
    build's target."""
    log.header("Python version")
    if settings.runtime_catalog:
        log.info("Runtime catalog: {} (from {})".format(settings.runtime_catalog, RUNTIME_CATALOG))
        stacks = catalog.load_stacks([settings.runtime_catalog])
    else:
        stacks = catalog.load_stacks(catalog.builtin_catalog_paths(ctx.buildpack_dir))
    stack = catalog.stack_for(ctx.target, stacks)
    log.info("Stack {} for this build's target, {}".format(stack.name, ctx.target.describe()))
    return Offer(stack, stacks, ctx.target.arch, toolset.load(toolset.toolset_path(ctx.buildpack_dir)))


def choose(offered: Offer, project: Project, previous: str, log: Log, today: datetime.date) -> Choice:
    """The runtime, logged with where its version came from. previous: the version the previous
    build used ("" for none), kept when the app pins nothing."""
    stack, arch = offered.stack, offered.arch
    request = project.version_request
    if request is None and previous and any(r.version == previous for r in stack.runtimes_for(arch)):
        request = parse_request(previous, "the previous build", origin=VersionOrigin.PREVIOUS_BUILD)
    if request is None:
        chosen = catalog.default_runtime(stack, arch)
        if chosen is None:
            raise BuildpackError("{} offers no Python runtimes for {}.".format(stack.name, arch))
        source = "the {} default; pin a version in runtime.txt or .python-version".format(stack.name)
    else:
        chosen = catalog.resolve(request, stack, arch, offered.stacks)
        source = "from {}".format(request.source)
        if not request.is_exact:
            source = "newest match for {} on {}, {}".format(request.describe(), stack.name, source)
        warn_about(chosen, request, stack, log, today)
    log.info("Using Python {} ({})".format(chosen.version, source))
    return Choice(chosen, toolset.for_release(chosen.release, offered.toolsets),
                  "{}-{}/{}".format(stack.distro_name, stack.distro_version, arch), source)


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
