"""The installer modules' contract and commands (one call shape, dispatched by the Installer enum),
the lock and group settings, and how the app's locks choose the installer and the runtime."""
import os

import pytest
from apptree import write_app
from fakes import RecordingRunner, step_context, write_file

from python_cnb import dependency_plan
from python_cnb.cnb.layers import Layer
from python_cnb.errors import BuildpackError
from python_cnb.installers import Installer
from python_cnb.project import analyse
from python_cnb.settings import Settings
from python_cnb.steps import dependencies, pipenv_sync, poetry_sync, pylock_install, uv_sync
from python_cnb.steps.installing import Job, groups_phrase
from python_cnb.steps.pip_install import install
from python_cnb.toolset import Toolset, Wheel


def settings_error(env):
    with pytest.raises(BuildpackError) as e:
        Settings.from_env(env)
    return e.value.message, e.value.hint


def test_every_installer_has_its_module_and_the_lock_tools_install_into_a_venv():
    assert set(dependencies.INSTALLERS) == set(Installer)
    assert [i.value for i in Installer if i.in_venv] == ["pipenv", "poetry", "uv", "pylock"]


def test_groups_and_the_chosen_lock_are_settings_checked_at_the_start():
    settings = Settings.from_env({"BP_PYTHON_INSTALL_GROUPS": " test, docs test ", "BP_PYTHON_LOCK_FILE": "uv.lock"})
    assert (settings.install_groups, settings.lock_file) == (("test", "docs"), "uv.lock")
    assert settings_error({"BP_PYTHON_LOCK_FILE": "requirements.txt"}) == (
        "BP_PYTHON_LOCK_FILE=requirements.txt is not a lock file python-cnb installs from.",
        "Set it to one of Pipfile.lock, poetry.lock, uv.lock, pylock.toml, or unset it.")
    assert settings_error({"BP_PYTHON_INSTALL_GROUPS": "test,-docs"}) == (
        "BP_PYTHON_INSTALL_GROUPS: '-docs' is not a dependency group name.",
        "List group names (letters, digits, '.', '_', '-') separated by commas, e.g. BP_PYTHON_INSTALL_GROUPS=test,docs.")


def test_two_locks_are_an_error_unless_one_is_chosen(tmp_path):
    files = {"pyproject.toml": "", "uv.lock": "", "poetry.lock": ""}
    with pytest.raises(BuildpackError) as e:
        analyse(write_app(tmp_path / "a", files), Settings())
    assert e.value.message == ("More than one lock file: poetry.lock and uv.lock. python-cnb cannot tell which "
                               "package manager the app uses.")
    assert e.value.hint == ("Keep the lock file of the package manager you use and delete the other, or choose one "
                            "with BP_PYTHON_LOCK_FILE=poetry.lock.")
    chosen = analyse(write_app(tmp_path / "b", files), Settings(lock_file="uv.lock"))
    assert (chosen.installer, chosen.dependency_inputs) == (Installer.UV, ("pyproject.toml", "uv.lock"))
    with pytest.raises(BuildpackError) as e:
        analyse(write_app(tmp_path / "c", {"pyproject.toml": "", "uv.lock": ""}), Settings(lock_file="poetry.lock"))
    assert e.value.message == "BP_PYTHON_LOCK_FILE=poetry.lock but the app has no poetry.lock."


def test_a_pylock_picks_the_runtime_at_pyprojects_precedence(tmp_path):
    lock = 'lock-version = "1.0"\nrequires-python = ">=3.11"\n'
    project = analyse(write_app(tmp_path / "a", {"pylock.toml": lock}), Settings())
    assert (project.installer, project.dependency_inputs) == (Installer.PYLOCK, ("pylock.toml",))
    assert (project.version_request.specifier, project.version_request.source) == (
        ">=3.11", "requires-python in pylock.toml")
    pinned = analyse(write_app(tmp_path / "b", {"pylock.toml": lock, ".python-version": "3.12\n"}), Settings())
    assert pinned.version_request.source == ".python-version"


def test_the_groups_key_the_layer_only_when_asked_for(tmp_path):
    app = write_app(tmp_path, {"pyproject.toml": "", "uv.lock": ""})
    project = analyse(app, Settings())
    plain = dependency_plan.metadata(project, "3.12.1", "debian-12/amd64", Installer.PIP)
    grouped = dependency_plan.metadata(project, "3.12.1", "debian-12/amd64", Installer.PIP, ("test", "docs"))
    assert set(plain.inputs) == {"pyproject.toml", "uv.lock", "virtual environment"}
    assert grouped.inputs["dependency groups"] == "test,docs"
    assert dependency_plan.reasons(plain, grouped) == ["dependency groups added"]


def test_the_lock_tools_commands():
    assert uv_sync.command("/uv", "/py", ["test"], "app") == [
        "/uv", "sync", "--locked", "--no-default-groups", "--python", "/py", "--no-editable-package", "app",
        "--group", "test"]
    assert poetry_sync.command("/py", ["docs"])[-6:] == ["poetry", "sync", "--only", "main,docs", "--no-root",
                                                         "--no-ansi"]
    assert pipenv_sync.command("/py", [])[-2:] == ["pipenv", "sync"]
    assert pipenv_sync.command("/py", ["docs"])[-4:] == ["pipenv", "sync", "--categories", "packages docs"]
    assert pylock_install.command("/uv", "/venv/bin/python", []) == [
        "/uv", "pip", "sync", "--python", "/venv/bin/python", "--require-hashes", "pylock.toml"]
    assert groups_phrase(()) == "main packages only"
    assert groups_phrase(("test", "docs")) == "main packages and groups test, docs"


