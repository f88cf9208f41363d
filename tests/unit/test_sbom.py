"""The layers' SBOMs: CycloneDX 1.6 and SPDX 2.3 from the same packages, with purls, versions,
sha256 where known, licenses from the installed metadata, no credentials, the same bytes for
the same packages; and the dependencies read back from a kept layer's SBOM."""
import json
import os

import pytest

from python_cnb import sbom
from python_cnb.catalog import Runtime
from python_cnb.toolset import Toolset, Wheel

TOOLS = Toolset((Wheel("pip", "23.3.2", "https://example.test/pip.whl", "b" * 64),
                 Wheel("setuptools", "68.2.2", "https://example.test/setuptools.whl", "c" * 64),
                 Wheel("wheel", "0.42.0", "https://example.test/wheel.whl", "d" * 64)))
RUNTIME = Runtime((3, 12, 2), "amd64", "https://example.test/cpython-3.12.2.tar.gz", "a" * 64)


def dist_info(layer, name, version, headers="", direct_url=None):
    info = layer / "lib" / "python3.12" / "site-packages" / "{}-{}.dist-info".format(name.replace("-", "_"), version)
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}\n".format(name, version, headers))
    if direct_url:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def read(tmp_path, layer, suffix):
    return json.loads((tmp_path / (layer + suffix)).read_text())


def test_the_runtime_sbom_in_both_formats(tmp_path):
    sbom.write(str(tmp_path), "python", sbom.runtime_components(RUNTIME, TOOLS), "0.1.0")
    cdx = read(tmp_path, "python", sbom.CYCLONEDX)
    assert (cdx["bomFormat"], cdx["specVersion"]) == ("CycloneDX", "1.6")
    assert cdx["components"][0] == {
        "type": "application", "name": "CPython", "version": "3.12.2",
        "bom-ref": "pkg:generic/cpython@3.12.2?download_url=https%3A%2F%2Fexample.test%2Fcpython-3.12.2.tar.gz",
        "purl": "pkg:generic/cpython@3.12.2?download_url=https%3A%2F%2Fexample.test%2Fcpython-3.12.2.tar.gz",
        "licenses": [{"license": {"id": "Python-2.0"}}],
        "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
        "externalReferences": [{"type": "distribution", "url": "https://example.test/cpython-3.12.2.tar.gz"}],
    }
    assert [(c["purl"], c["hashes"][0]["content"]) for c in cdx["components"][1:]] == [
        ("pkg:pypi/pip@23.3.2", "b" * 64), ("pkg:pypi/setuptools@68.2.2", "c" * 64), ("pkg:pypi/wheel@0.42.0", "d" * 64)]
    doc = read(tmp_path, "python", sbom.SPDX)
    assert (doc["spdxVersion"], doc["dataLicense"], doc["SPDXID"]) == ("SPDX-2.3", "CC0-1.0", "SPDXRef-DOCUMENT")
    cpython = doc["packages"][0]
    assert (cpython["name"], cpython["versionInfo"], cpython["licenseDeclared"]) == ("CPython", "3.12.2", "Python-2.0")
    assert cpython["checksums"] == [{"algorithm": "SHA256", "checksumValue": "a" * 64}]
    assert [p["externalRefs"][0]["referenceLocator"] for p in doc["packages"][1:]] == [
        "pkg:pypi/pip@23.3.2", "pkg:pypi/setuptools@68.2.2", "pkg:pypi/wheel@0.42.0"]
    assert len(doc["relationships"]) == 4


def test_spdx_names_a_download_location_only_where_its_grammar_allows(tmp_path):
    """SPDX 2.3's grammar wants a domain name: a loopback mirror's URL is NOASSERTION there."""
    runtime = Runtime((3, 12, 2), "amd64", "http://127.0.0.1:8000/runtimes/python-3.12.2.tar.gz", "a" * 64)
    sbom.write(str(tmp_path), "python", sbom.runtime_components(runtime, TOOLS), "0.1.0")
    packages = read(tmp_path, "python", sbom.SPDX)["packages"]
    assert [p["downloadLocation"] for p in packages] == ["NOASSERTION", "https://example.test/pip.whl",
                                                         "https://example.test/setuptools.whl",
                                                         "https://example.test/wheel.whl"]


def test_the_same_packages_give_the_same_bytes(tmp_path):
    for run in ("a", "b"):
        os.mkdir(str(tmp_path / run))
        sbom.write(str(tmp_path / run), "python", sbom.runtime_components(RUNTIME, TOOLS), "0.1.0")
    for suffix in (sbom.CYCLONEDX, sbom.SPDX):
        assert (tmp_path / "a" / ("python" + suffix)).read_bytes() == (tmp_path / "b" / ("python" + suffix)).read_bytes()


