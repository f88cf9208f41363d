"""Each layer's decisions as unit tests: typed metadata, every reason for a rebuild, and the
commands a step runs, with a recording runner and a fake downloader (tests/fakes.py)."""
import io
import os
import tarfile
import zipfile

import pytest

from fakes import FakeDownloader, RecordingRunner, planned, step_context, write_file
from python_cnb import tool_launch
from python_cnb.background import Background
from python_cnb.catalog import Runtime
from python_cnb.cnb.env import LayerEnv
from python_cnb.cnb.layers import Layer
from python_cnb.installers import Installer, PIPENV_TOOL
from python_cnb import retention
from python_cnb.reuse import Decision
from python_cnb import dependency_plan
from python_cnb.settings import Settings
from python_cnb.steps import (Python, dependencies, launch_config, nltk, pip_cache, pip_dependencies, pip_install,
                              runtime, tools)
from python_cnb.project import Project
from python_cnb.runtime_choice import Choice
from python_cnb.toolset import Toolset, Wheel

RUNTIME = Runtime((3, 12, 1), "amd64", "https://example.test/python-3.12.1.tar.gz", "a" * 64)
TOOLSET = Toolset((Wheel("pip", "23.3.2", "https://pypi.test/pip-23.3.2-py3-none-any.whl", "b" * 64),
                   Wheel("setuptools", "68.2.2", "https://pypi.test/setuptools-68.2.2-py3-none-any.whl", "c" * 64),
                   Wheel("wheel", "0.42.0", "https://pypi.test/wheel-0.42.0-py3-none-any.whl", "d" * 64)))
WANTED = runtime.metadata(RUNTIME, TOOLSET, "debian-12/amd64")


PY = Python("/layers/python/bin/python3", "3.12.1", (3, 12, 1))
UNREADABLE = "[types]\nbuild = tru\n"
# Kept in the cache, and needed at hand by the build (retention.py): how these steps always ran.
KEEP = retention.Retention(("a test needs it",), retention.CACHED)


def step(tmp_path, runner=None, downloader=None, python=None):
    return step_context(tmp_path, runner=runner or RecordingRunner(), downloader=downloader or FakeDownloader({}),
                        python=python, choice=Choice(RUNTIME, TOOLSET, "debian-12/amd64"), kept=KEEP)


def choice_of(python):
    return Choice(RUNTIME._replace(release=python.release), TOOLSET, "debian-12/amd64")


def install_runtime(ctx):
    """The runtime step, and the context the steps after it get."""
    return ctx.after(runtime.run(ctx))


def install_dependencies(ctx, project):
    """The dependencies step, as build.py runs it: planned first; the distributions it found."""
    return list(dependencies.run(planned(ctx, project)).dists)


# -- runtime: reasons --------------------------------------------------------------------------

def test_runtime_metadata_is_typed_and_keyed_on_archive_target_and_toolset():
    assert WANTED._asdict() == {"version": "3.12.1", "url": "https://example.test/python-3.12.1.tar.gz",
                                "sha256": "a" * 64, "target": "debian-12/amd64", "pip": "23.3.2",
                                "setuptools": "68.2.2", "wheel": "0.42.0"}
    assert runtime.reasons(WANTED, WANTED) == []


@pytest.mark.parametrize("change, reason", [
    ({"version": "3.12.0"}, "Python version changed (3.12.0 -> 3.12.1)"),
    ({"target": "ubuntu-22.04/amd64"}, "the build's target changed (ubuntu-22.04/amd64 -> debian-12/amd64)"),
    ({"url": "https://old.test/python.tar.gz"}, "the catalog's archive for Python 3.12.1 changed"),
    ({"sha256": "e" * 64}, "the catalog's archive for Python 3.12.1 changed"),
    ({"url": "https://old.test/python.tar.gz", "sha256": "e" * 64}, "the catalog's archive for Python 3.12.1 changed"),
    ({"version": "3.11.7", "url": "https://old.test/3.11.7.tar.gz", "sha256": "e" * 64},
     "Python version changed (3.11.7 -> 3.12.1)"),  # a new version's archive is no news
    ({"pip": "23.3.1"}, "the pinned pip changed (23.3.1 -> 23.3.2)"),
    ({"setuptools": "68.0.0"}, "the pinned setuptools changed (68.0.0 -> 68.2.2)"),
    ({"wheel": "0.41.0"}, "the pinned wheel changed (0.41.0 -> 0.42.0)"),
])
def test_each_single_runtime_reason(change, reason):
    assert runtime.reasons(WANTED._replace(**change), WANTED) == [reason]


