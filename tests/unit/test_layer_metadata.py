"""Layer metadata read back from <layers>/<name>.toml: anything but what this buildpack wrote is a
rebuild with a reason, never a crash (the phase tests run the same through bin/build)."""
import os

import pytest

from fakes import step_context
from python_cnb.cnb.layers import Layer, LayerTypes
from python_cnb.installers import PIPENV_TOOL
from python_cnb.layers import Decision, compare
from python_cnb.layers import tools

WANTED = {"version": "3.12.1", "url": "https://example.org/python.tar.gz", "inputs": {"requirements.txt": "ab"}}


def step(tmp_path):
    """Only what retain reads: the layers dir and the Python version."""
    return step_context(tmp_path, layers_dir=str(tmp_path), python="3.12.1")[0]


def describe(key, old, new):
    return "{} changed ({} -> {})".format(key, old, new)


def decide(tmp_path, toml_bytes):
    (tmp_path / "python.toml").write_bytes(toml_bytes)
    return compare(Layer(str(tmp_path), "python").previous_metadata(), WANTED, describe)


@pytest.mark.parametrize("toml, reason", [
    (b'[metadata]\nversion = "3.12.1"\nurl = [ "x",]\n',
     "python.toml is not what this buildpack writes (url is an array, not a string)"),
    (b'[metadata]\nversion = "3.12.1"\nurl = "https://example.org/python.tar.gz"\ninputs = "ab"\n',
     "python.toml is not what this buildpack writes (inputs is a string, not a table)"),
    (b'[metadata]\nversion = "3.12.1"\nurl = "https://example.org/python.tar.gz"\n[metadata.inputs]\n"requirements.txt" = 1\n',
     "python.toml is not what this buildpack writes (inputs.requirements.txt is an integer, not a string)"),
    (b'[metadata]\nversion = true\n', "python.toml is not what this buildpack writes (version is a boolean, not a string)"),
    (b'[metadata]\n# \xff\n', "python.toml is unreadable (not UTF-8)"),
    (b'x = ' + b'[' * 100000, "python.toml is unreadable (arrays or tables nested more than 100 deep)"),
    (b'\x0c=', "python.toml is unreadable (the TOML parser fails on it (IndexError: string index out of range))"),
    (b'metadata = [ 1,]\n', "python.toml is not what this buildpack writes ([metadata] is an array, not a table)"),
])
def test_untrustworthy_metadata_is_a_rebuild_with_the_reason(tmp_path, toml, reason):
    assert decide(tmp_path, toml) == Decision(False, reason)


def test_matching_metadata_is_reused_and_a_change_is_described(tmp_path):
    layer = Layer(str(tmp_path), "python")
    layer.commit(LayerTypes(cache=True), WANTED)
    assert compare(layer.previous_metadata(), WANTED, describe) == Decision(True, "")
    changed = dict(WANTED, version="3.12.2")
    assert compare(layer.previous_metadata(), changed, describe) == Decision(False, "version changed (3.12.1 -> 3.12.2)")
    assert compare(Layer(str(tmp_path), "none").previous_metadata(), WANTED, describe) == Decision(False, "")


def test_a_changed_tool_version_with_reused_dependencies_keeps_the_build_going(tmp_path):
    """tools.retain passed the builtin str as compare's describe callback: a pinned tool version
    that changed while the dependencies layer was reused died with TypeError."""
    layer = Layer(str(tmp_path), "pipenv")
    layer.commit(tools.TYPES, {"tool": "pipenv", "version": "2023.1.1", "python_version": "3.12.1"})
    os.makedirs(os.path.join(layer.path, "site"))
    tools.retain(step(tmp_path), PIPENV_TOOL)
    # not retained: the stale tool's TOML is left as it was, and the next install replaces it
    assert layer.previous_metadata()["version"] == "2023.1.1"
    tools.retain(step(tmp_path), PIPENV_TOOL._replace(version="2023.1.1"))
    assert layer.previous_metadata()["version"] == "2023.1.1"
