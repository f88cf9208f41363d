"""Work beside the later steps: waited for before the build says it finished, reported in order."""
import io
import threading

import pytest

from python_cnb.background import Background
from python_cnb.errors import BuildpackError
from python_cnb.log import Log


def test_finish_waits_for_every_piece_and_logs_what_each_said_in_order():
    out, background, release = io.StringIO(), Background(), threading.Event()
    background.start(lambda: release.wait(5) and "first, held until released")
    background.start(lambda: "")
    background.start(lambda: "third")
    release.set()
    background.finish(Log(out))
    assert out.getvalue() == "  first, held until released\n  third\n"


def test_an_error_in_a_piece_is_raised_by_finish_and_wait_is_quiet():
    def fails():
        raise BuildpackError("the layers directory is read-only")

    background = Background()
    background.start(fails)
    with pytest.raises(BuildpackError, match="read-only"):
        background.finish(Log(io.StringIO()))
    background.start(fails)
    background.wait()  # the build failed already: nothing more is said


def test_start_gives_a_wait_for_that_piece_alone_which_raises_its_error():
    background, release = Background(), threading.Event()
    slow = background.start(lambda: release.wait(5) and "slow")
    fails = background.start(lambda: (_ for _ in ()).throw(BuildpackError("no space left")))
    with pytest.raises(BuildpackError, match="no space left"):
        fails()
    release.set()
    assert slow() == "slow"
