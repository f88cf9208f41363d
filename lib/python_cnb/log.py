"""Build output for people: a header per step, one line per decision with its source, timings for
slow steps, credentials masked wherever they appear."""
import sys
import time
from typing import Callable, Optional, TextIO

from .errors import BuildpackError
from .url_secrets import masked


def mask(text: str) -> str:
    """Every URL credential in text as **** (url_secrets.py says which)."""
    return masked(text)


class Log:
    def __init__(self, out: TextIO = sys.stdout, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.clock = clock

    def _write(self, text: str) -> None:
        self.out.write(mask(text) + "\n")
        self.out.flush()

    def header(self, title: str) -> None:
        self._write("\n[{}]".format(title))

    def info(self, text: str) -> None:
        self._write("  " + text)

    def detail(self, text: str) -> None:
        """A line of a subprocess's output, indented under the step that ran it."""
        self._write("      " + text.rstrip("\n"))

    def warning(self, text: str, hint: Optional[str] = None) -> None:
        self._write("  WARNING: " + text)
        if hint:
            self._write("           " + hint)

    def error(self, error: BuildpackError) -> None:
        self._write("\n[Error] " + error.message)
        if error.hint:
            for line in error.hint.splitlines():
                self._write("  " + line)

    def timer(self) -> "Timer":
        return Timer(self.clock)


class Timer:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.start = clock()

    def elapsed(self) -> str:
        return "{:.2f}s".format(self.clock() - self.start)
