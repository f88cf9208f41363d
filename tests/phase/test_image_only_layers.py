"""The runtime and dependencies kept in the image only (retention.py): between builds the
lifecycle gives back their TOML and SBOM alone, as Phase.restore_as_the_lifecycle_would does, and
a rebuild with nothing changed reuses the previous image's layers without a byte of them; the
cache keeps the runtime as pip needs it for a dependency change (steps/pip_runtime.py)."""
import glob
import hashlib
import json
import os
import subprocess

import pytest

from python_cnb.cnb import tomlfile

IMAGE_ONLY = "[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\n"
CACHED = "[types]\nbuild = true\nlaunch = true\ncache = true\n\n[metadata]\n"


def built(phase, fixture, runtime_cache=""):
    p = phase(fixture)
    if runtime_cache:
        p.set_env("BP_PYTHON_RUNTIME_CACHE", runtime_cache)
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    return p, cold


def test_a_flask_app_keeps_runtime_and_dependencies_in_the_image_and_reuses_them_untouched(phase):
    p, _ = built(phase, "flask_default_process")
    assert p.read("python.toml").startswith(IMAGE_ONLY)
    assert p.read("dependencies.toml").startswith(IMAGE_ONLY)
    sbom = p.read("dependencies.sbom.cdx.json")
    launch = p.read("launch.toml")

    p.restore_as_the_lifecycle_would()
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout
    for absent in ("Downloading", "Installing", "WARNING"):
        assert absent not in again.stdout
    # no directory: the exporter then points the new image at the previous image's layers
    assert not os.path.exists(os.path.join(p.layers, "python"))
    assert not os.path.exists(os.path.join(p.layers, "dependencies"))
    assert p.read("python.toml").startswith(IMAGE_ONLY)
    assert p.read("dependencies.toml").startswith(IMAGE_ONLY)
    assert p.read("dependencies.sbom.cdx.json") == sbom
    assert p.read("launch.toml") == launch  # gunicorn found in the SBOM: the same default process


COPY_ONLY = "[types]\nbuild = false\nlaunch = false\ncache = true\n\n[metadata]\n"


def _add_requirement(p, name="itsdangerous"):
    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write(name + "\n")


def _unpacked(log: str) -> bool:
    return any(line.startswith("  Unpacked the cache's copy of Python 3.12.1 to run pip, in ") and
               line.endswith(" (the image keeps the runtime itself)") for line in log.splitlines())


def _shebang(p) -> str:
    with open(os.path.join(p.layers, "dependencies", "bin", "gunicorn")) as f:
        return f.readline()


def test_the_cache_keeps_the_runtime_as_pip_needs_it_and_a_dependency_change_runs_pip_with_it(phase):
    p, cold = built(phase, "flask_default_process")
    assert "  Kept the runtime as pip needs it in the cache (" in cold.stdout
    assert p.read("pip-runtime.toml").startswith(COPY_ONLY)
    assert p.read("pip-runtime.toml").split("[metadata]")[1] == p.read("python.toml").split("[metadata]")[1]
    python_toml, shebang = p.read("python.toml"), _shebang(p)
    p.restore_as_the_lifecycle_would()
    _add_requirement(p)
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert _unpacked(changed.stdout), changed.stdout
    for absent in ("Downloading Python", "Installing pip", "Replacing the cached runtime", "WARNING"):
        assert absent not in changed.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in changed.stdout
    # the image's runtime layer stays: its TOML as before, and no directory for the exporter to add
    assert p.read("python.toml") == python_toml
    assert not os.path.exists(os.path.join(p.layers, "python"))
    assert p.read("pip-runtime.toml").startswith(COPY_ONLY)
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert "itsdangerous" in names and "gunicorn" in names
    assert _shebang(p) == shebang  # the runtime layer's path, as a cold build writes it
    p.restore_as_the_lifecycle_would()
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout


