"""The uv installer for requirements.txt apps (BP_PYTHON_PACKAGE_MANAGER=uv): the setting, pip's
settings as uv's, hash-checking, and the exact command and environment the step runs, with a
recording runner (tests/fakes.py)."""
import io
import os

import pytest

from fakes import RecordingRunner, step_context, write_file
from python_cnb import pip_settings
from python_cnb import dependency_plan
from python_cnb.steps import uv_pip_install
from python_cnb.cnb.layers import Layer
from python_cnb.errors import BuildpackError
from python_cnb.installers import Installer
from python_cnb.steps import dependencies
from python_cnb.log import Log
from python_cnb.pip_settings import Setting
from python_cnb.project import Project
from python_cnb.settings import Settings

CA = "/etc/ssl/certs/ca-certificates.crt"


# -- the setting -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (None, Installer.PIP), ("", Installer.PIP), ("  ", Installer.PIP),
    ("pip", Installer.PIP), ("uv", Installer.UV_PIP), (" uv\n", Installer.UV_PIP),
])
def test_the_setting_chooses_pip_by_default_and_uv_when_asked(value, expected):
    env = {} if value is None else {"BP_PYTHON_PACKAGE_MANAGER": value}
    assert Settings.from_env(env).package_manager is expected


@pytest.mark.parametrize("value", ["UV", "poetry", "uv pip", "pip3"])
def test_any_other_value_is_an_error_naming_the_variable_and_the_allowed_values(value):
    with pytest.raises(BuildpackError) as e:
        Settings.from_env({"BP_PYTHON_PACKAGE_MANAGER": value})
    assert e.value.message == "BP_PYTHON_PACKAGE_MANAGER={} is not an installer python-cnb knows: use pip or uv.".format(value)
    assert e.value.hint == ("Set BP_PYTHON_PACKAGE_MANAGER=uv to install requirements.txt with uv, or pip (the default), "
                            "or unset it.")


def project_for(app_dir, installer, inputs):
    return Project(app_dir, frozenset(inputs), None, installer, tuple(inputs), (), None, ())


def test_the_choice_keys_the_dependencies_layer_and_switching_says_why(tmp_path):
    write_file(str(tmp_path / "requirements.txt"), "flask\n")
    project = project_for(str(tmp_path), Installer.PIP, ["requirements.txt"])
    by_pip = dependency_plan.metadata(project, "3.12.1", "debian-12/amd64")
    by_uv = dependency_plan.metadata(project, "3.12.1", "debian-12/amd64", Installer.UV_PIP)
    assert (by_pip.installer, by_uv.installer) == ("pip", "uv-pip")
    # nothing else differs but the requirement lines, which pip alone installs over (pip_install.py)
    assert by_pip._replace(installer="uv-pip", requirement_lines=[]) == by_uv and by_pip.requirement_lines
    assert dependency_plan.reasons(by_pip, by_uv) == ["installer changed (pip -> uv-pip)"]
    assert dependency_plan.reasons(by_uv, by_pip) == ["installer changed (uv-pip -> pip)"]


def test_uv_applies_to_requirements_txt_apps_only_and_needs_python_38():
    out = io.StringIO()
    uv = Installer.UV_PIP
    assert uv_pip_install.tool_for(Installer.PIP, uv, (3, 12, 1), Log(out)).name == "uv"
    assert uv_pip_install.tool_for(Installer.PIP, Installer.PIP, (3, 12, 1), Log(out)) is None
    assert uv_pip_install.tool_for(Installer.POETRY, uv, (3, 12, 1), Log(out)) is None
    assert uv_pip_install.tool_for(Installer.PIP_PROJECT, uv, (3, 12, 1), Log(out)) is None
    assert out.getvalue() == (
        "  WARNING: BP_PYTHON_PACKAGE_MANAGER=uv applies to requirements.txt apps only; this app installs from "
        "poetry.lock as before.\n"
        "  WARNING: BP_PYTHON_PACKAGE_MANAGER=uv applies to requirements.txt apps only; this app installs from "
        "pyproject.toml as before.\n")
    with pytest.raises(BuildpackError) as e:
        uv_pip_install.tool_for(Installer.PIP, uv, (3, 7, 17), Log(out))
    assert str(e.value) == ("BP_PYTHON_PACKAGE_MANAGER=uv needs Python 3.8 or newer (uv 0.13.9 supports no older); "
                            "this app uses Python 3.7.17.\n"
                            "Ask for a newer Python, or unset BP_PYTHON_PACKAGE_MANAGER to install with pip.")


