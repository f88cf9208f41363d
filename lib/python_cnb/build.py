"""bin/build: analyse the app, then run the layer steps in order. Every decision is logged with
its source; every expected failure is one BuildpackError rendered once, in main()."""
import datetime
import os
import signal
import sys
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from . import catalog, process, sbom, toolset, uv_install
from .catalog import Runtime, Stack
from .cnb import exitcodes, tomlfile
from .cnb.context import BuildContext
from .cnb.launch import write_launch
from .cnb.layers import Layer, environment_error
from .download import Downloader
from .errors import BuildpackError, BuildStopped, utf8_stdout
from .django import collectstatic
from .hooks import run_hook
from .layers import Python, StepContext, dependencies, launch_config, nltk, pip_cache, runtime, tools
from .log import Log
from .project import Project, analyse
from .runner import Runner, stop_on_signals
from .versions import END_OF_LIFE, VersionOrigin, VersionRequest, end_of_life, parse_request


def main() -> None:
    """The entry point: every way a build ends is rendered here, once."""
    log = Log(utf8_stdout())
    stop_on_signals()
    try:
        ctx = BuildContext.from_env()
        build(ctx, log, Downloader.from_env(ctx.env, log), Runner(log), datetime.date.today)
    except BuildpackError as error:
        log.error(error)
        sys.exit(exitcodes.BUILD_FAILED)
    except BuildStopped as stopped:
        name = signal.Signals(stopped.signum).name
        log.error(BuildpackError("The build was stopped ({}).".format(name),
                                 hint="Nothing it left half-done is kept: the next build starts those steps again."))
        # Exit without the interpreter's teardown: objects the signal cut short mid-construction
        # (an HTTP response, say) would print "Exception ignored" noise after the message.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exitcodes.STOPPED_BY_SIGNAL + stopped.signum)
    except Exception as unexpected:  # noqa: B902 -- the one place an unexpected error is reported
        known = environment_error(unexpected)
        if known:
            log.error(known)
            sys.exit(exitcodes.BUILD_FAILED)
        from .internal_error import report
        log.error(report(unexpected, "build", os.environ))
        sys.exit(exitcodes.INTERNAL_ERROR)


def build(ctx: BuildContext, log: Log, downloader: Downloader, runner: Runner,
          today: Callable[[], datetime.date]) -> None:
    """The steps in order: analyse the app, choose the runtime, then each layer."""
    timer = log.timer()
    version = tomlfile.read(os.path.join(ctx.buildpack_dir, "buildpack.toml")).get("buildpack", {}).get("version", "")
    log.header("python-cnb {}".format(version))
    project = analyse(ctx.app_dir, ctx.env)
    for note in project.notes:
        log.warning(note)
    requirements_installer = uv_install.chosen(ctx.env)

    log.header("Python version")
    stacks = _load_stacks(ctx, log)
    stack = catalog.stack_for(ctx.target, stacks)
    log.info("Stack {} for this build's target, {}".format(stack.name, ctx.target.describe()))
    runtime_layer = Layer(ctx.layers_dir, runtime.NAME)
    previous = runtime_layer.previous_metadata().get("version")
    chosen, source = _choose_runtime(project, Offer(stack, stacks, ctx.target.arch),
                                     previous if isinstance(previous, str) else "", log, today())
    log.info("Using Python {} ({})".format(chosen.version, source))
    tools_for_runtime = toolset.for_release(chosen.release, toolset.load(toolset.toolset_path(ctx.buildpack_dir)))
    target_key = "{}-{}/{}".format(stack.distro_name, stack.distro_version, ctx.target.arch)
    step = StepContext(ctx.layers_dir, ctx.app_dir, target_key, dict(ctx.env), runner, log, downloader)

    log.header("Python runtime")
    _runtime(step, chosen, tools_for_runtime)
    sbom.write(ctx.layers_dir, runtime.NAME, sbom.runtime_components(chosen, tools_for_runtime), version)
    python = Python(runtime.python_in(runtime_layer.path), chosen.version, chosen.release)
    step = step._replace(env=_build_env(ctx), python=python)

    run_hook("pre_compile", ctx.app_dir, step.env, runner, log)
    log.header("Dependencies")
    installed: List[str] = []
    deps_layer = step.layer(dependencies.NAME)
    if project.installer is None:
        log.info("Nothing to install: no requirements.txt, Pipfile, pyproject.toml or setup.py")
    else:
        pip_cache.keep(step.layer(pip_cache.NAME),
                       pip_cache.key(target_key, chosen.version, tools_for_runtime.versions()["pip"]), log)
        _dependencies(step, project, requirements_installer)
        dists = dependencies.distributions(deps_layer.path)
        sbom.write(ctx.layers_dir, dependencies.NAME, sbom.distribution_components(dists), version)
        installed = [name for name, _ in dists]
    step.env.update(nltk.step(step.layer(nltk.NAME), ctx.app_dir, dependencies.distributions(deps_layer.path),
                              nltk.BuildTools(python.path, step.env, runner, log)))
    collectstatic(step, installed)
    run_hook("post_compile", ctx.app_dir, step.env, runner, log)

    log.header("Processes")
    _processes(ctx, project, installed, log)
    launch_config.write(step.layer(launch_config.NAME), ctx.app_dir)
    log.info("Build finished in {}".format(timer.elapsed()))