def test_a_build_that_fails_with_the_copy_unpacked_leaves_no_runtime_toml(phase):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    _add_requirement(p, "no-such-package-python-cnb==0.0.1")
    failed = p.build()
    assert failed.returncode == 1 and _unpacked(failed.stdout) and _deps_unpacked(failed.stdout), failed.stdout
    # the copy is in the runtime layer's path, but nothing marks it done: the lifecycle exports
    # and caches nothing of a failed build, and no later build could take it for the runtime
    assert not os.path.exists(os.path.join(p.layers, "python.toml"))
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))
    # the copy's rest (headers and all) was whole before pip ran
    assert os.path.isfile(os.path.join(p.layers, "python", "include", "python3.12", "Python.h"))


@pytest.mark.parametrize("part, said", [
    ("python.tar", ""),  # what tarfile or the probe finds wrong
    ("rest.tar", "its file rest.tar is not the one it was made with (sha256 "),
])
def test_a_damaged_copy_is_not_used_and_the_runtime_is_installed_and_copied_again(phase, part, said):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    with open(os.path.join(p.layers, "pip-runtime", part), "r+b") as f:
        f.truncate(4096)
    _add_requirement(p)
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Not using the cache's copy of Python 3.12.1 for pip: " + said in changed.stdout
    assert ("  Replacing the cached runtime: the last build kept it in the image only, and this build needs it "
            "(the dependencies are installed)\n") in changed.stdout
    assert "  Kept the runtime as pip needs it in the cache (" in changed.stdout
    assert os.path.exists(os.path.join(p.layers, "python", "bin", "python3"))


def test_a_copy_of_another_runtime_is_not_used_and_says_why(phase):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    toml = p.read("pip-runtime.toml")
    pip = toml.split('pip = "')[1].split('"')[0]
    with open(os.path.join(p.layers, "pip-runtime.toml"), "w") as f:
        f.write(toml.replace('pip = "{}"'.format(pip), 'pip = "0.1"'))
    _add_requirement(p)
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert ("  Not using the cache's copy of Python 3.12.1 for pip: it is not of this runtime: the pinned pip "
            "changed (0.1 -> {})\n".format(pip)) in changed.stdout
    assert "  Kept the runtime as pip needs it in the cache (" in changed.stdout
    assert 'pip = "{}"'.format(pip) in p.read("pip-runtime.toml")


def test_bp_python_runtime_cache_false_keeps_nothing_and_a_dependency_change_installs_the_runtime(phase):
    p, cold = built(phase, "flask_default_process", runtime_cache="false")
    assert "Kept the runtime as pip needs it" not in cold.stdout
    assert not os.path.exists(os.path.join(p.layers, "pip-runtime.toml"))
    p.restore_as_the_lifecycle_would()
    _add_requirement(p)
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert ("  Replacing the cached runtime: the last build kept it in the image only, and this build needs it "
            "(the dependencies are installed)\n") in changed.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in changed.stdout
    assert p.read("python.toml").startswith(IMAGE_ONLY)
    assert os.path.exists(os.path.join(p.layers, "python", "bin", "python3"))
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert "itsdangerous" in names and "gunicorn" in names


def test_bp_python_runtime_cache_keeps_the_runtime_cached_and_a_dependency_change_reuses_it(phase):
    p, _ = built(phase, "flask_default_process", runtime_cache="true")
    assert p.read("python.toml").startswith(CACHED)
    assert p.read("dependencies.toml").startswith(IMAGE_ONLY)
    p.restore_as_the_lifecycle_would()
    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write("itsdangerous\n")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in changed.stdout
    assert "Downloading Python" not in changed.stdout and "Installing pip" not in changed.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in changed.stdout
    assert p.read("python.toml").startswith(CACHED)


