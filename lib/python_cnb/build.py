"""bin/build: analyse the app, choose the runtime, then run the steps in order. Every decision is
logged with its source; every expected failure is one BuildpackError rendered once, in main()."""
import datetime
import os
import signal
import sys
from typing import Callable

from . import dependency_plan, launch_plan, python_constraint, retention, runtime_choice
from .background import Background
from .cnb import exitcodes, tomlfile
from .cnb.context import BuildContext
from .cnb.layers import Layer, environment_error
from .download import Downloader, Patience
from .errors import BuildpackError, BuildStopped, utf8_stdout
from .steps import (StepContext, collectstatic, dependencies, hooks, launch_check, launch_config, nltk, pip_cache,
                    pip_runtime, process, runtime)
from .log import Log
from .project import analyse
from .runner import Runner, stop_on_signals
from .settings import Settings


def main() -> None:
    """The entry point: every way a build ends is rendered here, once."""
    log = Log(utf8_stdout())
    stop_on_signals()
    try:
        ctx = BuildContext.from_env()
        build(ctx, Settings.from_env(ctx.env), log, Runner(log), datetime.date.today)
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


def build(ctx: BuildContext, settings: Settings, log: Log, runner: Runner,
          today: Callable[[], datetime.date]) -> None:
    """Analyse the app, choose the runtime, then the steps, in order."""
    timer = log.timer()
    runtime_check, background, stopped = runtime.start_check(ctx.layers_dir), Background(), False
    try:
        version = tomlfile.read(os.path.join(ctx.buildpack_dir, "buildpack.toml")).get("buildpack", {}).get("version", "")
        log.header("python-cnb {}".format(version))
        project = analyse(ctx.app_dir, settings, ctx.env)
        for note in project.notes:
            log.warning(note)
        choice = runtime_choice.choose(runtime_choice.offer(ctx, settings, log), project,
                                       runtime.previous_version(ctx.layers_dir), log, today())
        python_constraint.check(ctx.app_dir, project.installer, choice.runtime.version, choice.source)
        downloader = Downloader(Patience(deadline=settings.download_timeout), log)
        checking = launch_plan.plan(ctx, settings, project, version)
        kept = checking.retention(retention.analyse(ctx.app_dir, settings, ctx.plan_path))
        plan = dependency_plan.plan(Layer(ctx.layers_dir, dependency_plan.NAME), project, choice, settings, kept)
        step = StepContext(ctx.layers_dir, ctx.app_dir, choice.target, dict(ctx.env), runner, log, downloader,
                           project, choice, buildpack_version=version, settings=settings, kept=kept, plan=plan,
                           launch=checking, runtime_check=runtime_check, background=background)
        for run in STEPS:
            step = step.after(run(step))
        background.finish(log)
        log.info("Build finished in {}".format(timer.elapsed()))
    except BuildStopped:
        stopped = True  # the build ends now: work beside it is left (trusted only once its TOML is)
        raise
    finally:
        if not stopped:
            background.wait()
        runtime.stop_check(runtime_check)  # a build stopped before the runtime step


# The build, in order: each step reads the context the ones before it left (steps/__init__.py).
STEPS = (runtime.run, dependencies.user_base, pip_cache.run, hooks.pre_compile, dependencies.run, nltk.run,
         collectstatic.run, hooks.post_compile, process.run, launch_config.run, launch_check.run,
         pip_runtime.finish)  # last: after every step that may run Python