# -- pip's settings, read as pip reads them ----------------------------------------------------

def test_pip_settings_precedence_install_over_global_then_variables(tmp_path):
    home, runtime = str(tmp_path / "home"), str(tmp_path / "runtime")
    write_file(os.path.join(home, ".config", "pip", "pip.conf"),
               "[global]\nindex-url = https://user-global.test/simple\ntrusted-host = a.test\n"
               "[install]\nfind-links = /wheels\n")
    write_file(os.path.join(runtime, "pip.conf"), "[global]\nindex-url = https://site.test/simple\n")
    write_file(os.path.join(home, ".pip", "pip.conf"), "[install]\ntrusted-host = legacy.test\nno_index = true\n")
    env = {"HOME": home, "XDG_CONFIG_DIRS": str(tmp_path / "none"), "PIP_FIND_LINKS": "/from-env", "PIP_VERSION": "1"}
    found = pip_settings.effective(env, runtime)
    site = os.path.join(runtime, "pip.conf")
    assert found["index-url"] == Setting("https://site.test/simple", site)  # the runtime's file is read last
    assert found["trusted-host"] == Setting("legacy.test", os.path.join(home, ".pip", "pip.conf"))  # [install] wins
    assert found["no-index"] == Setting("true", os.path.join(home, ".pip", "pip.conf"))  # names normalized
    assert found["find-links"] == Setting("/from-env", "PIP_FIND_LINKS")  # variables win over files
    assert "version" not in found  # pip ignores PIP_VERSION and PIP_HELP


def test_pip_config_file_replaces_the_user_files_and_devnull_reads_none(tmp_path):
    home, runtime = str(tmp_path / "home"), str(tmp_path / "runtime")
    write_file(os.path.join(home, ".config", "pip", "pip.conf"), "[global]\nindex-url = https://user.test/simple\n")
    write_file(str(tmp_path / "mine.conf"), "[global]\nextra-index-url = https://a.test/simple\n  https://b.test/simple\n")
    env = {"HOME": home, "PIP_CONFIG_FILE": str(tmp_path / "mine.conf")}
    found = pip_settings.effective(env, runtime)
    assert "index-url" not in found
    assert found["extra-index-url"].value == "https://a.test/simple\nhttps://b.test/simple"
    assert pip_settings.effective(dict(env, PIP_CONFIG_FILE=os.devnull), runtime) == {}


def test_a_broken_pip_config_file_is_an_error_naming_it(tmp_path):
    write_file(str(tmp_path / "pip.conf"), "index-url = https://no-section.test/simple\n")
    with pytest.raises(BuildpackError) as e:
        pip_settings.effective({"PIP_CONFIG_FILE": str(tmp_path / "pip.conf"), "HOME": str(tmp_path)}, str(tmp_path))
    assert e.value.message.startswith("pip's configuration file {} cannot be read: File contains no section "
                                      "headers.".format(tmp_path / "pip.conf"))
    assert e.value.hint == "Fix the file (INI format, UTF-8), or remove it."


# -- pip's settings as uv's --------------------------------------------------------------------