def test_no_credential_in_either_format(tmp_path):
    runtime = Runtime((3, 12, 2), "amd64", "https://ci:Sx@Tail9@mirror.test/cpython.tar.gz?token=T0k3n", "")
    tools = Toolset((Wheel("pip", "23.3.2", "https://u:Pw9@example.test/pip.whl", "b" * 64),))
    sbom.write(str(tmp_path), "python", sbom.runtime_components(runtime, tools), "0.1.0")
    for suffix in (sbom.CYCLONEDX, sbom.SPDX):
        text = (tmp_path / ("python" + suffix)).read_text()
        assert "Sx@Tail9" not in text and "T0k3n" not in text and "Pw9" not in text
    component = read(tmp_path, "python", sbom.CYCLONEDX)["components"][0]
    assert component["purl"] == ("pkg:generic/cpython@3.12.2?download_url=https%3A%2F%2Fmirror.test%2Fcpython.tar.gz"
                                 "%3Ftoken%3D%2A%2A%2A%2A")
    assert "hashes" not in component


def test_dependencies_get_names_licenses_and_hashes_from_their_metadata(tmp_path):
    layer = tmp_path / "dependencies"
    dist_info(layer, "Flask", "3.0.3", "License-Expression: BSD-3-Clause")
    dist_info(layer, "MarkupSafe", "3.0.4", "License: BSD-3-Clause")
    dist_info(layer, "requests", "2.32.3", "License: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License")
    dist_info(layer, "six", "1.17.0", "Classifier: License :: OSI Approved :: MIT License")
    dist_info(layer, "oddpkg", "1.0", "License: Copyright Odd Inc.\n All rights reserved.")
    dist_info(layer, "tokpkg", "1.0", "", {"url": "https://u:secret@files.test/tokpkg-1.0-py3-none-any.whl",
                                           "archive_info": {"hashes": {"sha256": "e" * 64}}})
    dists = [("flask", "3.0.3"), ("markupsafe", "3.0.4"), ("oddpkg", "1.0"), ("requests", "2.32.3"), ("six", "1.17.0"),
             ("tokpkg", "1.0")]
    sbom.write(str(tmp_path), "dependencies", sbom.distribution_components(dists), "0.1.0")
    cdx = {c["name"]: c for c in read(tmp_path, "dependencies", sbom.CYCLONEDX)["components"]}
    assert sorted(cdx) == ["Flask", "MarkupSafe", "oddpkg", "requests", "six", "tokpkg"]
    assert cdx["Flask"]["purl"] == "pkg:pypi/flask@3.0.3"
    assert cdx["MarkupSafe"]["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert cdx["requests"]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert cdx["six"]["licenses"] == [{"license": {"id": "MIT"}}]
    assert cdx["oddpkg"]["licenses"] == [{"license": {"name": "Copyright Odd Inc."}}]
    assert cdx["tokpkg"]["hashes"] == [{"alg": "SHA-256", "content": "e" * 64}]
    assert "secret" not in json.dumps(cdx)
    spdx = {p["name"]: p for p in read(tmp_path, "dependencies", sbom.SPDX)["packages"]}
    assert spdx["Flask"]["licenseDeclared"] == "BSD-3-Clause"
    assert (spdx["oddpkg"]["licenseDeclared"], spdx["oddpkg"]["licenseComments"]) == (
        "NOASSERTION", "The distribution declares: Copyright Odd Inc.")
    assert spdx["tokpkg"]["downloadLocation"] == "https://files.test/tokpkg-1.0-py3-none-any.whl"


@pytest.mark.parametrize("expression, text, classifiers, declared", [
    ("MIT OR Apache-2.0", "ignored", [], ("MIT OR Apache-2.0", "")),
    ("", "mit license", [], ("MIT", "")),
    ("", "BSD", ["License :: OSI Approved :: BSD License"], ("", "BSD")),
    ("", "", ["License :: OSI Approved :: BSD License"], ("", "BSD License")),
    ("", "", ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"],
     ("Apache-2.0 OR MIT", "")),
    ("", "UNKNOWN", [], ("", "")),
])
def test_the_declared_license(expression, text, classifiers, declared):
    assert sbom.declared_license(expression, text, classifiers) == declared


def test_a_layer_kept_in_the_image_keeps_its_licenses_from_the_previous_sbom(tmp_path):
    layer = tmp_path / "dependencies"
    dist_info(layer, "Flask", "3.0.3", "License-Expression: BSD-3-Clause")
    sbom.write(str(tmp_path), "dependencies", sbom.distribution_components([("flask", "3.0.3")]), "0.1.0")
    first = (tmp_path / "dependencies.sbom.spdx.json").read_bytes()
    import shutil
    shutil.rmtree(str(layer))  # the next build: the layer's files stay in the previous image
    listed = sbom.read_distributions(str(tmp_path), "dependencies")
    assert listed == [("flask", "3.0.3")]
    sbom.write(str(tmp_path), "dependencies", sbom.distribution_components(listed), "0.1.0")
    assert (tmp_path / "dependencies.sbom.spdx.json").read_bytes() == first


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
