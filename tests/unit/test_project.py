import json

import pytest

from python_cnb.settings import Settings
from python_cnb.errors import BuildpackError
from python_cnb.installers import Installer
from python_cnb.project import analyse, requirement_files

PIP, PIP_PROJECT, PIPENV, POETRY, UV = (Installer.PIP, Installer.PIP_PROJECT, Installer.PIPENV, Installer.POETRY,
                                        Installer.UV)

from apptree import write_app


def app(tmp_path, files):
    return write_app(tmp_path, files)


LOCK = json.dumps({"_meta": {"requires": {"python_version": "3.11"}}, "default": {}})


def test_version_precedence_first_found_wins(tmp_path):
    files = {"requirements.txt": "", "runtime.txt": "python-3.12.1\n", ".python-version": "3.11\n",
             "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.10"\n'}
    d = app(tmp_path, files)
    assert analyse(d, Settings(python_version="3.10")).version_request.source == "BP_PYTHON_VERSION"
    assert analyse(d, Settings()).version_request.source == "runtime.txt"
    (tmp_path / "runtime.txt").unlink()
    assert analyse(d, Settings()).version_request.source == ".python-version"
    (tmp_path / ".python-version").unlink()
    assert analyse(d, Settings()).version_request.specifier == ">=3.10"
    (tmp_path / "pyproject.toml").unlink()
    assert analyse(d, Settings()).version_request is None


def test_pipfile_lock_version_comes_before_requires_python(tmp_path):
    d = app(tmp_path, {"Pipfile": "", "Pipfile.lock": LOCK, "pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'})
    request = analyse(d, Settings()).version_request
    assert (request.parts, request.source) == ((3, 11), "Pipfile.lock (python_version)")


def test_python_version_file_takes_first_real_line(tmp_path):
    d = app(tmp_path, {".python-version": "# pinned\n\n3.12.1\n3.11.7\n"})
    assert analyse(d, Settings()).version_request.parts == (3, 12, 1)


@pytest.mark.parametrize("files, message", [
    ({"runtime.txt": "python 3.12 please"}, "runtime.txt asks for Python 'python 3.12 please', which is not a Python version."),
    ({".python-version": "\n# nothing\n"}, ".python-version is empty."),
    ({"Pipfile": "", "Pipfile.lock": "{not json"}, "Pipfile.lock is not valid JSON: Expecting property name"),
    ({"Pipfile.lock": LOCK}, "Pipfile.lock is here but Pipfile is not."),
    ({"pyproject.toml": "[project\n"}, "pyproject.toml is not valid TOML"),
    ({"requirements.txt": "-r base.txt\n"}, "requirements.txt includes base.txt, which does not exist."),
    ({"poetry.lock": "", "uv.lock": "", "pyproject.toml": ""},
     "More than one lock file: poetry.lock and uv.lock. python-cnb cannot tell which package manager the app uses."),
    ({"uv.lock": ""}, "uv.lock is here but pyproject.toml is not."),
])
def test_bad_inputs_are_clear_errors(tmp_path, files, message):
    with pytest.raises(BuildpackError) as e:
        analyse(app(tmp_path, files), Settings())
    assert e.value.message.startswith(message)
    assert e.value.hint


def test_installer_choice(tmp_path):
    assert analyse(app(tmp_path / "a", {"requirements.txt": "flask\n"}), Settings()).installer == PIP
    both = analyse(app(tmp_path / "b", {"requirements.txt": "", "Pipfile": ""}), Settings())
    assert both.installer == PIPENV and both.dependency_inputs == ("Pipfile",)
    assert both.notes == ("Both Pipfile and requirements.txt are present: installing with pipenv; "
                          "requirements.txt is ignored.",)
    poetry = analyse(app(tmp_path / "p", {"pyproject.toml": "", "poetry.lock": "", "requirements.txt": ""}), Settings())
    assert (poetry.installer, poetry.dependency_inputs) == (POETRY, ("pyproject.toml", "poetry.lock"))
    uv = analyse(app(tmp_path / "u", {"pyproject.toml": "", "uv.lock": ""}), Settings())
    assert (uv.installer, uv.dependency_inputs) == (UV, ("pyproject.toml", "uv.lock"))
    project = analyse(app(tmp_path / "c", {"pyproject.toml": "[project]\nname='x'\n", "setup.cfg": ""}), Settings())
    assert (project.installer, project.dependency_inputs) == (PIP_PROJECT, ("pyproject.toml", "setup.cfg"))
    assert analyse(app(tmp_path / "d", {"runtime.txt": "python-3.12"}), Settings()).installer is None


def test_requirement_includes_are_followed_for_the_cache_key(tmp_path):
    d = app(tmp_path, {
        "requirements.txt": "-r requirements/prod.txt\n--constraint=constraints.txt\nflask\n-e .\n",
        "requirements/prod.txt": "-r base.txt\ngunicorn\n",
        "requirements/base.txt": "--requirement ../constraints.txt\n",  # included twice: no loop
        "constraints.txt": "flask<4\n",
        "setup.py": "",
    })
    # depth first, as pip reads them (a loop is an error: tests/unit/test_requirements.py)
    assert requirement_files(d, "requirements.txt") == [
        "requirements.txt", "requirements/prod.txt", "requirements/base.txt", "constraints.txt", "setup.py"]
