import datetime
import io

from python_cnb import runtime_choice
from python_cnb.catalog import Runtime, Stack
from python_cnb.log import Log
from python_cnb.versions import parse_request

STACK = Stack("Ubuntu-22", ["heroku-22"], "ubuntu", "22.04", "3.12.1", [
    Runtime((3, 10, 12), "amd64", "u", ""), Runtime((3, 10, 13), "amd64", "u", ""),
    Runtime((3, 12, 1), "amd64", "u", "")])


def warnings(version, asked, today):
    out = io.StringIO()
    chosen = [r for r in STACK.runtimes if r.version == version][0]
    runtime_choice.warn_about(chosen, parse_request(asked, "runtime.txt"), STACK, Log(out), today)
    return out.getvalue()


def test_end_of_life_and_old_patch_warnings_name_the_way_out():
    assert warnings("3.10.12", "3.10.12", datetime.date(2026, 11, 25)) == (
        "  WARNING: Python 3.10 reached its end of life on 2026-10-31: it gets no security fixes.\n"
        "           Move to a supported version (3.11 or newer) soon.\n"
        "  WARNING: Python 3.10.12 is not the newest 3.10 patch on Ubuntu-22: 3.10.13 has the latest fixes.\n"
        "           Ask for 3.10 to always get the newest patch.\n")


def test_no_warning_before_end_of_life_or_for_a_release_line_request():
    assert warnings("3.10.13", "3.10", datetime.date(2026, 10, 30)) == ""
    assert warnings("3.12.1", "3.12.1", datetime.date(2026, 11, 25)) == ""
