"""An installer's failure explained from its output: the missing program or headers, the Debian
package that has them, the builders that do."""
import pytest

from python_cnb.errors import BuildpackError
from python_cnb.install_failures import explain, failed_distribution, missing

FALLBACK = BuildpackError("pip could not install the dependencies (exit 1); its output is above.", hint="Fix it.")

PSYCOPG2 = """Collecting psycopg2==2.9.9 (from -r requirements.txt (line 1))
  Downloading psycopg2-2.9.9.tar.gz (384 kB)
  Preparing metadata (setup.py): started
  Preparing metadata (setup.py): finished with status 'error'
  error: subprocess-exited-with-error

  × python setup.py egg_info did not run successfully.
  │ exit code: 1
  ╰─> [23 lines of output]
      running egg_info
      Error: pg_config executable not found.

      pg_config is required to build psycopg2 from source.  Please add the directory
      containing pg_config to the $PATH or specify the full executable path with the
      option:
      [end of output]
error: metadata-generation-failed
""".splitlines()

GDAL = """Collecting GDAL==3.6.2
  Downloading GDAL-3.6.2.tar.gz (757 kB)
  Installing build dependencies: started
  Getting requirements to build wheel: finished with status 'error'
      /bin/sh: 1: gdal-config: not found
      WARNING: gdal-config not found in path or environment variable GDAL_CONFIG.
      Traceback (most recent call last):
      gdal_config_error: [Errno 2] No such file or directory: 'gdal-config'
""".splitlines()

MYSQLCLIENT = """Collecting mysqlclient==2.2.4
  Getting requirements to build wheel: finished with status 'error'
      Trying pkg-config --exists mysqlclient
      Command 'pkg-config --exists mysqlclient' returned non-zero exit status 1.
      Trying pkg-config --exists mariadb
      Exception: Can not find valid pkg-config name.
      Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS env vars manually
""".splitlines()

CFFI = """Building wheel for cffi (pyproject.toml): started
      c/_cffi_backend.c:15:10: fatal error: ffi.h: No such file or directory
         15 | #include <ffi.h>
      error: command '/usr/bin/x86_64-linux-gnu-gcc' failed with exit code 1
  Building wheel for cffi (pyproject.toml): finished with status 'error'
  ERROR: Failed building wheel for cffi
Failed to build cffi
ERROR: Could not build wheels for cffi, which is required to install pyproject.toml-based projects
""".splitlines()


def test_pg_config_names_libpq_dev_the_builders_and_the_binary_wheel():
    error = explain("pip", PSYCOPG2, FALLBACK)
    assert error.message == ("pip could not build psycopg2 from source: it needs pg_config and PostgreSQL's client "
                             "headers, which the build image does not have.")
    assert error.hint == ("Use a builder whose build image has it (heroku/builder:24 or "
                          "paketobuildpacks/builder-jammy-full), or add the Debian/Ubuntu package libpq-dev to your "
                          "build image.\n"
                          "Or install psycopg2-binary, or psycopg[binary] instead: it comes as prebuilt wheels.\n"
                          "The installer's output is above.")


@pytest.mark.parametrize("lines, dist, debian", [
    (GDAL, "GDAL", "libgdal-dev"),
    (MYSQLCLIENT, "mysqlclient", "default-libmysqlclient-dev (Debian) or libmysqlclient-dev (Ubuntu), and pkg-config"),
    (CFFI, "cffi", "libffi-dev"),
    (["Building wheel for cryptography (pyproject.toml): started",
      "      build/temp/_openssl.c:575:10: fatal error: openssl/opensslv.h: No such file or directory"],
     "cryptography", "libssl-dev"),
    (["Collecting lxml==4.9.0", "      src/lxml/includes/etree_defs.h:14:10: fatal error: libxml/xmlversion.h: "
                                "No such file or directory"], "lxml", "libxml2-dev and libxslt1-dev"),
    (["Collecting python-ldap==3.4.4", "      Modules/constants.h:7:10: fatal error: lber.h: No such file or directory"],
     "python-ldap", "libldap2-dev and libsasl2-dev"),
    (["Collecting gssapi", "      /bin/sh: 1: krb5-config: not found"], "gssapi", "libkrb5-dev"),
    (["Building wheel for pillow (pyproject.toml): started",
      "      The headers or library files could not be found for jpeg,"], "pillow", "libjpeg-dev"),
    (["Collecting pydantic-core==2.14.1", "      Cargo, the Rust package manager, is not installed or is not on PATH.",
      "      error: can't find Rust compiler"], "pydantic-core", "cargo and rustc"),
    (["Building wheel for regex (setup.py): started",
      "      error: command 'x86_64-linux-gnu-gcc' failed: No such file or directory"], "regex", "build-essential"),
])
def test_common_missing_build_requirements(lines, dist, debian):
    found = missing(lines)
    assert found is not None and found.debian == debian
    assert failed_distribution(lines) == dist
    assert explain("pip", lines, FALLBACK).message.startswith("pip could not build {} from source".format(dist))


def test_pip_23s_summary_names_the_distribution():
    lines = ["  error: subprocess-exited-with-error", "Failed to build installable wheels for some pyproject.toml "
             "based projects", "╰─> psycopg2", "      Error: pg_config executable not found."]
    assert failed_distribution(lines) == "psycopg2"


@pytest.mark.parametrize("lines", [
    [],
    ["ERROR: Could not find a version that satisfies the requirement flask==99 (from versions: 0.1)",
     "ERROR: No matching distribution found for flask==99"],
    ["ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE."],
])
def test_anything_else_keeps_the_installers_own_error(lines):
    assert explain("pip", lines, FALLBACK) is FALLBACK


def test_uv_is_named_as_the_installer():
    lines = ["  × Failed to build `psycopg2==2.9.9`", "  ╰─▶ Error: pg_config executable not found."]
    assert explain("uv", lines, FALLBACK).message.startswith("uv could not build psycopg2 from source")


# -- a lock check that fails says why ------------------------------------------------------------

from python_cnb.install_failures import lock_check_failed  # noqa: E402
from python_cnb.installers import Installer  # noqa: E402


@pytest.mark.parametrize("installer, lines", [
    (Installer.POETRY, ["Error: pyproject.toml changed significantly since poetry.lock was last generated. "
                        "Run `poetry lock` to fix the lock file."]),
    (Installer.UV, ["error: The lockfile at `uv.lock` needs to be updated, but `--check` was provided. "
                    "To update the lockfile, run `uv lock`."]),
    (Installer.PIPENV, ["Pipfile.lock out of date, run `pipenv lock` to update."]),
])
def test_a_stale_lock_is_named(installer, lines):
    error = lock_check_failed(installer.value, installer.manifest, installer.lock, 1, lines)
    assert error.message == "{} is out of date with {}.".format(installer.lock.file, installer.manifest)


def test_any_other_failure_of_the_check_is_the_tools_own_words():
    lines = ["", "The lock file might be corrupted: Invalid TOML file /workspace/poetry.lock", ""]
    error = lock_check_failed("poetry", "pyproject.toml", Installer.POETRY.lock, 1, lines)
    assert error.message == ("poetry could not check poetry.lock against pyproject.toml (exit 1): The lock file might "
                             "be corrupted: Invalid TOML file /workspace/poetry.lock")
    assert error.hint == ("Its output is above. Fix pyproject.toml or poetry.lock, run `poetry lock` locally, and "
                          "commit both.")
    assert lock_check_failed("uv", "pyproject.toml", Installer.UV.lock, 2, []).message.endswith("(exit 2): exit 2")