def test_pip_settings_map_to_uv_with_index_urls_in_the_environment():
    settings = {
        "index-url": Setting("https://builder:s3cret@pypi.example.test/simple", "PIP_INDEX_URL"),
        "extra-index-url": Setting("https://a.test/simple  https://u:p@b.test/simple", "PIP_EXTRA_INDEX_URL"),
        "find-links": Setting("/wheels https://links.test/", "/etc/pip.conf"),
        "trusted-host": Setting("a.test\nb.test", "PIP_TRUSTED_HOST"),
        "no-index": Setting("false", "PIP_NO_INDEX"),
        "pre": Setting("yes", "PIP_PRE"),
        "only-binary": Setting(":all:", "PIP_ONLY_BINARY"),
        "no-binary": Setting("psycopg2,lxml", "PIP_NO_BINARY"),
        "constraint": Setting("/c.txt", "PIP_CONSTRAINT"),
        "default-timeout": Setting("60", "PIP_DEFAULT_TIMEOUT"),
        "client-cert": Setting("/client.pem", "PIP_CLIENT_CERT"),
        "proxy": Setting("http://proxy.test:3128", "PIP_PROXY"),
        "cache-dir": Setting("/layers/pip-cache", "PIP_CACHE_DIR"),
        "no-build-isolation": Setting("1", "PIP_NO_BUILD_ISOLATION"),
        "retries": Setting("9", "/etc/pip.conf"),
    }
    mapped = uv_pip_install.from_pip(settings, {"SSL_CERT_FILE": CA}, CA)
    assert mapped.env == {
        "UV_INDEX_URL": "https://builder:s3cret@pypi.example.test/simple",
        "UV_EXTRA_INDEX_URL": "https://a.test/simple https://u:p@b.test/simple",
        "UV_HTTP_TIMEOUT": "60", "SSL_CLIENT_CERT": "/client.pem",
        "HTTPS_PROXY": "http://proxy.test:3128", "HTTP_PROXY": "http://proxy.test:3128",
    }
    assert mapped.flags == ["--constraints", "/c.txt", "--find-links", "/wheels", "--find-links", "https://links.test/",
                            "--no-binary", "psycopg2", "--no-binary", "lxml", "--only-binary", ":all:",
                            "--prerelease", "allow", "--allow-insecure-host", "a.test", "--allow-insecure-host", "b.test"]
    assert not any("s3cret" in flag for flag in mapped.flags)  # credentials only ever in the environment
    assert mapped.ignored == ["no-build-isolation (from PIP_NO_BUILD_ISOLATION)", "retries (from /etc/pip.conf)"]


def test_uv_variables_the_user_set_win_and_the_cert_follows_pip():
    settings = {"index-url": Setting("https://pip.test/simple", "PIP_INDEX_URL"),
                "cert": Setting("/company-ca.pem", "PIP_CERT"), "require-hashes": Setting("on", "/etc/pip.conf")}
    mapped = uv_pip_install.from_pip(settings, {"UV_INDEX_URL": "https://uv.test/simple", "SSL_CERT_FILE": CA}, CA)
    assert mapped.env == {"SSL_CERT_FILE": "/company-ca.pem"}  # uv reads the user's UV_INDEX_URL itself
    assert mapped.flags == ["--require-hashes"]
    # PIP_CERT left at the build image's bundle: a SSL_CERT_FILE the user chose stays.
    kept = uv_pip_install.from_pip({"cert": Setting(CA, "PIP_CERT")}, {"SSL_CERT_FILE": "/mine.pem"}, CA)
    assert kept.env == {}


def test_hash_checking_is_on_when_any_requirement_file_pip_reads_has_a_hash(tmp_path):
    app = str(tmp_path)
    write_file(os.path.join(app, "requirements.txt"), "-r base.txt\nflask==3.0.3\n")
    write_file(os.path.join(app, "base.txt"), "six==1.16.0 \\\n    --hash=sha256:{}\n".format("8" * 64))
    write_file(os.path.join(app, "plain.txt"), "six==1.16.0  # --hash in a comment does not count\n")
    write_file(os.path.join(app, "strict.txt"), "--require-hashes\nsix==1.16.0\n")
    assert uv_pip_install.uses_hashes(app, ["requirements.txt", "base.txt"])
    assert not uv_pip_install.uses_hashes(app, ["plain.txt"])
    assert uv_pip_install.uses_hashes(app, ["strict.txt"])


def test_the_runtimes_own_distributions_constrain_the_install(tmp_path):
    site = tmp_path / "python" / "lib" / "python3.12" / "site-packages"
    for name in ("pip-23.3.2.dist-info", "setuptools-68.2.2.dist-info", "wheel-0.42.0.dist-info", "pip"):
        os.makedirs(str(site / name))
    assert uv_pip_install.runtime_constraints(str(tmp_path / "python")) == "pip==23.3.2\nsetuptools==68.2.2\nwheel==0.42.0\n"


# -- the step ------------------------------------------------------------------------------------

def uv_step(tmp_path, runner, env=None):
    layers, app = str(tmp_path / "layers"), str(tmp_path / "app")
    for name in ("pip-23.3.2.dist-info", "setuptools-68.2.2.dist-info"):
        os.makedirs(os.path.join(layers, "python", "lib", "python3.12", "site-packages", name), exist_ok=True)
    os.makedirs(app, exist_ok=True)
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "PIP_CONFIG_FILE": os.devnull,
            "PYTHONUSERBASE": os.path.join(layers, "dependencies"), "PIP_CACHE_DIR": os.path.join(layers, "pip-cache"),
            "SSL_CERT_FILE": CA, "PIP_CERT": CA}
    base.update(env or {})
    return step_context(tmp_path, env=base, runner=runner, python="3.12.1")


