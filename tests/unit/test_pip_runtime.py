"""When the cache keeps the runtime as pip needs it (steps/pip_runtime.py): the image keeps the
runtime, BP_PYTHON_RUNTIME_CACHE is unset, and the runtime is one that runs from a zip."""
import os

import pytest

from fakes import step_context
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
