"""The newest lifecycle the Go module proxy serves (settings.env: NEWEST_LIFECYCLE_VERSION), in its
own builder, through `pack build --publish`: pack and the lifecycle agree on Platform API 0.15,
and the image goes straight to the project's registry (the lifecycle talks to no engine)."""
import json

import pytest

from conftest import SETTINGS, run, serve

FIXTURES = [
    ("flask_default_process", {}, "hello from the flask fixture\n", "requirements.txt"),
    ("django_no_procfile", {"DISABLE_COLLECTSTATIC": "1"}, "hello from the django fixture\n", "requirements.txt"),
    ("pipenv_locked", {}, "hello from the pipenv fixture\n", "Pipfile, Pipfile.lock"),
    ("uv_fastapi", {}, "hello from the uv fastapi fixture\n", "pyproject.toml, uv.lock"),
]


def image_for(fixture):
    return "{}/python-cnb-e2e/{}".format(SETTINGS["REGISTRY"], fixture.replace("_", "-"))


def test_the_newest_builder_carries_the_newest_lifecycle():
    inspect = run(["docker", "image", "inspect", SETTINGS["NEWEST_BUILDER"], "--format",
                   '{{ index .Config.Labels "io.buildpacks.builder.metadata" }}'])
    lifecycle = json.loads(inspect.stdout)["lifecycle"]
    assert lifecycle["version"] == SETTINGS["NEWEST_LIFECYCLE_VERSION"].lstrip("v")
    assert "0.15" in lifecycle["apis"]["platform"]["supported"]


@pytest.mark.parametrize("fixture, env, body, inputs", FIXTURES)
def test_publish_mode_cold_then_no_change(pack, fixture, env, body, inputs):
    app = pack.app(fixture, "publish_" + fixture)
    image = image_for(fixture)
    publish = ["--publish"]
    cold = pack.build(app, image, env, fresh=True, extra=publish, builder=SETTINGS["NEWEST_BUILDER"])
    assert cold.returncode == 0, cold.stdout
    assert "Successfully built image '{}'".format(image) in cold.stdout
    again = pack.build(app, image, env, extra=publish, builder=SETTINGS["NEWEST_BUILDER"])
    assert again.returncode == 0, again.stdout
    assert "  Reusing dependencies ({} and Python 3.12.1 unchanged)\n".format(inputs) in again.stdout
    assert "Installing" not in again.stdout
    run(["docker", "image", "rm", "-f", image])  # served from what the registry holds
    status, served, _, _ = serve(image)
    assert (status, served) == (200, body)
