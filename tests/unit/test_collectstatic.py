"""collectstatic's switches, its key and the error for each way it fails (layers/collectstatic.py)."""
import os

import pytest

from fakes import write_file
from python_cnb.layers import collectstatic

OFF = ("or turn collectstatic off with DISABLE_COLLECTSTATIC=1 (e.g. `pack build --env DISABLE_COLLECTSTATIC=1`).")


@pytest.mark.parametrize("env, switch_file, why", [
    ({}, False, ""),
    ({"DISABLE_COLLECTSTATIC": "0"}, False, ""),
    ({"DISABLE_COLLECTSTATIC": " 1 "}, False, "DISABLE_COLLECTSTATIC=1"),
    ({"DISABLE_COLLECTSTATIC": "yes"}, True, "DISABLE_COLLECTSTATIC=yes"),
    ({}, True, ".heroku/collectstatic_disabled exists"),
])
def test_switched_off_by_the_setting_or_v242s_file(tmp_path, env, switch_file, why):
    if switch_file:
        write_file(str(tmp_path / ".heroku" / "collectstatic_disabled"), "")
    assert collectstatic.disabled(str(tmp_path), env) == why


@pytest.mark.parametrize("error, message, hint", [
    ({"type": "ModuleNotFoundError", "message": "No module named 'environ'", "settings_loaded": False,
      "settings_module": "mysite.settings"},
     "Django could not load the app's settings (mysite.settings): ModuleNotFoundError: No module named 'environ'",
     "Add the missing package to the app's requirements, or fix the import in the settings; " + OFF),
    ({"type": "KeyError", "message": "'DATABASE_URL'", "settings_loaded": False, "settings_module": ""},
     "Django could not load the app's settings: KeyError: 'DATABASE_URL'",
     "Fix the settings (the traceback above shows where); " + OFF),
    ({"type": "ImproperlyConfigured", "message": "You're using the staticfiles app without having set the "
      "STATIC_ROOT setting to a filesystem path.", "settings_loaded": True},
     "Django's collectstatic failed: ImproperlyConfigured: You're using the staticfiles app without having set the "
     "STATIC_ROOT setting to a filesystem path.",
     "Set STATIC_ROOT in the settings to a directory in the app, e.g. STATIC_ROOT = BASE_DIR / \"staticfiles\", " + OFF),
    ({"type": "ValueError", "message": "The file 'css/x.png' could not be found", "settings_loaded": True},
     "Django's collectstatic failed: ValueError: The file 'css/x.png' could not be found",
     "The traceback above shows where; fix it, " + OFF),
    (None, "Django's collectstatic failed (exit 2); its output is above.", "Fix what its output names, " + OFF),
])
def test_each_failure_names_its_own_cause(error, message, hint):
    failed = collectstatic.failure(2, error)
    assert (failed.message, failed.hint) == (message, hint)


def record(**kw):
    values = dict(static_root="staticfiles", settings="mysite/settings.py", static_dirs=["static"])
    values.update(kw)
    return collectstatic.Record(**values)


def app(tmp_path):
    root = str(tmp_path / "app")
    for name, text in (("manage.py", "m"), ("mysite/settings.py", "s"), ("static/site.css", "c"),
                       ("staticfiles/site.css", "out"), ("requirements.txt", "django\n"), ("mysite/urls.py", "u")):
        write_file(os.path.join(root, name), text)
    return root


DEPS = {"installer": "pip", "python_version": "3.12.1", "target": "debian-12/amd64",
        "inputs": {"requirements.txt": "ab"}}


@pytest.mark.parametrize("change, reason", [
    (("static/site.css", "c2"), "static/ changed"),
    (("static/new.js", "n"), "static/ changed"),
    (("mysite/settings.py", "s2"), "mysite/settings.py changed"),
    (("mysite/urls.py", "u2"), "the other app files changed"),
    (("staticfiles/site.css", "written by the last run"), None),
    (("requirements.txt", "django\nsix\n"), None),  # keyed through the dependencies' key
    (("mysite/__pycache__/settings.cpython-312.pyc", "b"), None),
])
def test_the_key_names_what_changed(tmp_path, change, reason):
    root = app(tmp_path)
    before = collectstatic.metadata(collectstatic.inputs(root, {"A": "1"}, DEPS, record()), record())
    write_file(os.path.join(root, change[0]), change[1])
    after = collectstatic.metadata(collectstatic.inputs(root, {"A": "1"}, DEPS, record()), record())
    assert collectstatic.reasons(before._asdict(), after) == ([reason] if reason else [])


def test_the_dependencies_and_the_environment_but_not_the_containers_name_nor_the_lifecycles_paths_key_it(tmp_path):
    root = app(tmp_path)
    before = collectstatic.metadata(collectstatic.inputs(root, {"A": "1", "HOSTNAME": "x"}, DEPS, record()), record())

    def reasons(env, deps):
        return collectstatic.reasons(before._asdict(), collectstatic.metadata(
            collectstatic.inputs(root, env, deps, record()), record()))

    assert reasons({"A": "1", "HOSTNAME": "y"}, DEPS) == []
    assert reasons({"A": "1", "CNB_BP_PLAN_PATH": "/tmp/plan.4242/python-cnb_python/plan.toml"}, DEPS) == []
    assert reasons({"A": "2", "HOSTNAME": "x"}, DEPS) == ["the build environment changed"]
    assert reasons({"A": "1"}, dict(DEPS, python_version="3.12.2")) == ["the installed distributions changed"]
