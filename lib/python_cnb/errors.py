"""One error type for every expected failure: what is wrong, and how to fix it. Rendered once,
at the entry point, with no traceback."""
from typing import Optional


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
