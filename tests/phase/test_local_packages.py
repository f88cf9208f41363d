"""Local and editable requirements: what they install is in the image (the app dir or the
dependencies layer, never a build-only path), and a change to them rebuilds the layer."""
import os
import subprocess

import pytest

from python_cnb.steps.dependencies import installed_distributions

GIT_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def package(root, name, greeting):
    """A one-package setuptools project: <root>/<name>/pyproject.toml and src/<name>/__init__.py (the
    src layout: a project directory named like its package must not shadow it on sys.path)."""
    os.makedirs(os.path.join(root, name, "src", name), exist_ok=True)
    with open(os.path.join(root, name, "pyproject.toml"), "w") as f:
        f.write('[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
                '[project]\nname = "{}"\nversion = "0.1.0"\n'.format(name))
    greet(os.path.join(root, name), greeting)
    return os.path.join(root, name)


def greet(project_dir, greeting):
    name = os.path.basename(project_dir)
    with open(os.path.join(project_dir, "src", name, "__init__.py"), "w") as f:
        f.write("GREETING = {!r}\n".format(greeting))


def git(repo, *args):
    subprocess.run(["git", "-C", repo] + list(args), env=GIT_ENV, check=True, stdout=subprocess.DEVNULL)


def at_launch(p, *modules):
    """module -> (GREETING, __file__), imported as a launched process would."""
    code = "import importlib\nfor m in {!r}:\n    mod = importlib.import_module(m)\n" \
           "    print(m, mod.GREETING, mod.__file__, sep='\\t')\n".format(modules)
    out = p.launched([os.path.join(p.layers, "python", "bin", "python"), "-c", code])
    assert out.returncode == 0, out.stdout
    return {m: (g, f) for m, g, f in (line.split("\t") for line in out.stdout.splitlines())}


def test_editable_path_git_and_file_requirements_are_in_the_image_and_key_the_layer(phase, tmp_path):
    p = phase("requirements_local_packages")
    repo = package(str(tmp_path / "repos"), "gitpkg", "hello-from-gitpkg")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    outside = package(str(tmp_path / "outside"), "filepkg", "hello-from-filepkg")
    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write("-e git+file://{}#egg=gitpkg\nfilepkg @ file://{}\n".format(repo, outside))

    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in cold.stdout
    deps = os.path.join(p.layers, "dependencies")
    site = os.path.join(deps, "lib", "python3.12", "site-packages")
    assert at_launch(p, "localpkg", "vendorpkg", "gitpkg", "filepkg") == {
        "localpkg": ("hello from localpkg", os.path.join(p.app, "localpkg", "src", "localpkg", "__init__.py")),
        "vendorpkg": ("hello from vendorpkg", os.path.join(site, "vendorpkg", "__init__.py")),
        "gitpkg": ("hello-from-gitpkg", os.path.join(deps, "src", "gitpkg", "src", "gitpkg", "__init__.py")),
        "filepkg": ("hello-from-filepkg", os.path.join(site, "filepkg", "__init__.py")),
    }
    assert not os.path.exists(os.path.join(p.app, "src"))  # pip's default --src: not in the app
    toml = p.read("dependencies.toml")
    for key in ('"requirements.txt" = "', '"localpkg/pyproject.toml" = "', '"vendorpkg/" = "',
                '"{}/" = "'.format(outside), '"git+file://{}#egg=gitpkg" = "'.format(repo)):
        assert key in toml, toml

    greet(os.path.join(p.app, "localpkg"), "edited in place")  # editable: read at run time, no rebuild
    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "  Reusing dependencies (requirements.txt, localpkg/pyproject.toml and Python 3.12.1 unchanged)\n" \
        in warm.stdout
    assert at_launch(p, "localpkg")["localpkg"][0] == "edited in place"

    greet(os.path.join(p.app, "vendorpkg"), "vendorpkg-v2")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Rebuilding dependencies: vendorpkg/ changed\n" in changed.stdout
    assert at_launch(p, "vendorpkg")["vendorpkg"][0] == "vendorpkg-v2"

    greet(repo, "gitpkg-v2")
    git(repo, "commit", "-q", "-am", "second")
    committed = p.build()
    assert committed.returncode == 0, committed.stdout
    assert "  Rebuilding dependencies: git+file://{}#egg=gitpkg changed\n".format(repo) in committed.stdout
    assert at_launch(p, "gitpkg")["gitpkg"][0] == "gitpkg-v2"


def test_an_include_written_without_a_space_keys_the_layer(phase):
    p = phase("pinned_runtime_txt")
    p.write("requirements.txt", "-rbase.txt\n")
    p.write("base.txt", "six==1.16.0\n")
    assert p.build().returncode == 0
    p.write("base.txt", "six==1.16.0\nidna==3.7\n")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Rebuilding dependencies: base.txt changed\n" in changed.stdout
    assert "idna" in installed_distributions(os.path.join(p.layers, "dependencies"))


def test_an_include_outside_the_app_fails_before_pip_runs(phase):
    p = phase("pinned_runtime_txt")
    p.write("requirements.txt", "six==1.16.0\n-r /etc/passwd\n")
    result = p.fails_with(
        "requirements.txt includes /etc/passwd, an absolute path outside the app.\n"
        "  Requirement files must be inside the app directory: include them by a path relative to the "
        "including file.\n")
    assert "[Python version]" not in result.stdout  # refused while reading the app, before any download


@pytest.mark.parametrize("fixture, installing", [
    ("pipenv_local_package", "with pipenv 2024.4.1 from Pipfile.lock (pipenv sync, main packages only, hashes checked)"),
    ("poetry_local_package", "with poetry 2.2.1 from poetry.lock (poetry sync --only main, main packages only)"),
    ("uv_local_package", "with uv 0.13.9 from uv.lock (uv sync --locked, main packages only)"),
])
def test_a_locked_path_dependency_installs_editable_with_the_locks_own_tool(phase, fixture, installing):
    p = phase(fixture)
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Installing dependencies {}\n".format(installing) in result.stdout
    assert at_launch(p, "localpkg")["localpkg"] == (
        "hello from localpkg", os.path.join(p.app, "localpkg", "src", "localpkg", "__init__.py"))
    assert {"localpkg", "six"} <= set(installed_distributions(os.path.join(p.layers, "dependencies")))
    assert '"localpkg/pyproject.toml" = "' in p.read("dependencies.toml")

    greet(os.path.join(p.app, "localpkg"), "edited in place")
    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "  Reusing dependencies (" in warm.stdout
    assert at_launch(p, "localpkg")["localpkg"][0] == "edited in place"

    with open(os.path.join(p.app, "localpkg", "pyproject.toml"), "a") as f:
        f.write("# an edit to the package's project file\n")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Rebuilding dependencies: localpkg/pyproject.toml changed\n" in changed.stdout
