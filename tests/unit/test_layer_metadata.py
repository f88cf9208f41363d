"""Layer metadata read back from <layers>/<name>.toml: anything but what this buildpack wrote is a
rebuild with a reason, never a crash (the phase tests run the same through bin/build)."""
import os
from typing import Dict, NamedTuple

import pytest

from fakes import step_context
from python_cnb.cnb.layers import Layer, LayerTypes
from python_cnb.installers import PIPENV_TOOL
from python_cnb import dependency_plan
from python_cnb.reuse import Decision, against_previous, changed, from_toml
from python_cnb.steps import nltk, pip_cache
from python_cnb.steps import runtime, tools


class Sample(NamedTuple):
    """A layer's Metadata, as each layer module declares its own."""
    version: str
    url: str
    inputs: Dict[str, str]


WANTED = Sample("3.12.1", "https://example.org/python.tar.gz", {"requirements.txt": "ab"})
FULL = b'[metadata]\nversion = "3.12.1"\nurl = "https://example.org/python.tar.gz"\n'


def step(tmp_path):
    """Only what retain reads: the layers dir and the Python version."""
    return step_context(tmp_path, layers_dir=str(tmp_path), python="3.12.1")[0]


def reasons(old, new):
    return ["{} changed ({} -> {})".format(*c) for c in changed(old, new)]


def decide(tmp_path, toml_bytes):
    (tmp_path / "python.toml").write_bytes(toml_bytes)
    return against_previous(Layer(str(tmp_path), "python"), WANTED, reasons)


NOT_OURS = "python.toml is not what this buildpack writes ({})"


@pytest.mark.parametrize("toml, reason", [
    (b'[metadata]\nversion = "3.12.1"\nurl = [ "x",]\n[metadata.inputs]\n',
     NOT_OURS.format("url is an array, not a string")),
    (FULL + b'inputs = "ab"\n', NOT_OURS.format("inputs is a string, not a table")),
    (FULL + b'[metadata.inputs]\n"requirements.txt" = 1\n',
     NOT_OURS.format("inputs.requirements.txt is an integer, not a string")),
    (b'[metadata]\nversion = true\nurl = ""\n[metadata.inputs]\n', NOT_OURS.format("version is a boolean, not a string")),
    (b'[metadata]\nversion = "3.12.1"\n', NOT_OURS.format("url and inputs are missing")),
    (FULL + b'purpose = "x"\n[metadata.inputs]\n', NOT_OURS.format("purpose is not expected")),
    (b'[metadata]\nurl = 1\nextra = 2\n',
     NOT_OURS.format("version and inputs are missing; extra is not expected; url is an integer, not a string")),
    (b'[types]\ncache = true\n', NOT_OURS.format("it has no [metadata]")),
    (b'[metadata]\n# \xff\n', "python.toml is unreadable (not UTF-8)"),
    (b'x = ' + b'[' * 100000, "python.toml is unreadable (arrays or tables nested more than 100 deep)"),
    (b'\x0c=', "python.toml is unreadable (the TOML parser fails on it (IndexError: string index out of range))"),
    (b'metadata = [ 1,]\n', NOT_OURS.format("[metadata] is an array, not a table")),
])
def test_untrustworthy_metadata_is_a_rebuild_with_the_reason(tmp_path, toml, reason):
    assert decide(tmp_path, toml) == Decision(False, (reason,))


def test_matching_metadata_is_reused_and_a_change_is_described(tmp_path):
    layer = Layer(str(tmp_path), "python")
    layer.commit(LayerTypes(cache=True), WANTED._asdict())
    assert against_previous(layer, WANTED, reasons) == Decision(True)
    assert against_previous(layer, WANTED._replace(version="3.12.2"), reasons) == \
        Decision(False, ("version changed (3.12.1 -> 3.12.2)",))
    assert against_previous(Layer(str(tmp_path), "none"), WANTED, reasons) == Decision(False)


@pytest.mark.parametrize("module, wanted", [
    (runtime, runtime.Metadata("3.12.1", "https://e.test/p.tgz", "a" * 64, "debian-12/amd64", "23.3.2", "68.2.2",
                               "0.42.0")),
    (dependency_plan, dependency_plan.Metadata("pip", "3.12.1", "debian-12/amd64", {"requirements.txt": "ab"})),
    (pip_cache, pip_cache.Metadata("debian-12/amd64", "3.12.1", "23.3.2")),
    (tools, tools.Metadata("uv", "0.13.9", "3.12.1")),
    (nltk, nltk.Metadata("1" * 64, "", "3.9.1")),
])
def test_every_layers_metadata_reads_back_what_it_writes_and_nothing_else(tmp_path, module, wanted):
    layer = Layer(str(tmp_path), "x")
    layer.commit(LayerTypes(cache=True), wanted._asdict())
    assert from_toml(module.Metadata, layer.previous_metadata()) == wanted
    assert from_toml(module.Metadata, dict(wanted._asdict(), more="x")) is None
    assert from_toml(module.Metadata, {k: v for k, v in wanted._asdict().items() if k != wanted._fields[0]}) is None
    assert module.reasons(wanted, wanted) == []


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