def test_several_runtime_reasons_are_all_given_in_key_order():
    previous = WANTED._replace(version="3.11.7", target="ubuntu-22.04/amd64", pip="23.3.1")
    assert runtime.reasons(previous, WANTED) == [
        "Python version changed (3.11.7 -> 3.12.1)", "the build's target changed (ubuntu-22.04/amd64 -> debian-12/amd64)",
        "the pinned pip changed (23.3.1 -> 23.3.2)"]


def test_unreadable_runtime_metadata_means_rebuild_with_the_reason(tmp_path):
    (tmp_path / "python.toml").write_text("[types]\nbuild = tru\n")
    decision = runtime.decide(Layer(str(tmp_path), runtime.NAME), WANTED)
    assert not decision.reuse and decision.reason.startswith("python.toml is unreadable (")


def test_matching_metadata_without_the_runtimes_files_is_reused_from_the_image_unless_needed(tmp_path):
    layer = Layer(str(tmp_path), runtime.NAME)
    layer.commit(runtime.TYPES, WANTED._asdict())  # the TOML back, no contents: a launch-only layer
    assert runtime.decide(layer, WANTED) == Decision(True)
    decision = runtime.decide(layer, WANTED, ("bin/post_compile runs on every build", "the dependencies are installed"))
    assert (decision.reuse, decision.reason) == (False, "the last build kept it in the image only, and this build "
                                                        "needs it (bin/post_compile runs on every build; the "
                                                        "dependencies are installed)")


def test_matching_metadata_with_the_runtimes_files_gone_is_rebuilt(tmp_path):
    layer = Layer(str(tmp_path), runtime.NAME)
    layer.commit(runtime.TYPES, WANTED._asdict())
    write_file(os.path.join(layer.path, "lib", "libpython3.12.so"), "")
    decision = runtime.decide(layer, WANTED)
    assert (decision.reuse, decision.reason) == (False, "the cached runtime's files are missing")


def test_a_layer_kept_in_the_image_leaves_its_toml_and_no_directory(tmp_path):
    layer = Layer(str(tmp_path), runtime.NAME)
    os.makedirs(layer.path)
    layer.keep_in_image(WANTED._asdict())
    assert not os.path.lexists(layer.path)
    with open(layer.toml_path) as f:
        assert f.read().startswith("[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\n")
    assert layer.previous_metadata() == WANTED._asdict()


# -- runtime: the install step with fakes --------------------------------------------------------

def tar_gz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, (text, mode) in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def wheel_bytes(project, version):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("{}/__init__.py".format(project), "__version__ = '{}'\n".format(version))
        z.writestr("{}-{}.dist-info/METADATA".format(project, version), "Name: {}\n".format(project))
        z.writestr("{}-{}.dist-info/RECORD".format(project, version), "")
    return buf.getvalue()


def runtime_answers(cmd):
    """What the new runtime answers: its version, then the toolset's versions."""
    if cmd[-1].startswith("import sys; print("):
        return 0, "3.12.1\n"
    if "pkg_resources" in cmd[-1]:
        return 0, "23.3.2 68.2.2 0.42.0"
    return 0, ""


def test_runtime_install_downloads_checks_unpacks_the_toolset_and_commits_last(tmp_path):
    files = {RUNTIME.url: tar_gz({"bin/python3": ("#!/bin/sh\n", 0o755), "lib/python3.12/os.py": ("", 0o644)})}
    files.update({w.url: wheel_bytes(w.project, w.version) for w in TOOLSET.wheels})
    runner, downloader = RecordingRunner(runtime_answers), FakeDownloader(files)
    ctx, out = step(tmp_path, runner, downloader)
    runtime.install(ctx, RUNTIME, TOOLSET, WANTED)

    assert downloader.fetched == [(RUNTIME.url, RUNTIME.sha256)] + [(w.url, w.sha256) for w in TOOLSET.wheels]
    layer = os.path.join(ctx.layers_dir, "python")
    site = os.path.join(layer, "lib", "python3.12", "site-packages")
    assert sorted(os.listdir(site)) == ["pip", "pip-23.3.2.dist-info", "setuptools", "setuptools-68.2.2.dist-info",
                                        "wheel", "wheel-0.42.0.dist-info"]
    compiles = [i for i, c in enumerate(runner.commands) if "compileall" in c]
    assert [runner.commands[i][-2:] for i in compiles] == [["-i", "-"]] * len(compiles)
    compile_env = runner.envs[compiles[0]]
    assert (compile_env["PYTHONHASHSEED"], compile_env["PYTHONDONTWRITEBYTECODE"]) == ("0", "1")
    listed = b"".join(runner.stdins[i] for i in compiles).decode().splitlines()
    assert listed == [os.path.join(site, n, "__init__.py") for n in ("pip", "setuptools", "wheel")]
    assert "  Installing pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0\n" in out.getvalue()
    assert Layer(ctx.layers_dir, "python").previous_metadata() == WANTED._asdict()


