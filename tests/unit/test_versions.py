import datetime

import pytest

from python_cnb.errors import BuildpackError
from python_cnb.versions import end_of_life, parse_request, parse_specifier


@pytest.mark.parametrize("text, parts", [
    ("3.12.1", (3, 12, 1)),
    ("python-3.12.1", (3, 12, 1)),
    ("python-3.11", (3, 11)),
    ("  3.12\n", (3, 12)),
    ("3.12.x", (3, 12)),
    ("3.12.*", (3, 12)),
    ("Python3.10", (3, 10)),
    ("3", (3,)),
])
def test_plain_versions(text, parts):
    request = parse_request(text, "runtime.txt")
    assert request.parts == parts
    assert request.source == "runtime.txt"
    assert request.is_exact == (len(parts) == 3)


@pytest.mark.parametrize("text", ["pyhton-3.12", "3.12.1rc1", "latest", "system", "pypy3.10", "", "3.12.1.4"])
def test_malformed_versions_say_what_and_how(text):
    with pytest.raises(BuildpackError) as e:
        parse_request(text, "runtime.txt", example="python-3.12.1")
    assert e.value.message == "runtime.txt asks for Python {!r}, which is not a Python version.".format(text)
    assert e.value.hint == "Write a version such as python-3.12.1, or python-3.12 for the newest 3.12 patch the stack offers."


def test_specifier_and_bare_version_in_requires_python():
    assert parse_specifier(">=3.10,<3.13", "requires-python").specifier == ">=3.10,<3.13"
    assert parse_specifier("3.11", "requires-python").parts == (3, 11)
    with pytest.raises(BuildpackError) as e:
        parse_specifier(">=3.1O", "requires-python in pyproject.toml")
    assert e.value.message == "requires-python in pyproject.toml has requires-python = '>=3.1O', which is not a valid version specifier."


def test_end_of_life_only_once_passed():
    assert end_of_life((3, 8, 18), datetime.date(2026, 11, 25)) == datetime.date(2024, 10, 7)
    assert end_of_life((3, 10, 13), datetime.date(2026, 10, 30)) is None
    assert end_of_life((3, 12, 1), datetime.date(2026, 11, 25)) is None
    assert end_of_life((3, 99, 0), datetime.date(2026, 11, 25)) is None