def test_the_uv_step_runs_uv_pip_install_into_the_layer_then_compiles_and_commits(tmp_path):
    seen_constraints = []

    def uv_writes_the_layer(cmd):
        if cmd[1:3] == ["pip", "install"]:
            layer = cmd[cmd.index("--prefix") + 1]
            os.makedirs(os.path.join(layer, "lib", "python3.12", "site-packages", "six-1.16.0.dist-info"))
            write_file(os.path.join(layer, "lib", "python3.12", "site-packages", "six.py"), "")
            write_file(os.path.join(layer, ".lock"), "")
            with open(cmd[cmd.index("--constraints") + 1]) as f:
                seen_constraints.append(f.read())
        return 0, ""
    runner = RecordingRunner(uv_writes_the_layer)
    ctx, out = uv_step(tmp_path, runner, {"PIP_INDEX_URL": "https://builder:s3cret@pypi.example.test/simple",
                                          "UV_COMPILE_BYTECODE": "1"})
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "six==1.16.0 --hash=sha256:{}\n".format("8" * 64))
    project = project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])
    wanted = dependency_plan.metadata(project, "3.12.1", ctx.target, Installer.UV_PIP)
    dependencies.install(ctx._replace(project=project), wanted, ctx.env)

    layer = os.path.join(ctx.layers_dir, "dependencies")
    uv, compile_cmd = runner.commands
    assert uv[:-4] == [os.path.join(ctx.layers_dir, "uv", "site", "bin", "uv"), "pip", "install",
                       "--python", ctx.python.path, "--prefix", layer, "--constraints"]
    assert uv[-3:] == ["--require-hashes", "--requirements", "requirements.txt"]
    assert seen_constraints == ["pip==23.3.2\nsetuptools==68.2.2\n"]
    uv_env = runner.envs[0]
    assert uv_env["UV_INDEX_URL"] == "https://builder:s3cret@pypi.example.test/simple"
    assert {k: uv_env[k] for k in ("UV_CACHE_DIR", "UV_LINK_MODE", "UV_NO_PROGRESS", "UV_PYTHON_DOWNLOADS",
                                   "UV_NO_MANAGED_PYTHON", "UV_INDEX_STRATEGY")} == {
        "UV_CACHE_DIR": os.path.join(ctx.layers_dir, "pip-cache", "uv"), "UV_LINK_MODE": "copy", "UV_NO_PROGRESS": "1",
        "UV_PYTHON_DOWNLOADS": "never", "UV_NO_MANAGED_PYTHON": "1", "UV_INDEX_STRATEGY": "unsafe-best-match"}
    assert "UV_COMPILE_BYTECODE" not in uv_env  # the buildpack compiles, reproducibly
    assert "compileall" in compile_cmd and "unchecked-hash" in compile_cmd
    assert not os.path.exists(os.path.join(layer, ".lock"))  # uv's own lock is not left in the layer
    assert out.getvalue() == (
        "  Installing dependencies with uv 0.13.9 from requirements.txt (from BP_PYTHON_PACKAGE_MANAGER=uv)\n"
        "  Installed 1 distributions in 0.00s\n")
    assert Layer(ctx.layers_dir, "dependencies").previous_metadata()["installer"] == "uv-pip"
    with open(os.path.join(layer, "env", "PYTHONUSERBASE.override")) as f:
        assert f.read() == layer


def test_vendored_wheels_install_offline_with_uv_and_ignored_pip_settings_are_named(tmp_path):
    runner = RecordingRunner()
    ctx, out = uv_step(tmp_path, runner, {"PIP_NO_BUILD_ISOLATION": "1", "PIP_NO_INDEX": "1"})
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "flask\n")
    write_file(os.path.join(ctx.app_dir, "vendor", "flask-3.0.3-py3-none-any.whl"), "")
    project = project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])
    wanted = dependency_plan.metadata(project, "3.12.1", ctx.target, Installer.UV_PIP)
    dependencies.install(ctx._replace(project=project), wanted, ctx.env)
    uv = runner.commands[0]
    assert uv[uv.index("--constraints") + 2:] == ["--no-index", "--find-links", "vendor", "--requirements",
                                                  "requirements.txt"]
    assert out.getvalue().startswith(
        "  Installing dependencies with uv 0.13.9 from requirements.txt (from BP_PYTHON_PACKAGE_MANAGER=uv), "
        "offline from vendor/\n"
        "  WARNING: pip's setting no-build-isolation (from PIP_NO_BUILD_ISOLATION) has no uv equivalent; uv ignores it.\n"
        "           Unset it, or build with pip (BP_PYTHON_PACKAGE_MANAGER=pip).\n")


