"""Lock-true installs (issue 20): each lock installed by its own tool into a virtual environment
that is the dependencies layer, the groups asked for and no others, launch seeing the venv."""
import json
import os

from python_cnb.steps.dependencies import distributions, installed_distributions

POETRY_LOCK = '# a second lock, as an app moving from Poetry to uv might leave behind\n'


def test_a_packaged_uv_project_installs_itself_and_no_default_group(phase):
    p = phase("uv_packaged")
    p.write("poetry.lock", POETRY_LOCK)
    two = p.build()
    assert two.returncode == 1
    assert two.stdout.endswith(
        "[Error] More than one lock file: poetry.lock and uv.lock. python-cnb cannot tell which package manager "
        "the app uses.\n  Keep the lock file of the package manager you use and delete the other, or choose one "
        "with BP_PYTHON_LOCK_FILE=poetry.lock.\n"), two.stdout

    p.set_env("BP_PYTHON_LOCK_FILE", "uv.lock")
    # bin/post_compile sees the venv: its python, the packages and the console script.
    os.makedirs(os.path.join(p.app, "bin"))
    p.write(os.path.join("bin", "post_compile"), "#!/bin/sh\nset -e\npython -c 'import idna, uv_packaged_app'\n"
                                                 "echo \"post_compile: $(command -v uv-packaged-app)\"\n")
    os.chmod(os.path.join(p.app, "bin", "post_compile"), 0o755)
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert ("  Installing dependencies with uv 0.13.9 from uv.lock (uv sync --locked, main packages only)\n"
            in cold.stdout)
    layer = os.path.join(p.layers, "dependencies")
    assert "post_compile: {}\n".format(os.path.join(layer, "bin", "uv-packaged-app")) in cold.stdout
    # The project itself, non-editable (no .pth into the build's tree); not the default `test` group.
    assert dict(distributions(layer)) == {"idna": "3.10", "uv-packaged-app": "0.1.0"}
    site = os.path.join(layer, "lib", "python3.12", "site-packages")
    assert os.path.isfile(os.path.join(site, "uv_packaged_app", "__init__.py"))
    assert not [n for n in os.listdir(site) if n.endswith(".pth")]
    assert os.path.isfile(os.path.join(layer, "pyvenv.cfg"))
    assert p.read("dependencies", "env", "PATH.prepend") == os.path.join(layer, "bin")
    assert p.read("dependencies", "env", "VIRTUAL_ENV.override") == layer

    # At launch the venv's python comes first; the console script serves the page.
    ran = p.launched(["python", "-c", "import sys, idna, uv_packaged_app; print(sys.prefix)"])
    assert ran.stdout.strip() == layer, ran.stdout
    assert p.served(["uv-packaged-app"]) == "hello from the packaged uv fixture (xn--bcher-kva.example)\n"
    listed = json.loads(p.launched(["pip", "list", "--format=json"]).stdout)
    assert {"idna", "uv-packaged-app"} <= {d["name"] for d in listed}
    assert "iniconfig" not in {d["name"] for d in listed}

    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "  Reusing dependencies (pyproject.toml, uv.lock and Python 3.12.1 unchanged)\n" in warm.stdout
    assert "uv sync" not in warm.stdout and "Installing" not in warm.stdout

    p.set_env("BP_PYTHON_INSTALL_GROUPS", "docs")
    grouped = p.build()
    assert grouped.returncode == 0, grouped.stdout
    assert "  Rebuilding dependencies: dependency groups added\n" in grouped.stdout
    assert ("  Installing dependencies with uv 0.13.9 from uv.lock (uv sync --locked, main packages and group docs)\n"
            in grouped.stdout)
    assert set(installed_distributions(layer)) == {"idna", "six", "uv-packaged-app"}


def test_a_stale_uv_lock_fails_with_uvs_reason_and_the_fix(phase):
    p = phase("uv_packaged")
    with open(os.path.join(p.app, "pyproject.toml")) as f:
        text = f.read()
    p.write("pyproject.toml", text.replace('dependencies = ["idna==3.10"]', 'dependencies = ["idna==3.10", "six"]'))
    stale = p.build()
    assert stale.returncode == 1
    assert stale.stdout.endswith(
        "[Error] uv.lock is out of date with pyproject.toml (uv says: The lockfile at `uv.lock` needs to be "
        "updated, but `--locked` was provided.)\n"
        "  Run `uv lock` and commit the new uv.lock.\n"), stale.stdout
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_a_pylock_app_installs_with_hashes_required_and_checks_its_environments(phase):
    p = phase("pylock_app")
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert ("  Using Python 3.12.1 (newest match for >=3.11 on Debian-12, from requires-python in pylock.toml)\n"
            in cold.stdout)
    assert ("  Installing dependencies with uv 0.13.9 from pylock.toml (uv pip sync --require-hashes, main packages "
            "only)\n" in cold.stdout)
    assert installed_distributions(os.path.join(p.layers, "dependencies")) == ["idna"]
    assert p.served(["python", "app.py"]) == "hello from the pylock fixture (xn--bcher-kva.example)\n"
    warm = p.build()
    assert "  Reusing dependencies (pylock.toml and Python 3.12.1 unchanged)\n" in warm.stdout

    with open(os.path.join(p.app, "pylock.toml")) as f:
        text = f.read()
    p.write("pylock.toml", text.replace('requires-python = ">=3.11"\n',
                                        'requires-python = ">=3.11"\nenvironments = ["sys_platform == \'win32\'"]\n'))
    other = p.build()
    assert other.returncode == 1
    assert other.stdout.endswith(
        "[Error] pylock.toml is locked for other environments (sys_platform == 'win32'), not this build's "
        "(Python 3.12.1 on linux x86_64).\n  Lock again for this environment (e.g. add it to the locker's "
        "environments), or build on a target the lock names.\n"), other.stdout
