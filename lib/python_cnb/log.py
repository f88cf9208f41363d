"""Build output for people: a header per step, one line per decision with its source, timings for
slow steps, credentials masked wherever they appear."""
import re
import sys
import time
from typing import Callable, Optional, TextIO

from .errors import BuildpackError

# scheme://user:secret@host -> scheme://****@host (index URLs, mirrors, VCS requirements). The
# userinfo ends at the *last* '@' before the path, as urllib splits it: a password may hold '@',
# ':', spaces of any kind. It cannot hold '/' (urllib would end the host there) nor span lines.
# Masking too much (text after a URL with an '@' in it) is the safe way to be wrong.
_URL_CREDENTIALS = re.compile(r"://[^/\r\n]*@")


def mask(text: str) -> str:
    return _URL_CREDENTIALS.sub("://****@", text)


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