def test_a_failing_uv_leaves_no_dependencies_layer_and_credentials_stay_out_of_the_log(tmp_path):
    ctx, out = uv_step(tmp_path, RecordingRunner(lambda cmd: (2, "")),
                       {"PIP_EXTRA_INDEX_URL": "https://builder:s3cret@pypi.example.test/simple"})
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "nosuchpackage\n")
    project = project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])
    with pytest.raises(BuildpackError) as e:
        dependencies.install(ctx._replace(project=project), dependency_plan.metadata(project, "3.12.1", ctx.target, Installer.UV_PIP), ctx.env)
    assert e.value.message == "uv could not install the dependencies (exit 2); its output is above."
    assert e.value.hint == ("Fix requirements.txt (a missing package, a version that does not exist, a package needing "
                            "system libraries, or a pip, setuptools or wheel version other than the runtime's), or "
                            "build with pip (BP_PYTHON_PACKAGE_MANAGER=pip).")
    assert not os.path.exists(os.path.join(ctx.layers_dir, "dependencies.toml"))
    assert "s3cret" not in out.getvalue()
    out = io.StringIO()
    Log(out).detail("error: Failed to fetch: `https://builder:s3cret@pypi.example.test/simple/nosuchpackage/`")
    assert out.getvalue() == "      error: Failed to fetch: `https://****@pypi.example.test/simple/nosuchpackage/`\n"


def test_uvs_own_bookkeeping_leaves_the_layer_and_its_record(tmp_path):
    layer = str(tmp_path / "dependencies")
    dist_info = os.path.join(layer, "lib", "python3.12", "site-packages", "localpkg-0.1.0.dist-info")
    write_file(os.path.join(dist_info, "uv_cache.json"), '{"timestamp":{"secs_since_epoch":1795920224}}')
    write_file(os.path.join(dist_info, "uv_build.json"), "{}")
    write_file(os.path.join(dist_info, "METADATA"), "Name: localpkg\n")
    write_file(os.path.join(dist_info, "RECORD"),
               "localpkg-0.1.0.dist-info/METADATA,sha256=abc,15\r\nlocalpkg-0.1.0.dist-info/uv_cache.json,sha256=def,45\r\n"
               "localpkg-0.1.0.dist-info/uv_build.json,sha256=ghi,2\r\nlocalpkg-0.1.0.dist-info/RECORD,,\r\n")
    write_file(os.path.join(layer, ".lock"), "")
    uv_pip_install.drop_bookkeeping(layer)
    assert sorted(os.listdir(dist_info)) == ["METADATA", "RECORD"]
    assert not os.path.exists(os.path.join(layer, ".lock"))
    with open(os.path.join(dist_info, "RECORD"), newline="") as f:
        assert f.read() == "localpkg-0.1.0.dist-info/METADATA,sha256=abc,15\r\nlocalpkg-0.1.0.dist-info/RECORD,,\r\n"


def test_an_editable_vcs_requirement_is_refused_with_its_line_before_uv_runs(tmp_path):
    app = str(tmp_path)
    write_file(os.path.join(app, "requirements.txt"), "six==1.16.0\n-r more.txt\n")
    write_file(os.path.join(app, "more.txt"), "-e ./localpkg\ngitpkg @ git+https://example.test/gitpkg\n"
                                             "--editable=git+https://example.test/repo#egg=repo\n")
    uv_pip_install.refuse_editable_vcs(app, ["requirements.txt"], {})  # a local editable and a non-editable VCS are fine
    with pytest.raises(BuildpackError) as e:
        uv_pip_install.refuse_editable_vcs(app, ["requirements.txt", "more.txt"], {})
    assert str(e.value) == (
        "more.txt, line 3: uv cannot install an editable VCS requirement (-e git+https://example.test/repo#egg=repo).\n"
        "Install it without -e (uv then builds it into the layer), or build with pip (BP_PYTHON_PACKAGE_MANAGER=pip), "
        "which checks it out into the layer's src/.")
