"""One error type for every expected failure: what is wrong, and how to fix it. Rendered once,
at the entry point, with no traceback."""
import io
import sys
from typing import Optional, TextIO


class BuildpackError(Exception):
    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else "{}\n{}".format(self.message, self.hint)


class BuildStopped(BaseException):
    """A signal (SIGTERM, SIGINT) stopped the build. A BaseException, like KeyboardInterrupt, so
    no `except Exception` on the way up swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def utf8_stdout() -> TextIO:
    """The phase's output (where errors are rendered) in UTF-8 whatever the locale: under a C
    locale Python 3.6 writes ASCII, and a Procfile command or a path with an accent would end the
    build with an encoding error."""
    if (sys.stdout.encoding or "").lower().replace("-", "") == "utf8":
        return sys.stdout
    sys.stdout.flush()
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", line_buffering=True)
    return sys.stdout


def as_written(value: str) -> str:
    """A value from the environment as the user wrote it, for a message: under a C locale Python
    3.6 decodes each non-ASCII byte to a lone surrogate, which {!r} would print as '\\udcc2'."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no decoding made: leave it to the writer
        return value
