"""The pinned toolset wheels themselves, downloaded from PyPI (hence a phase test: tests/unit runs
offline): unpacked by wheels.py into a prefix, they import and give their console scripts."""
import os
import subprocess
import sys

from python_cnb import toolset, wheels
from python_cnb.download import Downloader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETS = toolset.load(toolset.toolset_path(ROOT))


def test_the_real_pinned_wheels_install_and_run_on_this_interpreter(tmp_path):
    """The wheels of this interpreter's line, unpacked by us into a copy-free prefix, import."""
    ts = toolset.for_release(sys.version_info[:3], SETS)
    prefix = wheels.Prefix(str(tmp_path / "py"), sys.version_info[:3], sys.executable)
    for w in ts.wheels:
        path = str(tmp_path / (w.project + ".whl"))
        Downloader().fetch(w.url, path, w.sha256)
        wheels.install(prefix, path, w.project)
    out = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                          "import pip, setuptools, wheel, pkg_resources; print(pip.__version__, setuptools.__version__, "
                          "wheel.__version__)", prefix.site_packages],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert out.stdout.split() == [ts.versions()[p] for p in toolset.PROJECTS], out.stderr
    assert sorted(n for n in os.listdir(prefix.bin) if n.startswith("pip")) == \
        sorted(["pip", "pip3", "pip{}.{}".format(*sys.version_info[:2])])