def _runtime(step: StepContext, chosen: Runtime, tools_for_runtime: toolset.Toolset) -> None:
    layer = step.layer(runtime.NAME)
    wanted = runtime.metadata(chosen, tools_for_runtime, step.target)
    decision = runtime.decide(layer, wanted)
    if decision.reuse:
        layer.commit(runtime.TYPES, wanted._asdict())
        step.log.info("Reusing Python {} (unchanged since the last build)".format(chosen.version))
        return
    if decision.reason:
        step.log.info("Replacing the cached runtime: {}".format(decision.reason))
    runtime.install(step, chosen, tools_for_runtime, wanted)


def _build_env(ctx: BuildContext) -> Dict[str, str]:
    """The environment the build's tools run with once the runtime is in place."""
    layers = ctx.layers_dir
    env = dependencies.install_env(os.path.join(layers, dependencies.NAME), os.path.join(layers, pip_cache.NAME),
                                   runtime.build_env(os.path.join(layers, runtime.NAME), ctx.env))
    env["PYTHONUNBUFFERED"] = "1"
    # Imports during the build must not write pycs into the runtime layer: it would differ from
    # the cached one and be exported anew. Bytecode is compiled on purpose (bytecode.py).
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("LANG", "C.UTF-8")
    return env


def _load_stacks(ctx: BuildContext, log: Log) -> List[Stack]:
    user_catalog = ctx.env.get("BP_PYTHON_RUNTIME_CATALOG", "").strip()
    if user_catalog:
        log.info("Runtime catalog: {} (from BP_PYTHON_RUNTIME_CATALOG)".format(user_catalog))
        return catalog.load_stacks([user_catalog])
    return catalog.load_stacks(catalog.builtin_catalog_paths(ctx.buildpack_dir))


class Offer(NamedTuple):
    """What the build's target is offered: its stack, every stack (for "available on" hints), its arch."""
    stack: Stack
    stacks: List[Stack]
    arch: str


def _choose_runtime(project: Project, offer: Offer, previous: str, log: Log,
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
    _warn_about(chosen, request, stack, log, today)
    return chosen, source


def _warn_about(chosen: Runtime, request: VersionRequest, stack: Stack, log: Log, today: datetime.date) -> None:
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


def _dependencies(step: StepContext, project: Project, chosen: uv_install.RequirementsInstaller) -> None:
    assert step.python is not None and project.installer is not None
    layer, log, python = step.layer(dependencies.NAME), step.log, step.python
    wanted = dependencies.metadata(project, python.version, step.target, chosen)
    decision = dependencies.decide(layer, wanted)
    tool = uv_install.tool_for(project.installer, chosen, python.release, log) or project.installer.tool
    if decision.reuse:
        layer.commit(dependencies.TYPES, wanted._asdict())
        if tool:
            tools.retain(step, tool)
        log.info("Reusing dependencies ({} and Python {} unchanged)".format(
            ", ".join(project.dependency_inputs), python.version))
        return
    if decision.reason:
        log.info("Rebuilding dependencies: {}".format(decision.reason))
    tool_env: Optional[Dict[str, str]] = None
    if tool:
        lock = project.installer.lock
        named = lock.file if lock and lock.file in project.files else project.installer.manifest
        tools.check_python(tool, python.release, named)
        tool_env = tools.ensure(step, tool)
    dependencies.install(step, project, wanted, tool_env)


def _processes(ctx: BuildContext, project: Project, installed: List[str], log: Log) -> None:
    procs = process.processes(project.procfile, project.web_entry, installed)
    if project.procfile:
        log.info("From Procfile:")
        no_default = process.no_default_warning(project.procfile)
        if no_default:
            log.warning(no_default[0], hint=no_default[1])
    elif project.web_entry:
        log.info("No Procfile; inferred the web process: {}".format(project.web_entry.reason))
        missing = process.missing_servers(project.web_entry, installed)
        if missing:
            log.warning("The web process runs {}, but {} not among the app's dependencies.".format(
                " and ".join(missing), "it is" if len(missing) == 1 else "they are"),
                hint="Add {} to requirements.txt (or Pipfile / pyproject.toml), or add a Procfile.".format(
                    " and ".join(missing)))
    else:
        log.warning("No run command: there is no Procfile, and no Django project or WSGI app "
                    "(app.py, main.py, wsgi.py ...) to start with gunicorn.",
                    hint="Set one: add a Procfile (`web: <command>`), or set the platform's run command "
                         "(e.g. `pack build --default-process`, or the App Platform run command).")
        return
    for p in procs:
        log.info("  {}{}: {}".format(p.type, " (default)" if p.default else "", " ".join(p.command)))
    write_launch(ctx.layers_dir, procs)
