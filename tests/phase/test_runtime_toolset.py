"""The classic toolset in every runtime: pip, setuptools (with pkg_resources) and wheel at the pins
of the runtime's line, installed once, keyed in the runtime layer and listed in its SBOM."""
import json
import os
import re

import pytest

import runtime_mirror
from phasekit import Phase


def test_the_runtime_gets_v242s_toolset_once_with_pkg_resources_and_an_sbom(phase):
    p = phase("flask_default_process")
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert cold.stdout.count("  Installing pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0\n") == 1
    # the time the wheels took to download apart (make bench leaves it out of the unpacking and compiling)
    assert re.search(r"\n  Installed pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0 in [\d.]+s "
                     r"\(download [\d.]+s, bytecode [\d.]+s\)\n", cold.stdout), cold.stdout
    probe = p.launched(["python", "-c", "import pkg_resources, setuptools, wheel, pip; "
                                                  "print(setuptools.__version__, wheel.__version__, pip.__version__)"])
    assert probe.stdout.splitlines()[-1] == "68.2.2 0.42.0 23.3.2", probe.stdout
    assert p.launched(["pip", "--version"]).stdout.startswith("pip 23.3.2 from {}/python/lib/python3.12/".format(p.layers))
    assert os.path.exists(os.path.join(p.layers, "python", "bin", "pip3.12"))
    doc = json.loads(p.read("python.sbom.cdx.json"))
    tools = {c["name"]: (c["version"], c["purl"], len(c["hashes"][0]["content"])) for c in doc["components"][1:]}
    assert tools == {"pip": ("23.3.2", "pkg:pypi/pip@23.3.2", 64), "setuptools": ("68.2.2", "pkg:pypi/setuptools@68.2.2", 64),
                     "wheel": ("0.42.0", "pkg:pypi/wheel@0.42.0", 64)}

    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "Installing pip" not in warm.stdout


def test_a_changed_pin_replaces_the_cached_runtime_with_the_reason(phase):
    p = phase("pinned_runtime_txt")
    assert p.build().returncode == 0
    toml_path = os.path.join(p.layers, "python.toml")
    with open(toml_path) as f:
        text = f.read()
    with open(toml_path, "w") as f:
        f.write(text.replace('pip = "23.3.2"', 'pip = "23.3.1"'))
    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Replacing the cached runtime: the pinned pip changed (23.3.1 -> 23.3.2)\n" in again.stdout
    assert again.stdout.count("  Installing pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0\n") == 1


def test_an_app_importing_pkg_resources_under_gunicorn_20_serves(phase):
    """gunicorn 20.1.0 imports pkg_resources at start-up: it crashed on a runtime whose setuptools
    pip resolved to a release without pkg_resources."""
    p = phase("pkg_resources_gunicorn20")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "gunicorn-20.1.0" in result.stdout
    # pip finds setuptools>=3.0 in the runtime, so resolves no newer one into the dependencies.
    assert "Requirement already satisfied: setuptools>=3.0 in {}/python/lib/python3.12/site-packages".format(
        p.layers) in result.stdout
    assert "Collecting setuptools" not in result.stdout
    assert p.served(["gunicorn", "--worker-tmp-dir", "/dev/shm", "app:app"]) == "pkg_resources sees flask 3.0.3\n"


# Every line this machine has an interpreter for, oldest to newest: the pins must install and
# import on each (2.7 and 3.6-3.7 have pins of their own; 3.13 the newer set).
LINES = {"2.7.18": "pip 20.3.4, setuptools 44.1.1 and wheel 0.37.1",
         "3.6.15": "pip 21.3.1, setuptools 59.6.0 and wheel 0.37.1",
         "3.7.16": "pip 23.3.2, setuptools 68.0.0 and wheel 0.42.0",
         "3.13.0": "pip 26.3, setuptools 80.9.0 and wheel 0.45.1"}


@pytest.fixture(scope="module")
def lines_mirror(tmp_path_factory):
    from phasekit import CACHE
    cache = os.path.join(os.path.dirname(CACHE), "toolset-mirror")
    versions = [v for v in LINES if v in runtime_mirror.pyenv_versions()]
    assert versions == list(LINES), "this machine lacks pyenv interpreters for {}".format(set(LINES) - set(versions))
    runtime_mirror.build_mirror(cache, versions=versions)
    server = runtime_mirror.serve(cache)
    catalog = str(tmp_path_factory.mktemp("lines") / "catalog.yaml")
    runtime_mirror.write_catalog(cache, server.url, catalog)
    yield catalog
    server.close()


@pytest.mark.parametrize("version", sorted(LINES))
def test_each_python_line_gets_its_pins_and_they_import(tmp_path, lines_mirror, version):
    p = Phase(str(tmp_path), "no_run_command", lines_mirror)
    p.set_env("BP_PYTHON_VERSION", version)
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Installing {}\n".format(LINES[version]) in result.stdout
    line = ".".join(version.split(".")[:2])
    python = "python" if version.startswith("2.") else "python3"
    probe = p.launched([python, "-c", "import sys, pkg_resources, setuptools, wheel, pip; "
                                                "sys.stdout.write(pip.__version__ + ' ' + sys.version[:6])"])
    assert probe.stdout.split()[-2:] == [LINES[version].split(",")[0].split()[1], version], probe.stdout
    assert os.path.exists(os.path.join(p.layers, "python", "bin", "pip" + line))