def test_a_runtime_the_last_build_kept_in_the_image_only_is_installed_once_to_be_cached(phase):
    p, _ = built(phase, "flask_default_process")
    p.set_env("BP_PYTHON_RUNTIME_CACHE", "true")
    p.restore_as_the_lifecycle_would()
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert ("  Replacing the cached runtime: the last build kept it in the image only, and this build needs it "
            "(BP_PYTHON_RUNTIME_CACHE=true keeps it at hand for the next dependency change)\n") in again.stdout
    assert p.read("python.toml").startswith(CACHED)


def test_a_lost_bill_of_materials_means_the_dependencies_are_installed_again(phase):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    os.remove(os.path.join(p.layers, "dependencies.sbom.cdx.json"))
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert ("  Rebuilding dependencies: the last build's list of them (dependencies.sbom.cdx.json) is missing\n"
            in again.stdout)
    assert "web (default): gunicorn --worker-tmp-dir /dev/shm app:app" in again.stdout


def test_apps_that_need_python_on_every_build_keep_it_cached(phase):
    p, _ = built(phase, "build_hooks")
    for name in ("python.toml", "dependencies.toml"):
        assert p.read(name).startswith(CACHED), name
    assert not os.path.exists(os.path.join(p.layers, "pip-runtime.toml"))  # the runtime itself is cached


def test_a_later_buildpack_asking_for_python_at_build_time_gets_it_cached(phase):
    p = phase("flask_default_process")
    cold = p.build(plan='[[entries]]\nname = "python"\n\n[entries.metadata]\nbuild = true\n')
    assert cold.returncode == 0, cold.stdout
    assert p.read("python.toml").startswith(CACHED)
    p.restore_as_the_lifecycle_would()
    again = p.build()  # the later buildpack is gone: back to the image alone, reusing what is cached
    assert again.returncode == 0, again.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout
    assert p.read("python.toml").startswith(IMAGE_ONLY)


