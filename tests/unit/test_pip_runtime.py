"""When the cache keeps the runtime as pip needs it (steps/pip_runtime.py): the image keeps the
runtime, BP_PYTHON_RUNTIME_CACHE is unset, and the runtime is one that runs from a zip."""
import os
import subprocess
import sys
import tarfile

import pytest

from fakes import RecordingRunner, step_context
from python_cnb.background import Background
from python_cnb.errors import BuildpackError
from python_cnb.dependency_plan import Metadata, Plan
from python_cnb.reuse import Decision
from python_cnb.steps import pip_runtime, runtime
from python_cnb.settings import Settings


PIP = Plan(Metadata("pip", "3.12.1", "debian-12/amd64", {}), Decision(False))


@pytest.mark.parametrize("env, release, image_only, plan, wanted", [
    ({}, (3, 12, 1), True, PIP, True),
    ({}, (3, 8, 0), True, PIP, True),
    ({}, (3, 12, 1), True, PIP._replace(wanted=PIP.wanted._replace(installer="pip-project")), True),
    ({}, (3, 7, 16), True, PIP, False),                                  # its zipimport and getpath differ
    ({}, (3, 12, 1), False, PIP, False),                                 # the runtime itself is cached
    ({"BP_PYTHON_RUNTIME_CACHE": "false"}, (3, 12, 1), True, PIP, False),
    ({"BP_PYTHON_RUNTIME_CACHE": "true"}, (3, 12, 1), True, PIP, False),
    ({}, (3, 12, 1), True, None, False),                                 # nothing to install
    ({}, (3, 12, 1), True, PIP._replace(wanted=PIP.wanted._replace(installer="uv-pip")), False),
    ({}, (3, 12, 1), True, PIP._replace(wanted=PIP.wanted._replace(installer="poetry")), False),
])
def test_a_copy_is_kept_only_for_pip_and_a_runtime_the_image_keeps(tmp_path, env, release, image_only, plan, wanted):
    step, _ = step_context(str(tmp_path), settings=Settings.from_env(env), plan=plan)
    assert pip_runtime.wanted_here(step, release, image_only) is wanted


def test_a_copy_is_current_only_with_the_runtime_s_metadata_and_its_file(tmp_path):
    step, _ = step_context(str(tmp_path))
    metadata = {"version": "3.12.1", "pip": "23.3.2"}
    layer = step.layer(pip_runtime.NAME)
    layer.commit(pip_runtime.TYPES, metadata)
    assert not pip_runtime.current(step, metadata)  # no python.tar
    with open(os.path.join(layer.path, pip_runtime.FILE), "wb") as f:
        f.write(b"x")
    assert pip_runtime.current(step, metadata)
    assert not pip_runtime.current(step, dict(metadata, pip="24.0"))
    pip_runtime.drop(step)
    assert not os.path.exists(layer.path) and not os.path.exists(layer.toml_path)


def test_finish_leaves_a_runtime_layer_alone_unless_it_holds_the_copy(tmp_path):
    step, _ = step_context(str(tmp_path))
    assert pip_runtime.RUNTIME == runtime.NAME
    layer = step.layer(runtime.NAME)
    layer.commit(runtime.TYPES, {"version": "3.12.1"})
    os.makedirs(os.path.join(layer.path, "bin"))
    assert pip_runtime.finish(step) == pip_runtime.Result()
    assert os.path.isdir(os.path.join(layer.path, "bin"))
    # a copy unpacked for pip: no TOML until finish gives the image's layer back, with the copy's metadata
    os.remove(layer.toml_path)
    open(os.path.join(layer.path, pip_runtime.MARKER), "w").close()
    step.layer(pip_runtime.NAME).commit(pip_runtime.TYPES, {"version": "3.12.1"})
    pip_runtime.finish(step)
    assert not os.path.exists(layer.path)
    with open(layer.toml_path) as f:
        assert f.read() == ('[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\n'
                            'version = "3.12.1"\n')


def test_a_copy_that_does_not_unpack_leaves_the_runtime_layer_empty_and_says_why(tmp_path):
    step, _ = step_context(str(tmp_path))
    copy = step.layer(pip_runtime.NAME)
    copy.commit(pip_runtime.TYPES, {"version": "3.12.1"})
    layer = step.layer(runtime.NAME)
    assert pip_runtime.unpack(step, layer, "3.12.1") == "its file python.tar is missing"
    with open(os.path.join(copy.path, pip_runtime.FILE), "wb") as f:
        f.write(b"not a tar" * 100)
    assert pip_runtime.unpack(step, layer, "3.12.1") == "python.tar is not a readable tar archive (invalid header)."
    assert os.listdir(layer.path) == [] and not os.path.exists(layer.toml_path)


# -- the copy in two parts: what pip starts with, and the rest beside the next steps ---------------

