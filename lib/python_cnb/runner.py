"""Runs the tools a build needs (pip, pipenv, hooks) with their output streamed into the log.
Injected into the layer steps, so tests can record what ran.

A tool runs in a process group of its own, so that stopping the build (SIGTERM from the platform,
Ctrl-C) stops the tool and whatever it started, and dies with the build if the build is killed
outright (SIGKILL cannot be forwarded; the kernel's parent-death signal does it)."""
import os
import signal
import subprocess
import tempfile
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from .errors import BuildStopped
from .log import Log

GO = "go\n"  # what a start_waiting command reads before it runs (tool_launch.module_waiting)
# Seconds a stopped tool gets to exit after SIGTERM, before SIGKILL.
STOP_GRACE = 5.0
_PR_SET_PDEATHSIG = 1

_LIBC: Optional[Any] = None  # libc, loaded before any fork: preexec_fn must not import
try:
    import ctypes
    _LIBC = ctypes.CDLL(None, use_errno=True)
except (ImportError, OSError):  # a Python without ctypes: the tool then outlives a SIGKILLed build
    pass


def stop_on_signals(signals=(signal.SIGTERM, signal.SIGINT)) -> None:
    """Make SIGTERM and SIGINT raise BuildStopped in the main thread, once: the cleanup that
    follows (stopping the running tool) is not interrupted by a second signal."""
    def handler(signum: int, frame: object) -> None:
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        raise BuildStopped(signum)

    for s in signals:
        signal.signal(s, handler)


class Runner:
    def __init__(self, log: Log) -> None:
        self.log = log
        self._held: List[Callable[[], Any]] = []

    def hold(self, until: Callable[[], Any]) -> None:
        """Start no process before until() has returned (it raises what went wrong), but one that
        starts waiting: for work beside the build that a tool may read (the rest of the runtime)."""
        self._held.append(until)

    def settle(self) -> None:
        """Wait for what hold() was given; raise what it raised."""
        held, self._held = self._held, []
        for until in held:
            until()

    def run(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None,
            quiet: bool = False, keep: Optional[List[str]] = None) -> int:
        """Run cmd; stream its output under the current step. Returns its exit code.
        quiet keeps the output to show only if the command fails; keep gets every line, for
        reading why it failed (install_failures.py)."""
        self.settle()
        return self._follow(self._start(cmd, env, cwd, subprocess.STDOUT), quiet, keep)

    def start_waiting(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None) -> subprocess.Popen:
        """cmd started ahead of its turn, to start up while the build does something else: it waits
        for go() on its stdin (tool_launch.module_waiting)."""
        return start(cmd, env, cwd, subprocess.STDOUT, stdin=subprocess.PIPE)

    def go(self, proc: subprocess.Popen, keep: Optional[List[str]] = None) -> int:
        """Let a start_waiting command run; from there as run(). Never started twice: a build that
        does not need it after all ends it with stop_and_close."""
        assert proc.stdin is not None
        self.settle()
        try:
            os.write(proc.stdin.fileno(), GO.encode())  # unbuffered: nothing left to flush at close
        except OSError:  # it ended already (a runtime that cannot start): its output says why
            pass
        proc.stdin.close()
        return self._follow(proc, False, keep)

    def _follow(self, proc: subprocess.Popen, quiet: bool, keep: Optional[List[str]]) -> int:
        held = []  # type: List[str]
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if keep is not None:
                    keep.append(line.rstrip("\n"))
                if quiet:
                    held.append(line)
                else:
                    self.log.detail(line)
            code = proc.wait()
        except BaseException:
            stop_group(proc)
            raise
        if code != 0 and quiet:
            for line in held[-40:]:
                self.log.detail(line)
        return code

    def run_together(self, jobs: Sequence[Tuple[List[str], bytes]], env: Mapping[str, str]) -> List[int]:
        """Run (command, stdin) jobs at once, quietly; their exit codes in order. The output of a
        job that fails is shown, then. Stopping the build stops them all."""
        self.settle()
        procs = []  # type: List[Tuple[subprocess.Popen, Any]]
        try:
            for cmd, stdin in jobs:
                out = tempfile.TemporaryFile()
                procs.append((subprocess.Popen(cmd, env=dict(env), stdin=subprocess.PIPE, stdout=out,
                                               stderr=subprocess.STDOUT, preexec_fn=_own_group_dying_with(os.getpid())),
                              out))
                _feed(procs[-1][0], stdin)
            codes = [proc.wait() for proc, _ in procs]
        except BaseException:
            for proc, _ in procs:
                stop_group(proc)
            raise
        finally:
            outputs = []
            for _, out in procs:
                out.seek(0)
                outputs.append(out.read().decode("utf-8", "replace"))
                out.close()
        for code, output in zip(codes, outputs):
            if code != 0:
                for line in output.splitlines(True)[-40:]:
                    self.log.detail(line)
        return codes

    def capture(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None
                ) -> "subprocess.CompletedProcess[str]":
        """Run cmd for its output (not shown in the log)."""
        self.settle()
        proc = self._start(cmd, env, cwd, subprocess.PIPE)
        try:
            out, err = proc.communicate()
        except BaseException:
            stop_group(proc)
            raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)

    def _start(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str], stderr: int) -> subprocess.Popen:
        return start(cmd, env, cwd, stderr)


def start(cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None,
          stderr: int = subprocess.PIPE, stdin: Optional[int] = None) -> subprocess.Popen:
    """cmd in a process group of its own that dies with the build, its output piped (text)."""
    return subprocess.Popen(cmd, env=dict(env), cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=stderr,
                            universal_newlines=True, encoding="utf-8", errors="replace", bufsize=1,
                            preexec_fn=_own_group_dying_with(os.getpid()))


def stop_and_close(proc: subprocess.Popen) -> None:
    """A process started with start() and no longer wanted: its group stopped at once, its pipes
    closed (a child it left may hold them: never wait on them)."""
    if proc.returncode is None:
        stop_group(proc, 0.0)
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:  # "go" still buffered for a process that is gone
                pass


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    """Write a job's stdin and close it; a job that exits without reading fails on its own."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass


def _own_group_dying_with(parent: int):
    def setup() -> None:  # runs in the child between fork and exec
        os.setpgid(0, 0)
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the build died before prctl took effect
                os.kill(os.getpid(), signal.SIGKILL)
    return setup


def stop_group(proc: subprocess.Popen, grace: float = STOP_GRACE) -> None:
    """SIGTERM to the process group (SIGKILL at once without grace), SIGKILL after grace seconds;
    then SIGKILL to what the process left behind in its group (a worker that outlived it)."""
    for sig in ((signal.SIGTERM, signal.SIGKILL) if grace else (signal.SIGKILL,)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=grace or STOP_GRACE)
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=grace or STOP_GRACE)
    except subprocess.TimeoutExpired:
        pass  # unkillable for now (a hung file system): left to the kernel, the build goes on
