"""The pip cache layer: kept between builds while its key holds, emptied when it changes."""
import io
import os

from fakes import step_context
from python_cnb.catalog import Runtime
from python_cnb.cnb.layers import Layer
from python_cnb.installers import Installer
from python_cnb.log import Log
from python_cnb.project import Project
from python_cnb.runtime_choice import Choice
from python_cnb.steps import pip_cache
from python_cnb.toolset import Toolset, Wheel

PIP = Toolset((Wheel("pip", "23.3.2", "https://pypi.test/pip-23.3.2-py3-none-any.whl", "b" * 64),))


def step(tmp_path, out, python_version):
    """Only what the pip cache step reads: the layers dir, the target, the app's installer, the
    Python version, the pinned pip, the log."""
    release = tuple(int(p) for p in python_version.split("."))
    return step_context(tmp_path, layers_dir=str(tmp_path), python=python_version, log=Log(out),
                        project=Project(str(tmp_path), frozenset(), None, Installer.PIP, (), (), None, ()),
                        choice=Choice(Runtime(release, "amd64", "", ""), PIP, "debian-12/amd64"))[0]


def test_the_cache_is_kept_under_the_same_key_and_emptied_under_another(tmp_path):
    out = io.StringIO()
    layer = Layer(str(tmp_path), pip_cache.NAME)
    pip_cache.run(step(tmp_path, out, "3.11.7"))
    (tmp_path / "pip-cache" / "wheel.whl").write_text("built for 3.11")
    pip_cache.run(step(tmp_path, out, "3.11.7"))
    assert os.listdir(layer.path) == ["wheel.whl"] and out.getvalue() == ""

    pip_cache.run(step(tmp_path, out, "3.12.1"))
    assert os.listdir(layer.path) == []
    assert out.getvalue() == "  Starting a new pip cache: python version changed (3.11.7 -> 3.12.1)\n"
    with open(layer.toml_path) as f:
        assert f.read() == ('[types]\nbuild = false\nlaunch = false\ncache = true\n\n[metadata]\n'
                            'target = "debian-12/amd64"\npython_version = "3.12.1"\npip_version = "23.3.2"\n')
