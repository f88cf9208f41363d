"""The Python versions a project allows, as Poetry and uv read them, and the error when the chosen
runtime is not one of them."""
import pytest

from python_cnb.errors import BuildpackError
from python_cnb.installers import Installer
from python_cnb.project import analyse
from python_cnb.python_constraint import check, declared, from_poetry
from python_cnb.versions import specifier_allows

from apptree import write_app


@pytest.mark.parametrize("poetry, pep440", [
    ("^3.14", ">=3.14,<4"),
    ("^3.9.2", ">=3.9.2,<4"),
    ("^0.2", ">=0.2,<0.3"),
    ("~3.12", ">=3.12,<3.13"),
    ("~3.12.1", ">=3.12.1,<3.13"),
    ("~3", ">=3,<4"),
    ("3.13.*", "==3.13.*"),
    ("3.12", "==3.12.*"),
    ("3.12.1", "==3.12.1"),
    (">=3.11,<3.14", ">=3.11,<3.14"),
    (">=3.11 <3.14", ">=3.11,<3.14"),
    ("~=3.11", "~=3.11"),
    ("!=3.12.0", "!=3.12.0"),
    ("*", ""),
    ("^3.8 || ^4.0", ">=3.8,<4 || >=4.0,<5"),
    ("3.11.* | 3.13.*", "==3.11.* || ==3.13.*"),
    ("*|^3.12", ""),
])
def test_poetry_syntax_as_pep_440(poetry, pep440):
    assert from_poetry(poetry) == pep440


@pytest.mark.parametrize("bad", ["three", "^", ">=3.*", "3.12.1.1.1"])
def test_not_a_poetry_constraint(bad):
    with pytest.raises(ValueError):
        from_poetry(bad)


@pytest.mark.parametrize("spec, version, allowed", [
    (">=3.14,<4", "3.12.1", False), (">=3.14,<4", "3.14.0", True), ("==3.11.* || ==3.13.*", "3.13.2", True),
    ("==3.11.* || ==3.13.*", "3.12.1", False), ("", "3.12.1", True),
])
def test_specifier_allows(spec, version, allowed):
    assert specifier_allows(spec, version) is allowed


def poetry_app(tmp_path, python, requires=None):
    text = '[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = "{}"\n'.format(python)
    if requires:
        text = '[project]\nname = "x"\nversion = "1"\nrequires-python = "{}"\n\n'.format(requires) + text
    return write_app(tmp_path, {"pyproject.toml": text, "poetry.lock": ""})


def test_poetrys_python_picks_the_runtime_like_requires_python(tmp_path):
    request = analyse(poetry_app(tmp_path, "^3.14"), {}).version_request
    assert (request.specifier, request.source) == (">=3.14,<4", "[tool.poetry.dependencies] python in pyproject.toml")


def test_requires_python_and_poetrys_python_must_both_hold(tmp_path):
    constraint = declared(poetry_app(tmp_path, "~3.11 || ~3.13", requires=">=3.12"), Installer.POETRY)
    assert constraint.specifier == ">=3.12,>=3.11,<3.12 || >=3.12,>=3.13,<3.14"
    assert constraint.written == 'requires-python = ">=3.12" and python = "~3.11 || ~3.13"'


def test_a_runtime_the_constraint_refuses_is_named_with_both_sources(tmp_path):
    app = poetry_app(tmp_path, "3.13.*")
    with pytest.raises(BuildpackError) as e:
        check(app, Installer.POETRY, "3.12.1", "from runtime.txt")
    assert e.value.message == ('python = "3.13.*" ([tool.poetry.dependencies] python in pyproject.toml) does not allow '
                               'Python 3.12.1, the runtime chosen (from runtime.txt): poetry would refuse the project.')
    assert e.value.hint == ('Make them agree: ask for a Python version that python = "3.13.*" allows, or change the '
                            'constraint and run `poetry lock`.')
    check(app, Installer.POETRY, "3.13.0", "from runtime.txt")


def test_uv_reads_requires_python(tmp_path):
    app = write_app(tmp_path, {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.13"\n'})
    with pytest.raises(BuildpackError) as e:
        check(app, Installer.UV, "3.12.1", "from .python-version")
    assert e.value.message == ('requires-python = ">=3.13" (requires-python in pyproject.toml) does not allow Python '
                               '3.12.1, the runtime chosen (from .python-version): uv would refuse the project.')
    check(app, Installer.PIP, "3.12.1", "from .python-version")  # requirements.txt apps: pip does not read it
    check(app, Installer.PIPENV, "3.12.1", "from .python-version")


def test_a_broken_poetry_constraint_is_an_error(tmp_path):
    with pytest.raises(BuildpackError) as e:
        analyse(poetry_app(tmp_path, "three"), {})
    assert e.value.message == ('pyproject.toml has python = "three" in [tool.poetry.dependencies], which is not a '
                               'version constraint Poetry reads.')
