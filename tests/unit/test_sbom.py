import json
import os

from python_cnb import sbom
from python_cnb.catalog import Runtime
from python_cnb.toolset import Toolset, Wheel

TOOLS = Toolset((Wheel("pip", "23.3.2", "https://example.test/pip.whl", "b" * 64),
                 Wheel("setuptools", "68.2.2", "https://example.test/setuptools.whl", "c" * 64),
                 Wheel("wheel", "0.42.0", "https://example.test/wheel.whl", "d" * 64)))


def test_runtime_and_dependency_sboms_are_cyclonedx(tmp_path):
    runtime = Runtime((3, 12, 2), "amd64", "https://example.test/cpython-3.12.2.tar.gz", "a" * 64)
    sbom.write(str(tmp_path), "python", sbom.runtime_components(runtime, TOOLS), "0.1.0")
    doc = json.loads((tmp_path / "python.sbom.cdx.json").read_text())
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.4"
    assert doc["components"] == [{
        "type": "application", "name": "CPython", "version": "3.12.2",
        "purl": "pkg:generic/cpython@3.12.2?download_url=https%3A%2F%2Fexample.test%2Fcpython-3.12.2.tar.gz",
        "licenses": [{"license": {"id": "Python-2.0"}}],
        "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
    }] + [{"type": "library", "name": name, "version": version, "purl": "pkg:pypi/{}@{}".format(name, version),
           "hashes": [{"alg": "SHA-256", "content": digit * 64}]}
          for name, version, digit in (("pip", "23.3.2", "b"), ("setuptools", "68.2.2", "c"), ("wheel", "0.42.0", "d"))]
    sbom.write(str(tmp_path), "dependencies", sbom.distribution_components([("flask", "3.0.3"), ("markupsafe", "3.0.4")]), "0.1.0")
    doc = json.loads((tmp_path / "dependencies.sbom.cdx.json").read_text())
    assert [c["purl"] for c in doc["components"]] == ["pkg:pypi/flask@3.0.3", "pkg:pypi/markupsafe@3.0.4"]


def test_the_runtime_sbom_never_carries_url_credentials(tmp_path):
    runtime = Runtime((3, 12, 2), "amd64", "https://ci:Sx@Tail9@mirror.test/cpython.tar.gz", "")
    component = sbom.runtime_components(runtime, TOOLS)[0]
    assert component["purl"] == "pkg:generic/cpython@3.12.2?download_url=https%3A%2F%2Fmirror.test%2Fcpython.tar.gz"
    assert "hashes" not in component


def test_a_kept_layers_sbom_gives_back_its_distributions_and_nothing_else_does(tmp_path):
    layers = str(tmp_path)
    sbom.write(layers, "dependencies", sbom.distribution_components([("flask", "3.0.3"), ("gunicorn", "23.0.0")]),
               "0.1.0")
    assert sbom.read_distributions(layers, "dependencies") == [("flask", "3.0.3"), ("gunicorn", "23.0.0")]
    assert sbom.read_distributions(layers, "missing") is None
    (tmp_path / "garbled.sbom.cdx.json").write_text('{"components": [{"type": "library", "name": 1}]')
    assert sbom.read_distributions(layers, "garbled") is None
    os.mkfifo(str(tmp_path / "fifo.sbom.cdx.json"))  # never opened for a blocking read
    assert sbom.read_distributions(layers, "fifo") is None
