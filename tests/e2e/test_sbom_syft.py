"""Our SBOMs against Syft's view of the same image: Syft (built from github.com/anchore/syft at
SYFT_VERSION by `make platform`) scans the exported image, and every Python distribution it finds
in this buildpack's layers is in our SBOMs (CycloneDX and SPDX, from `pack sbom download`) at
the same version, and the reverse. The run image's own packages belong to the stack's SBOM, not
ours, so Syft's findings are taken from /layers/python-cnb_python/ alone."""
import json
import os
import re
import subprocess

import pytest

from conftest import ROOT, SETTINGS, run

IMAGE = "localhost/python-cnb-e2e/sbom-{}"
OUR_LAYERS = "/layers/python-cnb_python/"
APPS = {"flask": os.path.join(ROOT, "examples", "flask-hello"), "django": "django_no_procfile"}


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def syft_python(image, tmp_path):
    archive = str(tmp_path / "image.tar")
    saved = run(["docker", "save", "-o", archive, image])
    assert saved.returncode == 0, saved.stdout
    assert os.path.exists(SETTINGS["SYFT"]), "syft is not built at {}: run `make platform`".format(SETTINGS["SYFT"])
    report = tmp_path / "syft.json"
    # offline: no update check; the image from its archive, not from a daemon or a registry
    scan = subprocess.run([SETTINGS["SYFT"], "scan", "docker-archive:" + archive, "-o", "syft-json=" + str(report),
                           "-q"], env=dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false"), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    os.remove(archive)
    assert scan.returncode == 0, scan.stdout
    found, elsewhere = set(), set()
    for artifact in json.loads(report.read_text())["artifacts"]:
        if artifact["type"] != "python":
            continue
        paths = [loc["path"] for loc in artifact.get("locations", [])]
        where = found if any(p.startswith(OUR_LAYERS) for p in paths) else elsewhere
        where.add((normalized(artifact["name"]), artifact["version"]))
    return found, elsewhere


def our_sboms(image, tmp_path):
    out = tmp_path / "sbom"
    result = run([SETTINGS["PACK"], "sbom", "download", image, "--output-dir", str(out)])
    assert result.returncode == 0, result.stdout
    base = out / "layers" / "sbom" / "launch" / "python-cnb_python"
    cdx, spdx = set(), set()
    for layer in ("python", "dependencies"):
        doc = json.loads((base / layer / "sbom.cdx.json").read_text())
        cdx |= {(normalized(c["name"]), c["version"]) for c in doc["components"] if c["purl"].startswith("pkg:pypi/")}
        doc = json.loads((base / layer / "sbom.spdx.json").read_text())
        spdx |= {(normalized(p["name"]), p["versionInfo"]) for p in doc["packages"]
                 if p["externalRefs"][0]["referenceLocator"].startswith("pkg:pypi/")}
    return cdx, spdx


@pytest.mark.parametrize("app", sorted(APPS))
def test_syft_and_our_sboms_agree_on_every_python_distribution(pack, tmp_path, app):
    fixture = APPS[app]
    built = pack.build(fixture if os.path.isabs(fixture) else pack.app(fixture), IMAGE.format(app), fresh=True)
    assert built.returncode == 0, built.stdout
    syft, _ = syft_python(IMAGE.format(app), tmp_path)
    cdx, spdx = our_sboms(IMAGE.format(app), tmp_path)
    assert cdx == spdx
    assert {"pip", "setuptools", "wheel", "gunicorn", "flask" if app == "flask" else "django"} <= {n for n, _ in cdx}
    assert sorted(syft - cdx) == [], "Syft finds these, our SBOMs do not list them"
    assert sorted(cdx - syft) == [], "our SBOMs list these, Syft does not find them"
