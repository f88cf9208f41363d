"""Both SBOM formats, as python-cnb writes them, accepted by their reference validators:
cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6 and spdx-tools' full validation
for SPDX 2.3. Both libraries need Python >= 3.10 (tests/requirements.txt), so on the oldest
Python this file is skipped, by name and reason; make test-unit runs it on the newest."""
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.version_info < (3, 10), reason=(
    "cyclonedx-python-lib 11 and spdx-tools 0.8 install on Python >= 3.10 only; this file runs on the newest "
    "Python of make test-unit"))

from python_cnb import sbom  # noqa: E402
from test_sbom import RUNTIME, TOOLS, dist_info  # noqa: E402


def cyclonedx_errors(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(path.read_text())


def spdx_errors(path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    return [m.validation_message for m in validate_full_spdx_document(parse_file(str(path)))]


@pytest.fixture
def layers(tmp_path):
    # the runtime from a loopback mirror, as the tests' builds get it
    sbom.write(str(tmp_path), "python", sbom.runtime_components(RUNTIME._replace(
        url="http://127.0.0.1:8000/runtimes/python-3.12.2.tar.gz"), TOOLS), "0.1.0")
    layer = tmp_path / "dependencies"
    dist_info(layer, "Flask", "3.0.3", "License-Expression: BSD-3-Clause")
    dist_info(layer, "packaging", "26.4", "License-Expression: Apache-2.0 OR BSD-2-Clause")
    dist_info(layer, "six", "1.17.0", "Classifier: License :: OSI Approved :: MIT License")
    dist_info(layer, "oddpkg", "1.0+local.1", "License: Copyright Odd Inc.")
    dist_info(layer, "bsdpkg", "1.0", "Classifier: License :: OSI Approved :: BSD License")
    dist_info(layer, "refpkg", "2.0", "License-Expression: LicenseRef-Proprietary")
    dist_info(layer, "tokpkg", "1.0", "", {"url": "https://u:secret@files.test/tokpkg-1.0-py3-none-any.whl",
                                           "archive_info": {"hashes": {"sha256": "e" * 64}}})
    dists = [("bsdpkg", "1.0"), ("flask", "3.0.3"), ("oddpkg", "1.0+local.1"), ("packaging", "26.4"), ("refpkg", "2.0"),
             ("six", "1.17.0"), ("tokpkg", "1.0")]
    sbom.write(str(tmp_path), "dependencies", sbom.distribution_components(dists), "0.1.0")
    return tmp_path


@pytest.mark.parametrize("layer", ["python", "dependencies"])
def test_cyclonedx_1_6_validates(layers, layer):
    assert cyclonedx_errors(layers / (layer + sbom.CYCLONEDX)) is None


@pytest.mark.parametrize("layer", ["python", "dependencies"])
def test_spdx_2_3_validates(layers, layer):
    assert spdx_errors(layers / (layer + sbom.SPDX)) == []


def test_the_validators_do_reject_a_broken_document(layers):
    """The validators are not vacuous: an unknown component type, a license that is no SPDX id."""
    path = layers / ("dependencies" + sbom.CYCLONEDX)
    path.write_text(path.read_text().replace('"type": "library"', '"type": "not-a-type"'))
    assert cyclonedx_errors(path) is not None
    path = layers / ("dependencies" + sbom.SPDX)
    path.write_text(path.read_text().replace('"BSD-3-Clause"', '"Not A License"'))
    assert spdx_errors(path) != []
