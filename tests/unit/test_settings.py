"""Settings: every BP_* and heroku-style variable, read and checked once before the first step;
each bad value is one error naming the variable, the value and the fix."""
import pytest

from python_cnb.installers import Installer
from python_cnb.errors import BuildpackError
from python_cnb.settings import RuntimeCache, Settings


def error(env):
    with pytest.raises(BuildpackError) as e:
        Settings.from_env(env)
    return e.value.message, e.value.hint


def test_nothing_set_is_every_default():
    assert Settings.from_env({}) == Settings() == Settings(
        "", Installer.PIP, "", {}, 600.0, 2048, "", "")


def test_each_setting_is_read_from_its_variable():
    settings = Settings.from_env({
        "BP_PYTHON_VERSION": "3.11", "BP_PYTHON_PACKAGE_MANAGER": " uv ", "BP_PYTHON_RUNTIME_CATALOG": " /c.yaml ",
        "BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}", "BP_DEPENDENCY_MIRROR_": "ignored",
        "BP_DOWNLOAD_TIMEOUT": " 2.5 ", "BP_UNPACK_LIMIT_MB": "16", "NLTK_DOWNLOAD_URL": "https://n.example.org/i.xml",
        "DISABLE_COLLECTSTATIC": " 1 ", "PATH": "/usr/bin"})
    assert settings == Settings("3.11", Installer.UV_PIP, "/c.yaml",
                                {"BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}"}, 2.5, 16,
                                "https://n.example.org/i.xml", "1")
    assert Settings.from_env({"BP_NLTK_INDEX_URL": "https://a.test/i.xml", "NLTK_DOWNLOAD_URL": "x"}).nltk_index_url \
        == "https://a.test/i.xml"
    assert Settings.from_env({"BP_PYTHON_VERSION": "  "}).python_version == ""


@pytest.mark.parametrize("value, kept", [
    ("", RuntimeCache.PIP_RUNTIME), ("  ", RuntimeCache.PIP_RUNTIME), ("true", RuntimeCache.WHOLE),
    (" Yes ", RuntimeCache.WHOLE), ("1", RuntimeCache.WHOLE), ("false", RuntimeCache.NOTHING),
    ("0", RuntimeCache.NOTHING), ("NO", RuntimeCache.NOTHING)])
def test_the_runtime_cache_has_three_values_unset_being_the_copy_for_pip(value, kept):
    assert Settings.from_env({"BP_PYTHON_RUNTIME_CACHE": value}).runtime_cache is kept
    assert Settings().runtime_cache is RuntimeCache.PIP_RUNTIME


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_collectstatic_stays_on_for_an_empty_zero_or_false_value(value):
    assert Settings.from_env({"DISABLE_COLLECTSTATIC": value}).disable_collectstatic == ""


@pytest.mark.parametrize("value", ["²", "٣", "abc", "0", "000", "-5", "1.5", "1e3", "+5"])
def test_an_unusable_unpack_limit(value):
    assert error({"BP_UNPACK_LIMIT_MB": value}) == (
        "BP_UNPACK_LIMIT_MB must be a whole number of megabytes greater than 0, not {!r}.".format(value),
        "Unset it for the default (2048 MB).")


@pytest.mark.parametrize("variable", ["BP_UNPACK_LIMIT_MB", "BP_PYTHON_PACKAGE_MANAGER", "BP_PYTHON_LOCK_FILE",
                                      "BP_PYTHON_INSTALL_GROUPS", "BP_PYTHON_RUNTIME_CACHE"])
def test_a_value_decoded_under_a_c_locale_is_shown_as_written(variable):
    """Python 3.6 under a C locale reads '²' from the environment as two lone surrogates."""
    message, _ = error({variable: "\udcc2\udcb2"})
    assert "²" in message and "\\udc" not in message


@pytest.mark.parametrize("value", ["soon", "²", "٣", "0", "0.0", "-1", "nan", "inf", "1e3", "1" * 400, "1.2.3"])
def test_an_unusable_download_timeout(value):
    assert error({"BP_DOWNLOAD_TIMEOUT": value}) == (
        "BP_DOWNLOAD_TIMEOUT must be a number of seconds greater than 0, not {!r}.".format(value),
        "Unset it for the default (600 s), or set e.g. BP_DOWNLOAD_TIMEOUT=900.")


@pytest.mark.parametrize("value, seconds", [("900", 900.0), ("1.5", 1.5), (".5", 0.5), ("7.", 7.0)])
def test_a_download_timeout_in_seconds(value, seconds):
    assert Settings.from_env({"BP_DOWNLOAD_TIMEOUT": value}).download_timeout == seconds


def test_a_broken_mirror_is_an_error_at_the_start_even_if_no_download_would_use_it():
    assert error({"BP_DEPENDENCY_MIRROR_EXAMPLE_ORG": "ftp://m.example.org"}) == (
        "BP_DEPENDENCY_MIRROR_EXAMPLE_ORG is not a usable URL: ftp://m.example.org is not an absolute http://, "
        "https:// or file:// URL.",
        "Fix BP_DEPENDENCY_MIRROR_EXAMPLE_ORG, e.g. BP_DEPENDENCY_MIRROR_EXAMPLE_ORG=https://mirror.example.org/"
        "{originalHost}")


@pytest.mark.parametrize("value, level", [("", "server"), (" App ", "app"), ("serve", "serve"), ("OFF", "off")])
def test_the_launch_check_level(value, level):
    assert Settings.from_env({"BP_LAUNCH_CHECK": value}).launch_check == level


@pytest.mark.parametrize("value", ["bogus", "yes", "\udcc2\udcb2"])
def test_an_unknown_launch_check_level(value):
    assert error({"BP_LAUNCH_CHECK": value}) == (
        "BP_LAUNCH_CHECK={} is not a level of the launch check: use server, app, serve or off.".format(
            value.encode("utf-8", "surrogateescape").decode("utf-8")),
        "server (the default) checks the web server starts; app also imports the app; serve also answers one "
        "HTTP request; off checks nothing.")


@pytest.mark.parametrize("value, seconds", [("", 60.0), ("180", 180.0), (" 2.5 ", 2.5)])
def test_the_launch_check_time_limit(value, seconds):
    assert Settings.from_env({"BP_LAUNCH_CHECK_TIMEOUT": value}).launch_check_timeout == seconds


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf", "1e3"])
def test_an_unusable_launch_check_time_limit(value):
    assert error({"BP_LAUNCH_CHECK_TIMEOUT": value}) == (
        "BP_LAUNCH_CHECK_TIMEOUT must be a number of seconds greater than 0, not {!r}.".format(value),
        "Unset it for the default (60 s), or set e.g. BP_LAUNCH_CHECK_TIMEOUT=180 for an app that is slow to import.")
