"""Reproducible images: two cold builds of the same app, from empty caches and under different
image names, give the same diffID for every layer python-cnb writes."""
import json

from conftest import run

IMAGE = "localhost/python-cnb-e2e/reproducible-{}"


def our_layers(image):
    """{layer name: diffID} from the lifecycle's metadata label on the image."""
    label = run(["docker", "image", "inspect", image, "--format",
                 '{{ index .Config.Labels "io.buildpacks.lifecycle.metadata" }}'])
    assert label.returncode == 0, label.stdout
    (ours,) = [b for b in json.loads(label.stdout)["buildpacks"] if b["key"] == "python-cnb/python"]
    return {name: layer["sha"] for name, layer in ours["layers"].items()}


def test_two_cold_builds_give_identical_layers(pack):
    first, second = IMAGE.format("a"), IMAGE.format("b")
    for image, copy in ((first, "reproducible_a"), (second, "reproducible_b")):
        result = pack.build(pack.app("flask_default_process", copy), image, fresh=True)
        assert result.returncode == 0, result.stdout
    layers = our_layers(first)
    assert sorted(layers) == ["dependencies", "launch-config", "python"]
    assert our_layers(second) == layers
