"""Work a step hands off to run beside the steps after it: the build waits for all of it before
it says it finished, and logs what each piece reported then. For work no later step reads (the
cache's copy of the dependencies, steps/pip_dependencies.py), so that it overlaps the launch
check instead of coming before it, or work a later step waits for where it needs it (the rest of
the runtime's copy: Runner.hold)."""
import threading
from typing import Callable, List, Optional

from .log import Log


class Background:
    def __init__(self) -> None:
        self._running: List[_Work] = []

    def start(self, work: Callable[[], str]) -> Callable[[], str]:
        """work() runs in a thread; what it returns ("" for nothing) is logged by finish(). The
        callable returned waits for it, and raises what it raised."""
        piece = _Work(work)
        piece.thread.start()
        self._running.append(piece)
        return piece.result

    def finish(self, log: Log) -> None:
        """Wait for every piece; log what each said, in the order they started. An error one
        raised is raised here, as it would have been in the step."""
        running, self._running = self._running, []
        for piece in running:
            said = piece.result()
            if said:
                log.info(said)

    def wait(self) -> None:
        """Wait for every piece, quietly: the build failed, and said why already."""
        for piece in self._running:
            piece.thread.join()


class _Work:
    def __init__(self, work: Callable[[], str]) -> None:
        self.said = ""
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)

    def result(self) -> str:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.said

    def _run(self, work: Callable[[], str]) -> None:
        try:
            self.said = work()
        except BaseException as e:  # noqa: B902 -- handed to the main thread, raised there
            self.error = e