def test_a_runtime_that_reports_another_version_leaves_no_layer(tmp_path):
    files = {RUNTIME.url: tar_gz({"bin/python3": ("#!/bin/sh\n", 0o755)})}
    ctx, _ = step(tmp_path, RecordingRunner(lambda cmd: (0, "3.11.7\n")), FakeDownloader(files))
    with pytest.raises(Exception) as e:
        runtime.install(ctx, RUNTIME, TOOLSET, WANTED)
    assert str(e.value).startswith("The archive for Python 3.12.1 does not run as that version: 3.11.7")
    assert not os.path.exists(os.path.join(ctx.layers_dir, "python.toml"))


# -- dependencies ------------------------------------------------------------------------------

DEPS = dependency_plan.Metadata("pip", "3.12.1", "debian-12/amd64", {"requirements.txt": "1" * 64, "base.txt": "2" * 64})


def test_dependencies_reasons_one_at_a_time_and_all_at_once():
    assert dependency_plan.reasons(DEPS, DEPS) == []
    assert dependency_plan.reasons(DEPS._replace(python_version="3.11.7"), DEPS) == ["Python version changed (3.11.7 -> 3.12.1)"]
    assert dependency_plan.reasons(DEPS._replace(installer="pipenv"), DEPS) == ["installer changed (pipenv -> pip)"]
    files = {"requirements.txt": "0" * 64, "old.txt": "3" * 64}
    assert dependency_plan.reasons(DEPS._replace(inputs=files, python_version="3.11.7", target="x"), DEPS) == [
        "Python version changed (3.11.7 -> 3.12.1)", "the build's target changed (x -> debian-12/amd64)",
        "requirements.txt changed; base.txt added; old.txt removed"]


def project_for(app_dir, installer, inputs, files=()):
    return Project(app_dir, frozenset(files or inputs), None, installer, tuple(inputs), (), None, ())


def test_pip_install_step_runs_pip_into_the_layer_then_compiles_and_commits(tmp_path):
    python = Python("/layers/python/bin/python3", "3.12.1", (3, 12, 1))
    site = os.path.join(str(tmp_path), "layers", "dependencies", "lib", "python3.12", "site-packages")

    def pip_writes_the_layer(cmd):
        if cmd[:5] == tool_launch.module(cmd[0], "pip") + ["install"]:
            write_file(os.path.join(site, "flask", "__init__.py"), "")
        return 0, ""
    runner = RecordingRunner(pip_writes_the_layer)
    ctx, out = step(tmp_path, runner, python=python)
    ctx.env["PYTHONUSERBASE"] = os.path.join(ctx.layers_dir, "dependencies")
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "flask\n")
    project = project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])
    wanted = dependency_plan.metadata(project, "3.12.1", ctx.target)
    dependencies.install(ctx._replace(project=project), wanted, ctx.env)
    pip, compile_cmd = runner.commands
    assert pip[:5] == tool_launch.module(python.path, "pip") + ["install"] and pip[-2:] == ["--requirement", "requirements.txt"]
    assert "--src" in pip and "compileall" in compile_cmd
    assert runner.stdins[1] == os.path.join(site, "flask", "__init__.py").encode() + b"\n"
    assert "  Installing dependencies with pip from requirements.txt\n" in out.getvalue()
    layer = Layer(ctx.layers_dir, "dependencies")
    assert layer.previous_metadata()["installer"] == "pip"
    with open(os.path.join(layer.path, "env", "PYTHONUSERBASE.override")) as f:
        assert f.read() == layer.path


def test_a_failing_pip_leaves_no_dependencies_layer(tmp_path):
    python = Python("/py/bin/python3", "3.12.1", (3, 12, 1))
    ctx, _ = step(tmp_path, RecordingRunner(lambda cmd: (1, "")), python=python)
    ctx.env["PYTHONUSERBASE"] = os.path.join(ctx.layers_dir, "dependencies")
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "nosuchpackage\n")
    project = project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])
    with pytest.raises(Exception) as e:
        dependencies.install(ctx._replace(project=project), dependency_plan.metadata(project, "3.12.1", ctx.target), ctx.env)
    assert str(e.value).startswith("pip could not install the dependencies (exit 1); its output is above.")
    assert not os.path.exists(os.path.join(ctx.layers_dir, "dependencies.toml"))


