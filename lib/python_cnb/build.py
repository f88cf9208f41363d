"""bin/build: analyse the app, choose the runtime, then run the steps in order. Every decision is
logged with its source; every expected failure is one BuildpackError rendered once, in main()."""
import datetime
import os
import signal
import sys
from typing import Callable

from . import hooks, process, python_constraint, runtime_choice
from .cnb import exitcodes, tomlfile
from .cnb.context import BuildContext
from .cnb.layers import environment_error
from .download import Downloader
from .errors import BuildpackError, BuildStopped, utf8_stdout
from .layers import StepContext, collectstatic, dependencies, launch_config, nltk, pip_cache, retention, runtime
from .log import Log
from .project import analyse
from .runner import Runner, stop_on_signals


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
    """The steps, in order."""
    timer = log.timer()
    version = tomlfile.read(os.path.join(ctx.buildpack_dir, "buildpack.toml")).get("buildpack", {}).get("version", "")
    log.header("python-cnb {}".format(version))
    project = analyse(ctx.app_dir, ctx.env)
    for note in project.notes:
        log.warning(note)
    choice = runtime_choice.choose(ctx, project, log, today())
    python_constraint.check(ctx.app_dir, project.installer, choice.runtime.version, choice.source)
    step = StepContext(ctx.layers_dir, ctx.app_dir, choice.target, dict(ctx.env), runner, log, downloader,
                       buildpack_version=version)

    kept = retention.analyse(ctx.app_dir, ctx.env, ctx.plan_path)
    deps = dependencies.plan(step, project, choice.runtime.version, kept)
    installing = deps is not None and not deps.decision.reuse
    runtime_kept = retention.for_runtime(kept, ctx.env)
    step = runtime.run(step, choice,
                       runtime_kept.needing("the dependencies are installed") if installing else runtime_kept)
    # pip and every hook see the dependencies' user base and pip's cache from here on.
    step = step.with_env(dependencies.env(ctx.layers_dir, user_env=ctx.env), pip_cache.env(ctx.layers_dir))
    hooks.run(step, "pre_compile")
    log.header("Dependencies")
    if project.installer is not None:
        pip_cache.run(step, choice.toolset.versions()["pip"])
    dists = dependencies.run(step, project, kept, deps)
    step = step.with_env(nltk.run(step, dists))
    collectstatic.run(step, dists, deps.wanted._asdict() if deps else {})
    hooks.run(step, "post_compile")
    process.run(step, project, dists)
    launch_config.run(step)
    log.info("Build finished in {}".format(timer.elapsed()))
