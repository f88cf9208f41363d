"""Installer failures reported by their real cause: a source build that needs a system library
the build image lacks names it, the package that provides it and the builders that have it."""
import os


def test_a_missing_mysql_config_is_named_with_its_package(phase):
    p = phase("build_hooks")
    os.remove(os.path.join(p.app, "bin", "post_compile"))
    p.write("requirements.txt", "mysqlclient==2.2.4\n")
    result = p.build()
    assert result.returncode == 1
    assert result.stdout.endswith(
        "\n[Error] pip could not build mysqlclient from source: it needs mysql_config and the MySQL/MariaDB client "
        "headers, which the build image does not have.\n"
        "  Use a builder whose build image has it (heroku/builder:24 or paketobuildpacks/builder-jammy-full), or add "
        "the Debian/Ubuntu package default-libmysqlclient-dev (Debian) or libmysqlclient-dev (Ubuntu), and pkg-config "
        "to your build image.\n"
        "  Or install PyMySQL instead: it comes as prebuilt wheels.\n"
        "  The installer's output is above.\n"), result.stdout[-3000:]
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_a_poetry_python_the_runtime_does_not_match_names_both_sources(phase):
    """python = "3.13.*" with runtime.txt's 3.12: reported as a stale lock, or installed nothing
    (the export's markers excluded every package)."""
    p = phase("poetry_flask")
    p.write("runtime.txt", "3.12\n")
    with open(os.path.join(p.app, "pyproject.toml"), "a") as f:
        f.write('\n[tool.poetry.dependencies]\npython = "3.13.*"\n')
    result = p.build()
    assert result.returncode == 1
    assert result.stdout.endswith(
        '\n[Error] requires-python = ">=3.11,<4" and python = "3.13.*" (requires-python and '
        '[tool.poetry.dependencies] python in pyproject.toml) does not allow Python 3.12.1, the runtime chosen '
        '(newest match for 3.12 on Debian-12, from runtime.txt): poetry would refuse the project.\n'
        '  Make them agree: ask for a Python version that requires-python = ">=3.11,<4" and python = "3.13.*" '
        'allows, or change the constraint and run `poetry lock`.\n')
    assert "[Python runtime]" not in result.stdout  # refused before anything was installed


def test_a_uv_requires_python_the_runtime_does_not_match_names_both_sources(phase):
    p = phase("uv_fastapi")
    p.write(".python-version", "3.11\n")
    p.write("pyproject.toml", open(os.path.join(p.app, "pyproject.toml")).read().replace(
        'requires-python = ">=3.11"', 'requires-python = ">=3.12"'))
    result = p.build()
    assert result.returncode == 1
    assert result.stdout.endswith(
        '\n[Error] requires-python = ">=3.12" (requires-python in pyproject.toml) does not allow Python 3.11.7, the '
        'runtime chosen (newest match for 3.11 on Debian-12, from .python-version): uv would refuse the project.\n'
        '  Make them agree: ask for a Python version that requires-python = ">=3.12" allows, or change the '
        'constraint and run `uv lock`.\n')


def test_poetry_with_no_main_dependencies_its_own_python_and_a_cleo_directory(phase):
    """Three failures of one app: `export --only main` said "Group(s) not found: main"; Poetry's
    `python` did not pick the runtime; `python -m poetry` imported the app's cleo/."""
    p = phase("poetry_no_main_dependencies")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert ("  Using Python 3.11.7 (newest match for >=3.11,<3.12 on Debian-12, from [tool.poetry.dependencies] "
            "python in pyproject.toml)\n") in result.stdout
    assert "  poetry.lock lists no main packages: nothing to install\n" in result.stdout
    assert "the app's own cleo package" not in result.stdout
