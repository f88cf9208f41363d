import os

from python_cnb.cnb.context import BuildContext, read_target
from python_cnb.cnb.launch import Process, write_launch
from python_cnb.cnb.env import LayerEnv, Scope
from python_cnb.cnb.layers import Layer, LayerTypes
from python_cnb.errors import BuildpackError
from python_cnb.log import mask

import pytest


def test_commit_writes_toml_last_and_reset_removes_it_first(tmp_path):
    layer = Layer(str(tmp_path), "python")
    layer.reset()
    (tmp_path / "python" / "half-written").write_text("x")
    assert not os.path.exists(layer.toml_path)  # nothing trusts a layer being filled
    layer.commit(LayerTypes(build=True, launch=True, cache=True), {"version": "3.12.1"})
    assert (tmp_path / "python.toml").read_text() == (
        '[types]\nbuild = true\nlaunch = true\ncache = true\n\n[metadata]\nversion = "3.12.1"\n')
    assert layer.previous_metadata() == {"version": "3.12.1"}
    layer.reset()
    assert not os.path.exists(layer.toml_path) and os.listdir(layer.path) == []


def test_launch_only_toml_without_contents_is_not_contents(tmp_path):
    (tmp_path / "deps.toml").write_text('[metadata]\nkey = "v"\n')
    layer = Layer(str(tmp_path), "deps")
    assert layer.previous_metadata() == {"key": "v"} and not layer.has_contents()


def test_env_files(tmp_path):
    layer = Layer(str(tmp_path), "l")
    LayerEnv().default("PORT", "8080", Scope.LAUNCH).override("PYTHONUSERBASE", "/layers/x").write(layer)
    assert (tmp_path / "l" / "env.launch" / "PORT.default").read_text() == "8080"
    assert (tmp_path / "l" / "env" / "PYTHONUSERBASE.override").read_text() == "/layers/x"


def test_launch_toml(tmp_path):
    write_launch(str(tmp_path), [Process("web", ["gunicorn", "app:app"], [], True)])
    assert (tmp_path / "launch.toml").read_text() == (
        '[[processes]]\ntype = "web"\ncommand = [ "gunicorn", "app:app",]\nargs = []\ndefault = true\n\n')


def test_target_from_cnb_target_env_else_stack_id():
    t = read_target({"CNB_TARGET_OS": "linux", "CNB_TARGET_ARCH": "arm64", "CNB_TARGET_DISTRO_NAME": "ubuntu",
                     "CNB_TARGET_DISTRO_VERSION": "22.04"})
    assert (t.arch, t.distro_name, t.distro_version, t.describe()) == ("arm64", "ubuntu", "22.04", "ubuntu 22.04 (linux/arm64)")
    old = read_target({"CNB_STACK_ID": "heroku-22"})
    assert old.stack_id == "heroku-22" and old.distro_name == ""


def test_target_falls_back_to_os_release_when_the_platform_names_neither(tmp_path):
    (tmp_path / "os-release").write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    t = read_target({"CNB_TARGET_ARCH": "amd64"}, str(tmp_path / "os-release"))
    assert (t.distro_name, t.distro_version) == ("debian", "12")


def test_platform_env_files_are_not_applied_twice(tmp_path):
    """The lifecycle applies <platform>/env (PATH-like variables prepended): the build takes the
    process env as it is, so a user's PATH cannot replace the build image's."""
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "PATH").write_text("/opt/tools/bin")
    (tmp_path / "env" / "BP_PYTHON_VERSION").write_text("3.11")
    ctx = BuildContext.from_env({"CNB_PLATFORM_DIR": str(tmp_path), "CNB_LAYERS_DIR": "/layers",
                                 "PATH": "/opt/tools/bin:/usr/bin:/bin", "BP_PYTHON_VERSION": "3.11"})
    assert ctx.env["PATH"] == "/opt/tools/bin:/usr/bin:/bin"
    assert ctx.env["BP_PYTHON_VERSION"] == "3.11"


def test_not_run_by_a_lifecycle():
    with pytest.raises(BuildpackError) as e:
        BuildContext.from_env({})
    assert e.value.message == "CNB_PLATFORM_DIR is not set, so bin/build was not started by a CNB lifecycle."


@pytest.mark.parametrize("text, masked", [
    ("Looking in indexes: https://user:tok3n@pypi.example.org/simple", "Looking in indexes: https://****@pypi.example.org/simple"),
    ("git+https://ghp_secret@github.com/o/r.git", "git+https://****@github.com/o/r.git"),
    ("no credentials https://pypi.org/simple", "no credentials https://pypi.org/simple"),
])
def test_credentials_are_masked(text, masked):
    assert mask(text) == masked
