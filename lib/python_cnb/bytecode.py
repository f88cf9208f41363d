"""Byte-compiling installed packages with the runtime that will run them, reproducibly: the same
inputs give the same bytes, so image layers are reused and two builds of an app match.
- Unchecked-hash pycs (Python 3.7+, PEP 552) embed no source mtimes.
- PYTHONHASHSEED=0: marshal writes a set constant's items in hash order.
- PYTHONDONTWRITEBYTECODE=1: what the compiling interpreter itself imports at start-up (a .pth
  such as setuptools' distutils hack) must not leave a timestamp pyc that compileall then keeps.
- One process, files in sorted order: marshal flags a constant by its reference count, which
  depends on what the process compiled before, so parallel workers (which take files in no
  fixed order) give different bytes from one build to the next."""
from typing import Mapping, Sequence

from .runner import Runner


def compile_command(python: str, release: Sequence[int], paths: Sequence[str]) -> list:
    args = [python, "-m", "compileall", "-q"]
    if tuple(release[:2]) >= (3, 7):
        args += ["--invalidation-mode", "unchecked-hash"]
    return args + sorted(paths)


def compile_paths(python: str, release: Sequence[int], paths: Sequence[str], env: Mapping[str, str],
                  runner: Runner) -> int:
    """compileall's exit code (1 when a file does not compile; its output is in the log then)."""
    if not paths:
        return 0
    compile_env = dict(env, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    return runner.run(compile_command(python, release, paths), compile_env, quiet=True)