def _copy_is_of_the_dependencies_layer(p) -> bool:
    """pip-dependencies.toml holds the dependencies layer's metadata and its file's sha256."""
    copy, layer = (tomlfile.read(os.path.join(p.layers, name))["metadata"]
                   for name in ("pip-dependencies.toml", "dependencies.toml"))
    with open(os.path.join(p.layers, "pip-dependencies", "dependencies.tar"), "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    return copy.pop("sha256") == sha256 and copy == layer


def _deps_unpacked(log: str) -> bool:
    return any(line.startswith("  Unpacked the cache's copy of the last build's dependencies in ")
               for line in log.splitlines())


def test_a_requirement_added_to_image_only_dependencies_installs_over_the_cache_s_copy(phase):
    p, cold = built(phase, "flask_default_process")
    assert p.read("pip-dependencies.toml").startswith(COPY_ONLY)
    assert _copy_is_of_the_dependencies_layer(p)
    p.restore_as_the_lifecycle_would()
    _add_requirement(p, "six==1.16.0")
    added = p.build()
    assert added.returncode == 0, added.stdout
    assert _deps_unpacked(added.stdout), added.stdout
    assert ("  Installing the added requirements over the last build's with pip (requirements.txt only gained "
            "lines)\n") in added.stdout
    assert "Collecting flask" not in added.stdout  # only six was fetched
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert {"six", "Flask", "gunicorn"} <= set(names)
    assert p.read("dependencies.toml").startswith(IMAGE_ONLY)  # a new image layer, exported whole
    # the copy follows the layer: the next build that only gains a line builds on this one
    assert _copy_is_of_the_dependencies_layer(p)
    p.restore_as_the_lifecycle_would()
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout
    assert p.read("pip-dependencies.toml").startswith(COPY_ONLY)  # kept through a no-change build
    assert not os.path.exists(os.path.join(p.layers, "dependencies"))


@pytest.mark.parametrize("spoil", ["truncated", "another build's"])
def test_a_copy_of_the_dependencies_that_cannot_serve_means_a_full_install(phase, spoil):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    if spoil == "truncated":
        with open(os.path.join(p.layers, "pip-dependencies", "dependencies.tar"), "r+b") as f:
            f.truncate(4096)
    else:
        toml = p.read("pip-dependencies.toml").replace('python_version = "3.12.1"', 'python_version = "3.12.0"')
        with open(os.path.join(p.layers, "pip-dependencies.toml"), "w") as f:
            f.write(toml)
    _add_requirement(p, "six==1.16.0")
    added = p.build()
    assert added.returncode == 0, added.stdout
    assert not _deps_unpacked(added.stdout)
    assert "  Not using the cache's copy of the last build's dependencies: " in added.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in added.stdout
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert {"six", "Flask"} <= set(names)
    assert _copy_is_of_the_dependencies_layer(p)


@pytest.mark.parametrize("fixture,runtime_cache", [("flask_default_process", "false"),
                                                   ("flask_default_process", "true"), ("build_hooks", "")])
def test_no_copy_of_the_dependencies_where_they_are_cached_or_nothing_is(phase, fixture, runtime_cache):
    p, _ = built(phase, fixture, runtime_cache)
    assert not os.path.exists(os.path.join(p.layers, "pip-dependencies.toml"))
    assert not os.path.exists(os.path.join(p.layers, "pip-dependencies"))


def test_cached_dependencies_that_only_gain_a_requirement_take_it_over_the_last_build_s(phase):
    p, _ = built(phase, "build_hooks")  # bin/post_compile: the dependencies are cached
    site = os.path.join(p.layers, "dependencies", "lib", "python3.12", "site-packages")
    six_pyc = glob.glob(os.path.join(site, "__pycache__", "six.*.pyc"))
    assert six_pyc
    before = os.stat(six_pyc[0]).st_ino
    p.restore_as_the_lifecycle_would()
    _add_requirement(p, "# a comment\nitsdangerous==2.2.0")
    added = p.build()
    assert added.returncode == 0, added.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in added.stdout
    assert ("  Installing the added requirements over the last build's with pip (requirements.txt only gained "
            "lines)\n") in added.stdout
    assert os.stat(six_pyc[0]).st_ino == before  # six was not installed or compiled again
    assert glob.glob(os.path.join(site, "itsdangerous", "__pycache__", "*.cpython-312.pyc"))
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert names == ["itsdangerous", "six"]
    p.restore_as_the_lifecycle_would()
    p.write("requirements.txt", "six==1.16.0\n")  # a line removed: installed anew, itsdangerous gone
    removed = p.build()
    assert removed.returncode == 0, removed.stdout
    assert "Installing the added requirements" not in removed.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in removed.stdout
    names = [c["name"] for c in json.loads(p.read("dependencies.sbom.cdx.json"))["components"]]
    assert names == ["six"]


def test_a_failed_install_over_the_last_build_s_leaves_no_dependencies_toml(phase):
    p, _ = built(phase, "build_hooks")
    p.restore_as_the_lifecycle_would()
    _add_requirement(p, "no-such-package-python-cnb==0.0.1")
    failed = p.build()
    assert failed.returncode == 1, failed.stdout
    assert "  Installing the added requirements over the last build's with pip (" in failed.stdout
    # the layer holds a half-done install: nothing marks it done, so the next build installs anew
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_a_cached_runtime_uses_its_standard_library_pycs_after_the_lifecycle_reset_file_times(phase):
    p, cold = built(phase, "build_hooks")  # bin/post_compile: the runtime is cached
    assert "pycs of the standard library hash-based (layer file times are reset)" in cold.stdout
    p.restore_as_the_lifecycle_would()
    python = os.path.join(p.layers, "python", "bin", "python3")
    imported = subprocess.run([python, "-I", "-B", "-v", "-c", "import email.parser, json, ssl"],
                              env={"LD_LIBRARY_PATH": os.path.join(p.layers, "python", "lib")},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert "bytecode is stale" not in imported.stderr
    assert "email/__pycache__/parser.cpython-312.pyc matches" in imported.stderr
