"""One env model per layer (cnb.env.LayerEnv): the env files a layer writes and the environment
the build's own processes get come from the same value, so they cannot drift. For each layer:
the exact files, the exact build environment, and that a lifecycle reading those files (the
Buildpack API's modification rules) gives later buildpacks and launch the same values."""
import os

import pytest

from fakes import step_context
from python_cnb.cnb.env import LayerEnv, Scope
from python_cnb.cnb.layers import Layer
from python_cnb.installers import PIPENV_TOOL
from python_cnb.steps import dependencies, launch_config, nltk, pip_cache, runtime, tools

L = "/layers"
BASE = {"PATH": "/usr/local/bin:/usr/bin", "PYTHONHOME": "/opt/elsewhere", "PIP_USER": "1", "HOME": "/home/cnb"}


def files_written(tmp_path, layer_env):
    """{path inside the layer: contents} of what LayerEnv.write puts in a fresh layer."""
    layer = Layer(str(tmp_path), "l")
    layer_env.write(layer)
    found = {}
    for root, _, names in os.walk(layer.path):
        for name in names:
            with open(os.path.join(root, name)) as f:
                found[os.path.relpath(os.path.join(root, name), layer.path)] = f.read()
    assert found == layer_env.files()
    return found


def as_the_lifecycle_applies(files, env, phase):
    """The spec's rules, read from the files alone: env/ then env.build/ (phase "build", for later
    buildpacks) or env.launch/ (phase "launch")."""
    out = dict(env)
    for directory in ("env", "env." + phase):
        names = sorted(n for n in files if os.path.dirname(n) == directory)
        for name in names:
            var, _, how = os.path.basename(name).partition(".")
            value = files[name]
            if how == "override":
                out[var] = value
            elif how == "default" and not out.get(var):
                out[var] = value
            elif how == "prepend":
                delim = files.get(os.path.join(directory, var + ".delim"), "")
                out[var] = value + (delim + out[var] if out.get(var) else "")
    return out


def agree(tmp_path, layer_env, env=BASE):
    """Every variable the files set reaches later buildpacks as this build saw it; launch sees the
    files' values too. Returns (files, the build's env)."""
    files = files_written(tmp_path, layer_env)
    build = layer_env.apply(env)
    later = as_the_lifecycle_applies(files, env, "build")
    for var in {os.path.basename(n).partition(".")[0] for n in files if not n.startswith("env.launch")}:
        assert build[var] == later[var], var
    return files, build


# -- the model ---------------------------------------------------------------------------------

def test_each_modifier_applies_as_the_spec_says_and_launch_entries_not_at_all():
    env = (LayerEnv().override("A", "new").default("B", "b").default("C", "c").prepend("D", "/d")
           .prepend("E", "/e", delim=" ").unset("F").default("G", "g", Scope.LAUNCH))
    assert env.apply({"A": "old", "B": "set", "C": "", "D": "/x", "F": "gone", "G": ""}) == {
        "A": "new", "B": "set", "C": "c", "D": "/d:/x", "E": "/e", "G": ""}
    assert env.apply({"E": "-v"})["E"] == "/e -v"


def test_files_name_the_modifier_and_a_prepend_its_delimiter_and_this_build_writes_none(tmp_path):
    env = (LayerEnv().override("A", "1").default("B", "2", Scope.BUILD).prepend("C", "/c", Scope.LAUNCH)
           .override("D", "4", Scope.THIS_BUILD).unset("E"))
    assert files_written(tmp_path, env) == {
        "env/A.override": "1", "env.build/B.default": "2", "env.launch/C.prepend": "/c", "env.launch/C.delim": ":"}


def test_an_unwritable_layer_is_an_error_about_the_layers_dir(tmp_path):
    layer = Layer(str(tmp_path), "l")
    (tmp_path / "l").write_text("a file where the layer's directory belongs")
    with pytest.raises(Exception) as e:
        LayerEnv().override("NLTK_DATA", "/x").write(layer)
    assert str(e.value).startswith("Could not write the layer l's env file NLTK_DATA (")


# -- each layer: files and build env from one value --------------------------------------------