def _runtime_tree(root) -> str:
    """A runtime layer's shape, made of small files: packed by the real _PACK script."""
    lib = "lib/python{}.{}".format(*sys.version_info[:2])
    for rel in ("bin/python3", "lib/libpython3.so", lib + "/os.py", lib + "/lib-dynload/_ssl.so",
                lib + "/site-packages/pip-23.3.2.dist-info/METADATA", "include/python3/Python.h",
                lib + "/idlelib/config.def", lib + "/config/Makefile", "share/man/man1/python3.1"):
        path = os.path.join(str(root), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("# " + rel + "\n")
    return str(root)


def _pack(tmp_path, layer_path):
    """The real _PACK script with its own empty TMPDIR: (its result, what it left there)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = subprocess.run([sys.executable, "-I", "-B", "-c", pip_runtime._PACK, _runtime_tree(tmp_path / "built"),
                           os.path.join(layer_path, pip_runtime.FILE), os.path.join(layer_path, pip_runtime.REST),
                           pip_runtime.MARKER], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=dict(os.environ, TMPDIR=str(scratch)))
    return done, os.listdir(str(scratch))


def _packed(tmp_path):
    step, _ = step_context(str(tmp_path), background=Background(),
                           runner=RecordingRunner(lambda cmd: (0, "3.12.1")))
    layer = step.layer(pip_runtime.NAME)
    os.makedirs(layer.path)
    done, left = _pack(tmp_path, layer.path)
    assert done.returncode == 0, done.stdout
    assert left == []
    layer.commit(pip_runtime.TYPES, {"version": "3.12.1"})
    return step, layer


def test_packing_that_fails_leaves_nothing_in_tmpdir(tmp_path):
    """The zip is written to a scratch dir first: gone when the tars cannot be written either."""
    done, left = _pack(tmp_path, str(tmp_path / "no-such-layer"))
    assert done.returncode != 0 and "No such file or directory" in done.stdout
    assert left == []


def _names(path):
    with tarfile.open(path) as tar:
        return {m.name for m in tar.getmembers() if not m.isdir()}


def test_the_copy_holds_what_pip_starts_with_apart_from_the_rest(tmp_path):
    _, copy = _packed(tmp_path)
    lib = "lib/python{}.{}".format(*sys.version_info[:2])
    assert _names(os.path.join(copy.path, pip_runtime.FILE)) == {
        "bin/python3", "lib/libpython3.so", lib + "/os.py", lib + "/lib-dynload/_ssl.so",
        lib + "/site-packages/pip-23.3.2.dist-info/METADATA", "lib/python{}{}.zip".format(*sys.version_info[:2]),
        pip_runtime.MARKER}
    assert _names(os.path.join(copy.path, pip_runtime.REST)) == {
        "include/python3/Python.h", lib + "/idlelib/config.def", lib + "/config/Makefile", "share/man/man1/python3.1"}


def test_the_copy_s_tars_have_no_pax_header_per_entry(tmp_path):
    """Whole-second mtimes: no pax header per entry to read at every unpack."""
    _, copy = _packed(tmp_path)
    for name in (pip_runtime.FILE, pip_runtime.REST):
        with tarfile.open(os.path.join(copy.path, name)) as tar:
            assert [m.name for m in tar.getmembers() if m.pax_headers] == []


def test_the_rest_unpacks_beside_and_no_process_starts_before_it_is_whole(tmp_path):
    step, _ = _packed(tmp_path)
    layer = step.layer(runtime.NAME)
    assert pip_runtime.unpack(step, layer, "3.12.1") == ""
    assert step.runner.commands[0][-1] == pip_runtime.PROBE  # the probe ran on the first part alone
    assert os.path.isfile(os.path.join(layer.path, "bin", "python3")) and len(step.runner.held) == 1
    step.runner.run(["pip", "install"], {})  # any process: it waits for the rest
    assert os.path.isfile(os.path.join(layer.path, "include", "python3", "Python.h"))
    assert os.path.isfile(os.path.join(layer.path, "share", "man", "man1", "python3.1"))
    assert step.runner.held == [] and not os.path.exists(layer.toml_path)


@pytest.mark.parametrize("damage, said", [
    (lambda path: os.remove(path), "rest.tar does not exist."),
    (lambda path: os.replace(path, path + ".d") or os.mkdir(path), "rest.tar is not a regular file."),
    (lambda path: open(path, "ab").write(b"\0" * 512), "its file rest.tar is not the one it was made with (sha256 "),
])
def test_a_copy_whose_rest_is_not_the_one_it_was_made_with_is_not_used(tmp_path, damage, said):
    step, copy = _packed(tmp_path)
    damage(os.path.join(copy.path, pip_runtime.REST))
    layer = step.layer(runtime.NAME)
    assert pip_runtime.unpack(step, layer, "3.12.1").startswith(said)
    assert os.listdir(layer.path) == [] and step.runner.held == [] and step.runner.commands == []


def test_a_rest_that_does_not_unpack_fails_the_next_process_with_what_went_wrong(tmp_path):
    step, _ = _packed(tmp_path)
    step = step._replace(background=None)  # the rest then unpacks when a process is about to start
    layer = step.layer(runtime.NAME)
    assert pip_runtime.unpack(step, layer, "3.12.1") == ""
    with open(os.path.join(layer.path, "include"), "w"):
        pass  # a file where the rest has a directory
    with pytest.raises(BuildpackError) as e:
        step.runner.run(["pip", "install"], {})
    assert e.value.message.startswith("Could not unpack the rest of the cache's copy of Python 3.12.1: ")
    assert "nothing trusts it" in e.value.hint and not os.path.exists(layer.toml_path)
    assert step.runner.commands == [step.runner.commands[0]]  # the probe; pip never started
