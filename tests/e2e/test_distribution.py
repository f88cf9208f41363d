"""The buildpack as platform teams take it: a multi-arch buildpackage index in an OCI registry
(the project's loopback registry; `make platform` publishes it), read here through the
registry's HTTP API and checked as kpack checks a ClusterStore source; a builder made from it;
and `pack build --buildpack <registry reference>`."""
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import urllib.request

import pytest

from conftest import ROOT, SETTINGS, run, serve
from python_cnb import vendored

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def registry_get(path: str, accept: str = "") -> tuple:
    request = urllib.request.Request("http://{}/v2/{}".format(SETTINGS["REGISTRY_ADDR"], path),
                                     headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Type", ""), response.read()


@pytest.fixture(scope="module")
def buildpack():
    with open(os.path.join(ROOT, "buildpack.toml")) as f:
        return vendored.load("toml").load(f)


@pytest.fixture(scope="module")
def published(buildpack):
    """{platform: (config, layer blob)} of the index `make platform` pushed for this version."""
    version = buildpack["buildpack"]["version"]
    kind, body = registry_get("python-cnb/python/manifests/" + version, INDEX)
    assert kind == INDEX
    out = {}
    for entry in json.loads(body.decode())["manifests"]:
        _, manifest = registry_get("python-cnb/python/manifests/" + entry["digest"], MANIFEST)
        manifest = json.loads(manifest.decode())
        _, config = registry_get("python-cnb/python/blobs/" + manifest["config"]["digest"])
        (layer,) = manifest["layers"]
        _, blob = registry_get("python-cnb/python/blobs/" + layer["digest"])
        assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer["digest"]
        out["{}/{}".format(entry["platform"]["os"], entry["platform"]["architecture"])] = (json.loads(config.decode()), blob)
    return out


def test_the_index_holds_one_buildpackage_per_target_arch(published):
    assert sorted(published) == ["linux/amd64", "linux/arm64"]
    for platform, (config, _) in published.items():
        assert "{}/{}".format(config["os"], config["architecture"]) == platform


def test_each_buildpackage_carries_the_labels_kpack_reads(published, buildpack):
    bp = buildpack["buildpack"]
    for platform, (config, blob) in published.items():
        labels = config["config"]["Labels"]
        layers = json.loads(labels["io.buildpacks.buildpack.layers"])
        entry = layers[bp["id"]][bp["version"]]
        assert entry["api"] == buildpack["api"]
        assert entry["stacks"] == [{"id": s["id"]} for s in buildpack["stacks"]]
        assert [(t["os"], t["arch"]) for t in entry["targets"]] == [(t["os"], t["arch"]) for t in buildpack["targets"]]
        assert entry["layerDiffID"] == config["rootfs"]["diff_ids"][0]
        assert "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest() == entry["layerDiffID"]
        package = json.loads(labels["io.buildpacks.buildpackage.metadata"])
        assert (package["id"], package["version"]) == (bp["id"], bp["version"])
        assert package["stacks"] == entry["stacks"]
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
            names = set(tar.getnames())
        home = "/cnb/buildpacks/{}/{}".format(bp["id"].replace("/", "_"), bp["version"])
        for name in ("buildpack.toml", "bin/detect", "bin/build", "lib/python_cnb/build.py",
                     "stacks/debian-12.yaml", "stacks/toolset/wheels.yaml"):
            assert home + "/" + name in names, (platform, name)
        assert not [n for n in names if "/tests/" in n or "/stacks/sources/" in n]
        # bytecode only for the stack's python3 (stage-buildpack.sh), each beside its source
        pycs = [n for n in names if n.endswith(".pyc")]
        assert pycs and all(re.match(r".*/__pycache__/[^/]+\.cpython-311\.pyc$", n) for n in pycs)
        assert all(re.sub(r"__pycache__/([^/.]+)\.cpython-311\.pyc$", r"\1.py", n) in names for n in pycs)


def test_a_cnb_file_per_arch_beside_the_published_index(buildpack):
    version = buildpack["buildpack"]["version"]
    for arch in ("amd64", "arm64"):
        path = os.path.join(ROOT, "build", "python-cnb-python-{}-linux-{}.cnb".format(version, arch))
        with tarfile.open(path) as cnb:  # an OCI layout archive, built for its arch
            blob = {m.name.lstrip("/"): m for m in cnb.getmembers()}
            assert {"oci-layout", "index.json"} <= set(blob)

            def read(name):
                return json.loads(cnb.extractfile(blob[name]).read().decode())
            (manifest,) = read("index.json")["manifests"]
            config = read("blobs/sha256/" + read("blobs/sha256/" + manifest["digest"].split(":")[1])["config"]["digest"].split(":")[1])
            assert (config["os"], config["architecture"]) == ("linux", arch)


def test_the_builder_took_the_buildpack_from_the_registry(published, buildpack):
    bp = buildpack["buildpack"]
    inspect = run(["docker", "image", "inspect", SETTINGS["BUILDER"], "--format",
                   '{{ index .Config.Labels "io.buildpacks.buildpack.layers" }}'])
    in_builder = json.loads(inspect.stdout)[bp["id"]][bp["version"]]["layerDiffID"]
    config, _ = published["linux/amd64"]
    assert in_builder == config["rootfs"]["diff_ids"][0]


def test_pack_build_with_the_buildpack_by_registry_reference(pack, buildpack):
    # A plain image reference: pack 0.40 cannot parse `docker://` before a registry with a port.
    # A buildpack added to a trusted builder sends pack down its untrusted flow, which runs the
    # lifecycle from an image of its own.
    ref = "{}/python-cnb/python:{}".format(SETTINGS["REGISTRY"], buildpack["buildpack"]["version"])
    image = "localhost/python-cnb-e2e/by-reference"
    result = pack.build(pack.app("flask_default_process", "by_reference"), image, fresh=True,
                        extra=["--buildpack", ref, "--lifecycle-image", SETTINGS["LIFECYCLE_IMAGE"]])
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1" in result.stdout
    status, body, _, _ = serve(image)
    assert (status, body) == (200, "hello from the flask fixture\n")