def test_uv_sync_runs_in_the_layer_with_our_runtime_and_a_cached_uv(tmp_path):
    ctx, _ = step_context(tmp_path, python="3.12.1", env={"PATH": "/usr/bin", "VIRTUAL_ENV": "/elsewhere",
                                                           "UV_COMPILE_BYTECODE": "1", "PYTHONPATH": "/tool/site"})
    layer = os.path.join(ctx.layers_dir, "dependencies")
    env = uv_sync.environment(ctx, Job(Installer.UV, layer, {}))
    assert {k: env[k] for k in ("UV_PROJECT_ENVIRONMENT", "UV_CACHE_DIR", "UV_PYTHON_DOWNLOADS")} == {
        "UV_PROJECT_ENVIRONMENT": layer, "UV_CACHE_DIR": os.path.join(ctx.layers_dir, "pip-cache", "uv"),
        "UV_PYTHON_DOWNLOADS": "never"}
    assert not {"VIRTUAL_ENV", "UV_COMPILE_BYTECODE", "PYTHONPATH"} & set(env)


def test_a_failing_lock_tool_leaves_no_layer_and_names_the_stale_lock(tmp_path):
    stale = "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided."
    ctx, _ = step_context(tmp_path, python="3.12.1", runner=RecordingRunner(
        lambda cmd: (0, "") if "venv" in cmd else (1, stale)))
    write_file(os.path.join(ctx.app_dir, "pyproject.toml"), "")
    write_file(os.path.join(ctx.app_dir, "uv.lock"), "")
    project = analyse(ctx.app_dir, Settings())
    with pytest.raises(BuildpackError) as e:
        dependencies.install(ctx._replace(project=project), dependency_plan.metadata(
            project, "3.12.1", ctx.target), ctx.env)
    assert e.value.message == ("uv.lock is out of date with pyproject.toml (uv says: The lockfile at `uv.lock` needs "
                               "to be updated, but `--locked` was provided.)")
    assert e.value.hint == "Run `uv lock` and commit the new uv.lock."
    assert not os.path.exists(Layer(ctx.layers_dir, "dependencies").path + ".toml")
    venv, uv = ctx.runner.commands
    assert venv[1:] == ["-m", "venv", "--without-pip", os.path.join(ctx.layers_dir, "dependencies")]
    assert uv[1:3] == ["sync", "--locked"]


def test_a_lock_free_project_installs_groups_with_pip_25_1_or_newer(tmp_path):
    ctx, out = step_context(tmp_path, python="3.13.0", env={"PATH": "/usr/bin", "PYTHONUSERBASE": "/layers/deps"})
    ctx = ctx._replace(choice=ctx.choice._replace(toolset=Toolset((Wheel("pip", "25.3", "", ""),))))
    install(ctx, Job(Installer.PIP_PROJECT, "/layers/deps", {}, ("test", "docs")))
    pip = ctx.runner.commands[0]
    assert pip[-6:] == ["--editable", ".", "--group", "test", "--group", "docs"]
    assert out.getvalue() == ("  Installing the app and its dependencies with pip (pip install --editable . "
                              "--group test --group docs)\n")
    old = ctx._replace(choice=ctx.choice._replace(toolset=Toolset((Wheel("pip", "23.3.2", "", ""),))))
    with pytest.raises(BuildpackError) as e:
        install(old, Job(Installer.PIP_PROJECT, "/layers/deps", {}, ("test",)))
    assert e.value.message == ("BP_PYTHON_INSTALL_GROUPS asks for dependency groups, which pip installs from version "
                               "25.1 on; python-cnb pins pip 23.3.2 for this app's Python.")


def test_a_lock_layer_of_the_release_that_exported_to_pip_is_reinstalled_saying_why(tmp_path):
    project = analyse(write_app(tmp_path, {"pyproject.toml": "", "poetry.lock": ""}), Settings())
    new = dependency_plan.metadata(project, "3.12.1", "debian-12/amd64")
    assert new.inputs["virtual environment"] == "poetry"
    old = new._replace(inputs={k: v for k, v in new.inputs.items() if k != "virtual environment"})
    assert dependency_plan.reasons(old, new) == [
        "the last build installed the lock with pip; poetry now installs it into a virtual environment"]


def test_a_uv_projects_name_is_read_up_front(tmp_path):
    files = {"pyproject.toml": '[project]\nname = "uv-app"\n', "uv.lock": ""}
    assert analyse(write_app(tmp_path / "a", files), Settings()).package_name == "uv-app"
    files = {"pyproject.toml": '[project]\nname = "poetry-app"\n', "poetry.lock": ""}
    assert analyse(write_app(tmp_path / "b", files), Settings()).package_name == ""