# -- package-manager tools ---------------------------------------------------------------------

def test_a_tool_is_installed_once_then_reused_and_reinstalled_with_the_reason(tmp_path):
    python = Python("/py/bin/python3", "3.12.1", (3, 12, 1))
    runner = RecordingRunner()
    ctx, out = step(tmp_path, runner, python=python)
    env = tools.run(ctx, PIPENV_TOOL)
    assert runner.commands[0][-1] == "pipenv==2024.4.1" and "--target" in runner.commands[0]
    assert env["PYTHONPATH"].startswith(os.path.join(ctx.layers_dir, "pipenv", "site"))
    os.makedirs(os.path.join(ctx.layers_dir, "pipenv", "site"), exist_ok=True)
    tools.run(ctx, PIPENV_TOOL)
    assert len(runner.commands) == 1 and "  Reusing pipenv 2024.4.1\n" in out.getvalue()
    tools.run(ctx, PIPENV_TOOL._replace(version="2025.1.0", packages=("pipenv==2025.1.0",)))
    assert "  Installing pipenv 2025.1.0 (version changed (2024.4.1 -> 2025.1.0))\n" in out.getvalue()
    assert tools.reasons(tools.Metadata("pipenv", "2024.4.1", "3.11.7"),
                         tools.metadata(PIPENV_TOOL, "3.12.1")) == ["python version changed (3.11.7 -> 3.12.1)"]


def test_installers_own_their_manifest_lock_and_tool():
    assert [(i.value, i.manifest, i.lock.file if i.lock else None, i.tool.name if i.tool else None) for i in Installer] == [
        ("pip", "requirements.txt", None, None), ("pip-project", "pyproject.toml", None, None),
        ("pipenv", "Pipfile", "Pipfile.lock", "pipenv"), ("poetry", "pyproject.toml", "poetry.lock", "poetry"),
        ("uv", "pyproject.toml", "uv.lock", "uv"), ("uv-pip", "requirements.txt", None, "uv"),
        ("pylock", "pylock.toml", "pylock.toml", "uv")]
    assert Installer.for_lock_file("uv.lock") is Installer.UV
    assert Installer.PIP == "pip"  # what dependencies.toml records


# -- runtime: the whole step ---------------------------------------------------------------------

def runtime_files(interpreter_says="3.12.1"):
    """The archive and wheels; bin/python3 answers the reuse probe (run for real) with a version."""
    files = {RUNTIME.url: tar_gz({"bin/python3": ("#!/bin/sh\nprintf {}\n".format(interpreter_says), 0o755)})}
    files.update({w.url: wheel_bytes(w.project, w.version) for w in TOOLSET.wheels})
    return files


def test_runtime_run_installs_then_reuses_with_no_download(tmp_path):
    downloader = FakeDownloader(runtime_files())
    ctx, out = step(tmp_path, RecordingRunner(runtime_answers), downloader)
    after = install_runtime(ctx)
    assert after.python == Python(os.path.join(ctx.layers_dir, "python", "bin", "python3"), "3.12.1", (3, 12, 1))
    assert after.env["PATH"] == os.path.join(ctx.layers_dir, "python", "bin") + ":/usr/bin:/bin"
    assert len(downloader.fetched) == 4 and os.path.exists(os.path.join(ctx.layers_dir, "python.sbom.cdx.json"))
    install_runtime(ctx)
    assert len(downloader.fetched) == 4
    assert out.getvalue().endswith("  Reusing Python 3.12.1 (unchanged since the last build)\n")