def test_runtime_env_is_for_this_build_only_the_lifecycle_adds_bin_and_lib_itself(tmp_path):
    files, build = agree(tmp_path, runtime.env(L))
    assert files == {}
    assert build == {"PATH": "/layers/python/bin:/usr/local/bin:/usr/bin", "LD_LIBRARY_PATH": "/layers/python/lib",
                     "PIP_USER": "1", "HOME": "/home/cnb", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
                     "LANG": "C.UTF-8"}
    assert runtime.env(L).apply({"LD_LIBRARY_PATH": "/opt/lib", "LANG": "de_DE.UTF-8"}) == {
        "PATH": "/layers/python/bin:/usr/bin:/bin", "LD_LIBRARY_PATH": "/layers/python/lib:/opt/lib",
        "LANG": "de_DE.UTF-8", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def test_dependencies_env_writes_the_user_base_and_keeps_pips_settings_to_this_build(tmp_path):
    bundle = tmp_path / "ca.crt"
    bundle.write_text("")
    files, build = agree(tmp_path, dependencies.env(L, str(bundle)))
    assert files == {"env/PYTHONUSERBASE.override": "/layers/dependencies"}
    assert build == {"PATH": "/layers/dependencies/bin:/usr/local/bin:/usr/bin", "PYTHONHOME": "/opt/elsewhere",
                     "HOME": "/home/cnb", "PIP_CERT": str(bundle), "REQUESTS_CA_BUNDLE": str(bundle), "SSL_CERT_FILE": str(bundle),
                     "PYTHONUSERBASE": "/layers/dependencies", "PIP_NO_INPUT": "1",
                     "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}
    user_chose = dependencies.env(L, str(bundle)).apply({"PIP_CERT": "/etc/company.pem"})
    assert user_chose["PIP_CERT"] == "/etc/company.pem"
    assert "PIP_CERT" not in dependencies.env(L, str(tmp_path / "none.crt")).apply({})


def test_a_ca_bundle_the_user_names_in_one_setting_is_every_installers_bundle(tmp_path):
    """requests (under pip and poetry) takes REQUESTS_CA_BUNDLE over PIP_CERT: the user's PIP_CERT
    beside the build image's REQUESTS_CA_BUNDLE would not be used."""
    bundle = tmp_path / "ca.crt"
    bundle.write_text("")
    for name in dependencies.CA_BUNDLE_SETTINGS:
        user = {name: "/platform/bindings/site-ca/ca.crt"}
        built = dependencies.env(L, str(bundle), user_env=user).apply(user)
        assert {n: built[n] for n in dependencies.CA_BUNDLE_SETTINGS} == {
            "PIP_CERT": "/platform/bindings/site-ca/ca.crt", "REQUESTS_CA_BUNDLE": "/platform/bindings/site-ca/ca.crt",
            "SSL_CERT_FILE": "/platform/bindings/site-ca/ca.crt"}
    both = {"PIP_CERT": "/etc/pip.pem", "SSL_CERT_FILE": "/etc/ssl.pem"}
    assert dependencies.env(L, str(tmp_path / "none.crt"), user_env=both).apply(both)["REQUESTS_CA_BUNDLE"] == "/etc/pip.pem"


def test_pip_cache_env_is_for_this_builds_pip_only(tmp_path):
    files, build = agree(tmp_path, pip_cache.env(L))
    assert (files, build) == ({}, dict(BASE, PIP_CACHE_DIR="/layers/pip-cache"))


def test_a_tools_env_runs_it_from_its_cache_only_layer_without_the_users_pythonpath(tmp_path):
    files, build = agree(tmp_path, tools.env(L, PIPENV_TOOL), dict(BASE, PYTHONPATH="/app/lib"))
    assert files == {}
    assert build == dict(BASE, PYTHONPATH="/layers/pipenv/site",
                         PATH="/layers/pipenv/site/bin:/usr/local/bin:/usr/bin", PIPENV_VERBOSITY="-1",
                         PIPENV_IGNORE_VIRTUALENVS="1", PIPENV_YES="1", POETRY_VIRTUALENVS_CREATE="false",
                         POETRY_NO_INTERACTION="1", UV_NO_MANAGED_PYTHON="1", UV_PYTHON_DOWNLOADS="never")


def test_nltk_env_reaches_this_build_later_buildpacks_and_launch(tmp_path):
    files, build = agree(tmp_path, nltk.env(L))
    assert (files, build) == ({"env/NLTK_DATA.override": "/layers/nltk-data"}, dict(BASE, NLTK_DATA="/layers/nltk-data"))
    assert as_the_lifecycle_applies(files, {}, "launch") == {"NLTK_DATA": "/layers/nltk-data"}


def test_launch_config_env_is_launch_defaults_the_build_does_not_see(tmp_path):
    files, build = agree(tmp_path, launch_config.env(launch_config.metadata("/workspace")))
    assert files == {"env.launch/PORT.default": "8080", "env.launch/PYTHONUNBUFFERED.default": "1",
                     "env.launch/LANG.default": "C.UTF-8", "env.launch/FORWARDED_ALLOW_IPS.default": "*",
                     "env.launch/GUNICORN_CMD_ARGS.default": "--access-logfile -",
                     "env.launch/PYTHONPATH.default": "/workspace"}
    assert build == BASE
    assert as_the_lifecycle_applies(files, {"PORT": "5000"}, "launch")["PORT"] == "5000"


def test_the_build_env_after_the_runtime_is_the_runtime_dependencies_and_pip_cache_envs():
    """What pip, the hooks and collectstatic run with (build.py applies these, in this order)."""
    step = step_context("/", layers_dir=L, app_dir="/workspace", env=dict(BASE))[0]
    env = step.with_env(runtime.env(L), dependencies.env(L, "/no/such/bundle"), pip_cache.env(L)).env
    assert env == {"PATH": "/layers/dependencies/bin:/layers/python/bin:/usr/local/bin:/usr/bin", "LD_LIBRARY_PATH": "/layers/python/lib",
                   "HOME": "/home/cnb", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
                   "PYTHONUSERBASE": "/layers/dependencies", "PIP_NO_INPUT": "1",
                   "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore",
                   "PIP_CACHE_DIR": "/layers/pip-cache"}
    assert step.env == BASE  # the context is a value: the earlier one is unchanged
