"""Runs the tools a build needs (pip, pipenv, hooks) with their output streamed into the log.
Injected into the layer steps, so tests can record what ran."""
import subprocess
from typing import List, Mapping, Optional

from .log import Log


class Runner:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.commands = []  # type: List[List[str]]  # what ran, in order: the log's summary and tests use it

    def run(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None,
            quiet: bool = False) -> int:
        """Run cmd; stream its output under the current step. Returns its exit code.
        quiet keeps the output to show only if the command fails."""
        self.commands.append(list(cmd))
        proc = subprocess.Popen(cmd, env=dict(env), cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True,
                                errors="replace", bufsize=1)
        held = []  # type: List[str]
        assert proc.stdout is not None
        for line in proc.stdout:
            if quiet:
                held.append(line)
            else:
                self.log.detail(line)
        code = proc.wait()
        if code != 0 and quiet:
            for line in held[-40:]:
                self.log.detail(line)
        return code

    def capture(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None
                ) -> "subprocess.CompletedProcess[str]":
        """Run cmd for its output (not shown in the log)."""
        self.commands.append(list(cmd))
        return subprocess.run(cmd, env=dict(env), cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