def test_unreadable_runtime_metadata_deletes_the_layer_and_installs_anew(tmp_path):
    ctx, out = step(tmp_path, RecordingRunner(runtime_answers), FakeDownloader(runtime_files()))
    write_file(os.path.join(ctx.layers_dir, "python.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "python", "stale.txt"), "from a build we cannot read")
    install_runtime(ctx)
    assert "  Replacing the cached runtime: python.toml is unreadable (" in out.getvalue()
    assert not os.path.exists(os.path.join(ctx.layers_dir, "python", "stale.txt"))
    assert Layer(ctx.layers_dir, "python").previous_metadata() == WANTED._asdict()


def test_a_cached_runtime_that_reports_another_version_is_replaced_with_the_reason(tmp_path):
    ctx, out = step(tmp_path, RecordingRunner(runtime_answers), FakeDownloader(runtime_files("3.12.0")))
    install_runtime(ctx)
    install_runtime(ctx)
    assert "  Replacing the cached runtime: the cached runtime is damaged (it reports Python 3.12.0)\n" in out.getvalue()


def test_the_cached_runtime_s_check_begun_early_decides_the_reuse(tmp_path):
    ctx, out = step(tmp_path, RecordingRunner(runtime_answers), FakeDownloader(runtime_files()))
    install_runtime(ctx)
    check = runtime.start_check(ctx.layers_dir)
    assert check is not None
    after = install_runtime(ctx._replace(runtime_check=check))
    assert check.returncode == 0 and out.getvalue().endswith("  Reusing Python 3.12.1 (unchanged since the last build)\n")
    assert after.python.version == "3.12.1"


def test_an_early_check_that_is_not_needed_is_stopped(tmp_path):
    layer = Layer(str(tmp_path), runtime.NAME)
    write_file(os.path.join(layer.path, "bin", "python3"), "#!/bin/sh\nsleep 30\n")
    os.chmod(os.path.join(layer.path, "bin", "python3"), 0o755)
    check = runtime.start_check(str(tmp_path))
    assert check is not None and runtime.start_check(str(tmp_path / "none")) is None
    layer.commit(runtime.TYPES, WANTED._replace(version="3.11.7")._asdict())  # another runtime's TOML
    decision = runtime.decide(layer, WANTED, (), check)
    assert not decision.reuse and check.returncode is not None  # killed, not waited 30 s for


# -- pip-dependencies: the cache's copy of image-only dependencies ------------------------------

def copy_step(tmp_path, limit_mb=100):
    """A step that keeps a copy: dependencies in the image only, pip from requirements.txt."""
    ctx, out = step(tmp_path)
    return ctx._replace(kept=retention.Retention((), retention.IMAGE_ONLY), settings=Settings(unpack_limit_mb=limit_mb)), out


def installed(ctx, size=1000):
    layer = ctx.layer("dependencies")
    write_file(os.path.join(layer.path, "lib", "python3.12", "site-packages", "flask", "__init__.py"), "x" * size)
    return layer


COPIED = dependency_plan.Metadata("pip", "3.12.1", "debian-12/amd64", {"requirements.txt": "e" * 64}, ["f" * 16])


def test_the_copy_of_the_dependencies_unpacks_into_the_next_build_s_layer(tmp_path):
    ctx, _ = copy_step(tmp_path)
    pip_dependencies.pack(ctx, installed(ctx).path, COPIED._asdict())
    layer = Layer(ctx.layers_dir, "dependencies")
    assert pip_dependencies.unpack(ctx, layer, COPIED)
    assert os.path.getsize(os.path.join(layer.path, "lib", "python3.12", "site-packages", "flask", "__init__.py")) == 1000


def test_the_copy_of_the_dependencies_has_no_pax_header_per_entry(tmp_path):
    """Whole-second mtimes: no pax header per entry to read at every unpack."""
    ctx, _ = copy_step(tmp_path)
    pip_dependencies.pack(ctx, installed(ctx).path, COPIED._asdict())
    copy = os.path.join(ctx.layer(pip_dependencies.NAME).path, pip_dependencies.FILE)
    with tarfile.open(copy) as tar:
        assert [m.name for m in tar.getmembers() if m.pax_headers] == []


def test_a_copy_cut_short_where_a_file_begins_is_not_unpacked(tmp_path):
    """A tar cut at a header boundary reads as a shorter archive: the sha256 catches it."""
    ctx, out = copy_step(tmp_path)
    layer = installed(ctx)
    write_file(os.path.join(layer.path, "lib", "python3.12", "site-packages", "six.py"), "y" * 5000)
    pip_dependencies.pack(ctx, layer.path, COPIED._asdict())
    file = os.path.join(ctx.layer(pip_dependencies.NAME).path, pip_dependencies.FILE)
    with tarfile.open(file) as tar:
        last = tar.getmembers()[-1].offset
    with open(file, "r+b") as f:
        f.truncate(last)
    assert not pip_dependencies.unpack(ctx, layer, COPIED)
    assert ("Not using the cache's copy of the last build's dependencies: dependencies.tar is not the file the "
            "last build wrote (its sha256 differs)") in out.getvalue()
    assert os.listdir(layer.path) == []


def test_the_copy_is_written_beside_the_later_steps_and_done_when_the_build_finishes(tmp_path):
    ctx, out = copy_step(tmp_path)
    ctx = ctx._replace(background=Background())
    pip_dependencies.pack(ctx, installed(ctx).path, COPIED._asdict())
    ctx.background.finish(ctx.log)
    assert pip_dependencies.unpack(ctx, Layer(ctx.layers_dir, "dependencies"), COPIED)


def test_no_copy_of_dependencies_over_the_unpack_limit(tmp_path):
    """unpack() would refuse it: writing it would only cost time and cache space."""
    ctx, out = copy_step(tmp_path, limit_mb=1)
    pip_dependencies.pack(ctx, installed(ctx, size=2 << 20).path, COPIED._asdict())
    assert "No copy of the dependencies kept for pip: the dependencies are over BP_UNPACK_LIMIT_MB (1 MB)" \
        in out.getvalue()
    assert not os.path.exists(ctx.layer(pip_dependencies.NAME).path)
    assert not os.path.exists(ctx.layer(pip_dependencies.NAME).toml_path)


# -- dependencies: the whole step ----------------------------------------------------------------

def pip_app(tmp_path, python=PY):
    """A requirements.txt app whose pip (recorded) writes a distribution into the layer."""
    site = os.path.join(str(tmp_path), "layers", "dependencies", "lib", "python3.12", "site-packages")

    def pip_installs_flask(cmd):
        if cmd[:5] == tool_launch.module(cmd[0], "pip") + ["install"]:
            os.makedirs(os.path.join(site, "flask-3.0.3.dist-info"))
        return 0, ""
    runner = RecordingRunner(pip_installs_flask)
    ctx, out = step(tmp_path, runner, python=python)
    ctx = ctx.with_env(dependencies.env(ctx.layers_dir))._replace(choice=choice_of(python))
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "flask\n")
    return ctx, out, runner, project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"])


def test_dependencies_run_installs_then_reuses_running_nothing(tmp_path):
    ctx, out, runner, project = pip_app(tmp_path)
    assert install_dependencies(ctx, project) == [("flask", "3.0.3")]
    ran = len(runner.commands)
    assert install_dependencies(ctx, project) == [("flask", "3.0.3")]
    assert len(runner.commands) == ran
    assert out.getvalue().endswith("  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n")
    with open(os.path.join(ctx.layers_dir, "dependencies.sbom.cdx.json")) as f:
        assert '"purl": "pkg:pypi/flask@3.0.3"' in f.read()


def test_dependencies_rebuild_gives_every_reason_in_one_line(tmp_path):
    ctx, out, runner, project = pip_app(tmp_path, PY._replace(version="3.11.7", release=(3, 11, 7)))
    install_dependencies(ctx, project)
    write_file(os.path.join(ctx.app_dir, "requirements.txt"), "flask==3.0.3\n")
    install_dependencies(ctx._replace(python=PY, choice=choice_of(PY)), project)
    assert "  Rebuilding dependencies: Python version changed (3.11.7 -> 3.12.1); requirements.txt changed\n" \
        in out.getvalue()


def test_unreadable_dependencies_metadata_deletes_the_layer_and_installs_anew(tmp_path):
    ctx, out, runner, project = pip_app(tmp_path)
    write_file(os.path.join(ctx.layers_dir, "dependencies.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "dependencies", "bin", "stale"), "")
    install_dependencies(ctx, project)
    assert "  Rebuilding dependencies: dependencies.toml is unreadable (" in out.getvalue()
    assert not os.path.exists(os.path.join(ctx.layers_dir, "dependencies", "bin", "stale"))
    assert Layer(ctx.layers_dir, "dependencies").previous_metadata()["installer"] == "pip"


def test_nothing_to_install_runs_nothing(tmp_path):
    ctx, out = step(tmp_path, python=PY)
    assert install_dependencies(ctx, project_for(ctx.app_dir, None, [])) == []
    assert out.getvalue() == "\n[Dependencies]\n  Nothing to install: no requirements.txt, Pipfile, pyproject.toml or setup.py\n"
    assert ctx.runner.commands == []


# -- package-manager tools: more reasons -----------------------------------------------------------

def test_a_tools_reasons_all_at_once_and_unreadable_metadata_reinstalls_it(tmp_path):
    old = tools.Metadata("pipenv", "2023.1.1", "3.11.7")
    assert tools.reasons(old, tools.metadata(PIPENV_TOOL, "3.12.1")) == [
        "version changed (2023.1.1 -> 2024.4.1)", "python version changed (3.11.7 -> 3.12.1)"]
    ctx, out = step(tmp_path, python=PY)
    write_file(os.path.join(ctx.layers_dir, "pipenv.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "pipenv", "site", "stale.py"), "")
    tools.run(ctx, PIPENV_TOOL)
    assert "  Installing pipenv 2024.4.1 (pipenv.toml is unreadable (" in out.getvalue()
    assert not os.path.exists(os.path.join(ctx.layers_dir, "pipenv", "site", "stale.py"))


# -- pip cache -------------------------------------------------------------------------------------

CACHE = pip_cache.Metadata("debian-12/amd64", "3.12.1", "23.3.2")


@pytest.mark.parametrize("change, reason", [
    ({"target": "ubuntu-22.04/amd64"}, "target changed (ubuntu-22.04/amd64 -> debian-12/amd64)"),
    ({"python_version": "3.11.7"}, "python version changed (3.11.7 -> 3.12.1)"),
    ({"pip_version": "23.3.1"}, "pip version changed (23.3.1 -> 23.3.2)"),
])
def test_each_single_pip_cache_reason(change, reason):
    assert pip_cache.reasons(CACHE._replace(**change), CACHE) == [reason]


def test_pip_cache_reasons_all_at_once_and_none_for_the_same_key():
    assert pip_cache.reasons(CACHE, CACHE) == []
    assert pip_cache.reasons(pip_cache.Metadata("x", "3.11.7", "23.3.2"), CACHE) == [
        "target changed (x -> debian-12/amd64)", "python version changed (3.11.7 -> 3.12.1)"]


def test_unreadable_pip_cache_metadata_empties_the_cache(tmp_path):
    ctx, out = step(tmp_path, python=PY)
    write_file(os.path.join(ctx.layers_dir, "pip-cache.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "pip-cache", "wheels", "old.whl"), "")
    pip_cache.run(ctx._replace(project=project_for(ctx.app_dir, Installer.PIP, ["requirements.txt"]),
                               choice=choice_of(PY)))
    assert out.getvalue().startswith("  Starting a new pip cache: pip-cache.toml is unreadable (")
    assert os.listdir(os.path.join(ctx.layers_dir, "pip-cache")) == []
    assert Layer(ctx.layers_dir, "pip-cache").previous_metadata() == CACHE._asdict()


# -- NLTK corpora ----------------------------------------------------------------------------------

CORPORA = nltk.Metadata("1" * 64, "", "3.9.1")


@pytest.mark.parametrize("change, reason", [
    ({"nltk_txt": "2" * 64}, "nltk.txt changed"),
    ({"index_url": "https://m.test/index.xml"}, "the index URL changed (https://m.test/index.xml -> nltk's default)"),
    ({"nltk_version": "3.8.1"}, "nltk version changed (3.8.1 -> 3.9.1)"),
])
def test_each_single_nltk_reason(change, reason):
    assert nltk.reasons(CORPORA._replace(**change), CORPORA) == [reason]


def test_nltk_reasons_all_at_once():
    assert nltk.reasons(nltk.Metadata("2" * 64, "https://m.test/i.xml", "3.8.1"),
                        CORPORA) == ["nltk.txt changed", "the index URL changed (https://m.test/i.xml -> nltk's default)",
                                     "nltk version changed (3.8.1 -> 3.9.1)"]


def nltk_app(tmp_path):
    ctx, out = step(tmp_path, python=PY)
    write_file(os.path.join(ctx.app_dir, "nltk.txt"), "punkt\n")
    return ctx, out


def test_nltk_downloads_then_reuses_and_gives_its_env(tmp_path):
    ctx, out = nltk_app(tmp_path)
    layer = os.path.join(ctx.layers_dir, "nltk-data")
    assert nltk.run(ctx._replace(dists=(("nltk", "3.9.1"),))).env == nltk.env(ctx.layers_dir)
    download, = [c for c in ctx.runner.commands if "nltk.downloader" in c]
    assert download[-3:] == [layer, "--", "punkt"]
    with open(os.path.join(layer, "env", "NLTK_DATA.override")) as f:
        assert f.read() == layer
    ran = len(ctx.runner.commands)
    assert nltk.run(ctx._replace(dists=(("nltk", "3.9.1"),))).env == nltk.env(ctx.layers_dir)
    assert len(ctx.runner.commands) == ran
    assert out.getvalue().endswith("  Reusing NLTK corpora: punkt (nltk.txt, the index and nltk 3.9.1 unchanged)\n")


def test_unreadable_nltk_metadata_deletes_the_layer_and_downloads_anew(tmp_path):
    ctx, out = nltk_app(tmp_path)
    write_file(os.path.join(ctx.layers_dir, "nltk-data.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "nltk-data", "corpora", "stale.zip"), "")
    nltk.run(ctx._replace(dists=(("nltk", "3.9.1"),)))
    assert "  Downloading the NLTK corpora again: nltk-data.toml is unreadable (" in out.getvalue()
    assert not os.path.exists(os.path.join(ctx.layers_dir, "nltk-data", "corpora", "stale.zip"))


def test_without_nltk_a_previous_corpora_layer_is_removed_and_no_env_given(tmp_path):
    ctx, out = nltk_app(tmp_path)
    nltk.run(ctx._replace(dists=(("nltk", "3.9.1"),)))
    assert nltk.run(ctx._replace(dists=(("flask", "3.0.3"),))).env == LayerEnv()
    assert not os.path.exists(os.path.join(ctx.layers_dir, "nltk-data.toml"))


# -- launch config ---------------------------------------------------------------------------------

LAUNCH = launch_config.metadata("/workspace")


def test_launch_config_metadata_as_its_toml_has():
    assert LAUNCH.toml() == {"defaults": {"PORT": "8080", "PYTHONUNBUFFERED": "1", "LANG": "C.UTF-8",
                                          "FORWARDED_ALLOW_IPS": "*", "GUNICORN_CMD_ARGS": "--access-logfile -",
                                          "PYTHONPATH": "/workspace"}, "exec.d": ["web-concurrency"]}


def test_unreadable_launch_config_metadata_is_replaced_by_a_fresh_layer(tmp_path):
    ctx, _ = step(tmp_path)
    write_file(os.path.join(ctx.layers_dir, "launch-config.toml"), UNREADABLE)
    write_file(os.path.join(ctx.layers_dir, "launch-config", "env.launch", "OLD.default"), "x")
    launch_config.run(ctx)
    layer = Layer(ctx.layers_dir, "launch-config")
    assert layer.previous_metadata() == launch_config.metadata(ctx.app_dir).toml()
    assert not os.path.exists(os.path.join(layer.path, "env.launch", "OLD.default"))


def test_only_added_requirement_lines_install_over_the_last_build_s_dependencies():
    old = DEPS._replace(inputs={"requirements.txt": "1" * 64}, requirement_lines=["a", "b"])
    added = old._replace(inputs={"requirements.txt": "3" * 64}, requirement_lines=["a", "c", "b"])
    assert pip_install.added_lines_only(old, added)
    assert not pip_install.added_lines_only(old, added._replace(requirement_lines=["a", "c"]))  # b removed
    assert not pip_install.added_lines_only(old, added._replace(requirement_lines=["b", "a"]))  # reordered only
    assert not pip_install.added_lines_only(old, added._replace(python_version="3.11.7"))
    assert not pip_install.added_lines_only(old, added._replace(installer="uv-pip"))
    assert not pip_install.added_lines_only(old._replace(requirement_lines=[]), added)  # an older TOML: unknown
    two_files = DEPS._replace(requirement_lines=["a"])
    assert not pip_install.added_lines_only(two_files, two_files._replace(  # base.txt changed too
        inputs={"requirements.txt": "3" * 64, "base.txt": "4" * 64}, requirement_lines=["a", "c"]))
    assert dependency_plan.reasons(old, added) == ["requirements.txt changed"]


def test_requirement_lines_are_a_digest_per_line_that_says_something(tmp_path):
    write_file(str(tmp_path / "requirements.txt"), "# pins\nflask==3.0.0\n\n  gunicorn  \n")
    lines = dependency_plan.requirement_lines(str(tmp_path), "requirements.txt")
    assert len(lines) == 2 and all(len(line) == 16 for line in lines)
    write_file(str(tmp_path / "requirements.txt"), "gunicorn\nflask==3.0.0\n")
    assert dependency_plan.requirement_lines(str(tmp_path), "requirements.txt") == lines[::-1]


def test_a_dependencies_toml_without_requirement_lines_is_read_with_none_known(tmp_path):
    """Written before requirement_lines existed: reused as it is, never taken as "only gained"."""
    layer = Layer(str(tmp_path), "dependencies")
    old = {k: v for k, v in DEPS._asdict().items() if k != "requirement_lines"}
    layer.commit(dependencies.TYPES, old)
    assert dependency_plan.decide(layer, DEPS._replace(requirement_lines=["a"])) == Decision(True)
