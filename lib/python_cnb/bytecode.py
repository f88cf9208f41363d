"""Byte-compiling installed packages with the runtime that will run them. Unchecked-hash pycs
(Python 3.7+, PEP 552) embed no source mtimes, so a layer is the same bytes for the same inputs
and the image layer is reused; compileall's workers (-j 0) use every core."""
from typing import Mapping, Sequence

from .runner import Runner


def compile_command(python: str, release: Sequence[int], paths: Sequence[str]) -> list:
    args = [python, "-m", "compileall", "-q"]
    if tuple(release[:2]) >= (3, 7):
        args += ["--invalidation-mode", "unchecked-hash", "-j", "0"]
    elif tuple(release[:2]) >= (3, 5):
        args += ["-j", "0"]
    return args + list(paths)


def compile_paths(python: str, release: Sequence[int], paths: Sequence[str], env: Mapping[str, str],
                  runner: Runner) -> int:
    """compileall's exit code (1 when a file does not compile; its output is in the log then)."""
    if not paths:
        return 0
    return runner.run(compile_command(python, release, paths), env, quiet=True)
