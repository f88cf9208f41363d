"""The runtime and dependencies kept in the image only (layers/retention.py): between builds the
lifecycle gives back their TOML and SBOM alone, as Phase.restore_as_the_lifecycle_would does, and
a rebuild with nothing changed reuses the previous image's layers without a byte of them."""
import json
import os

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


def test_changed_requirements_install_the_runtime_again_to_run_pip(phase):
    p, _ = built(phase, "flask_default_process")
    p.restore_as_the_lifecycle_would()
    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write("itsdangerous\n")
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
