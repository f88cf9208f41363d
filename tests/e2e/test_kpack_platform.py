"""kpack drives the lifecycle itself, at Platform API 0.9 (the newest it speaks:
pkg/apis/build/v1alpha2/build_pod.go), with user env as files in the platform dir. Here the
builder's lifecycle runs as kpack would (creator, CNB_PLATFORM_API=0.9) over the suite's fixtures,
then each image is served like any other. One build per image: in daemon mode with a root-owned
socket the lifecycle allows one Docker connection at a time, which its export of a cache or of
layers reused from a previous image breaks (kpack itself publishes to a registry instead);
rebuilds are covered through pack in test_pack_build.py."""
import os

import pytest

from conftest import ENV, SETTINGS, run, serve

IMAGE = "localhost/python-cnb-e2e/kpack-{}"


def creator(pack, app, image, platform, env):
    """Run the builder's creator as kpack's build pod would: Platform API 0.9, user env as files."""
    (platform / "env").mkdir(parents=True, exist_ok=True)
    env = dict(env, BP_PYTHON_RUNTIME_CATALOG="/platform-mirror/catalog.yaml")
    for name, value in env.items():
        (platform / "env" / name).write_text(value)
    for top in (app, str(platform)):
        for dirpath, dirnames, filenames in os.walk(top):  # the lifecycle builds as the cnb user
            for name in [""] + dirnames + filenames:
                os.chmod(os.path.join(dirpath, name), 0o777)
    socket_path = ENV["DOCKER_HOST"].replace("unix://", "")
    return run(["docker", "run", "--rm", "--network", "host", "--user", "root",
                "-v", "{}:/var/run/docker.sock".format(socket_path), "-v", "{}:/workspace".format(app),
                "-v", "{}:/platform".format(platform),
                "-v", "{}:/platform-mirror:ro".format(pack.mirror_dir),
                "-e", "CNB_PLATFORM_API={}".format(SETTINGS["KPACK_PLATFORM_API"]),
                "-e", "DOCKER_API_VERSION={}".format(SETTINGS["DOCKER_API_VERSION"]),
                SETTINGS["BUILDER"], "/cnb/lifecycle/creator", "-daemon", "-app", "/workspace",
                "-platform", "/platform", "-run-image", SETTINGS["RUN_IMAGE"], image])


@pytest.mark.parametrize("fixture, env, body", [
    ("flask_procfile", {}, "hello from the flask procfile fixture\n"),
    ("django_no_procfile", {"DISABLE_COLLECTSTATIC": "1"}, "hello from the django fixture\n"),
    ("pipenv_locked", {}, "hello from the pipenv fixture\n"),
    ("uv_fastapi", {}, "hello from the uv fastapi fixture\n"),
])
def test_platform_api_0_9_as_kpack_runs_it(pack, tmp_path, fixture, env, body):
    app = pack.app(fixture, "kpack_" + fixture)
    image = IMAGE.format(fixture.replace("_", "-"))
    run(["docker", "image", "rm", "-f", image])
    result = creator(pack, app, image, tmp_path / "platform", env)
    assert result.returncode == 0, result.stdout
    assert "  Stack Debian-12 for this build's target, debian 12 (linux/amd64)\n" in result.stdout
    status, served, _, _ = serve(image)
    assert (status, served) == (200, body)
