"""kpack's build as kpack runs it (issue 11): the pod from kpack's own Go package (its
buildpod.Generator, Build.BuildPod), its containers run in order on the engine by our stand-in
for the kubelet (tools/platform/kpack_build.py), publishing to the registry with a registry
cache, kpack's build-init fetching the source as a blob and kpack's completion reporting the
build. One Image, four Builds in sequence: a first build, a no-change rebuild, a requirements
change, a rebase onto a new run image; then a Django app whose Image sets env."""
import json
import os
from typing import Optional

import pytest

from conftest import BUILD_TIMES, SETTINGS, run, serve
from kpack_build import KpackImage
from localplatform import delete_from_registry, registry_image

REPO = "{}/{}".format(SETTINGS["REGISTRY"], SETTINGS["KPACK_REPO"])
CATALOG = "/platform/bindings/runtime-mirror/catalog.yaml"
BUILD_STEPS = ["prepare", "analyze", "detect", "restore", "build", "export", "completion"]
LIFECYCLE_STEPS = {"analyze": "analyzer", "detect": "detector", "restore": "restorer", "build": "builder", "export": "exporter"}
REBASED_RUN_IMAGE = "{}/run:bookworm-rebased".format(REPO)


@pytest.fixture(scope="module", autouse=True)
def kpack_platform():
    """What tools/platform/kpack.sh sets up, or the reason it is missing."""
    if not os.path.exists(SETTINGS["KPACK_POD"]):
        pytest.fail("kpack-pod is not built at {}. Run `make platform`.".format(SETTINGS["KPACK_POD"]), pytrace=False)
    for image in (SETTINGS["KPACK_BUILD_INIT_IMAGE"], SETTINGS["KPACK_COMPLETION_IMAGE"], SETTINGS["KPACK_REBASE_IMAGE"]):
        if run(["docker", "image", "inspect", image]).returncode != 0:
            pytest.fail("kpack's image {} is missing. Run `make platform`.".format(image), pytrace=False)


@pytest.fixture(scope="module", autouse=True)
def pulled_images_removed():
    """The app images the engine pulled by digest to serve them, removed at the end."""
    yield
    pulled = run(["docker", "images", "-q", "--filter", "reference={}/app".format(REPO)]).stdout.split()
    if pulled:
        run(["docker", "rmi", "-f"] + sorted(set(pulled)))


def kpack_image(tag: str, mirror: str, scratch: str, env: Optional[dict] = None) -> KpackImage:
    """A kpack Image with no build yet: the runtime catalog bound as a Secret (a service
    binding), named by the Image's env."""
    for image in (tag, tag + "-cache"):
        delete_from_registry(image)
    with open(os.path.join(mirror, "catalog.yaml")) as f:
        secrets = {"runtime-mirror": {"catalog.yaml": f.read(), "type": "python-runtime-catalog"}}
    return KpackImage(tag, scratch, dict(env or {}, BP_PYTHON_RUNTIME_CATALOG=CATALOG), secrets)


def timed(result, tag: str, kind: str):
    BUILD_TIMES.append(("kpack {}".format(tag), kind, result.seconds, 0 if result.succeeded else 1))
    assert result.succeeded, result.log
    return result


@pytest.fixture(scope="module")
def flask(pack, mirror, tmp_path_factory):
    return pack.app("flask_procfile", "kpack_build_flask"), kpack_image(
        "{}/app:flask".format(REPO), mirror, str(tmp_path_factory.mktemp("kpack-flask")))


@pytest.fixture(scope="module")
def first(flask):
    app, image = flask
    return timed(image.build(app), image.tag, "cold")


@pytest.fixture(scope="module")
def rebuild(flask, first):
    app, image = flask
    return timed(image.build(app), image.tag, "again")


@pytest.fixture(scope="module")
def changed(flask, rebuild):
    app, image = flask
    with open(os.path.join(app, "requirements.txt"), "a") as f:
        f.write("six==1.16.0\n")
    return timed(image.build(app), image.tag, "again")


@pytest.fixture(scope="module")
def rebased(flask, changed):
    """The stack's run image with one more file and label, then kpack's rebase onto it."""
    app, image = flask
    base = SETTINGS["REGISTRY_RUN_IMAGE"]
    user = run(["docker", "image", "inspect", "--format", "{{.Config.User}}", base]).stdout.strip()
    dockerfile = ("FROM {}\nUSER root\nRUN echo rebased > /etc/python-cnb-run-variant\nUSER {}\n"
                  "LABEL dev.python-cnb.run-variant=rebased\n").format(base, user)
    built = run(["docker", "build", "--network", "host", "-q", "-t", REBASED_RUN_IMAGE, "-"], input=dockerfile)
    assert built.returncode == 0, built.stdout
    pushed = run(["docker", "push", REBASED_RUN_IMAGE])
    assert pushed.returncode == 0, pushed.stdout
    before = registry_image(image.tag)
    return before, timed(image.rebase(REBASED_RUN_IMAGE), image.tag, "rebase")


def test_the_pod_is_kpacks_build_pod_at_platform_api_0_9(first):
    spec = first.pod["spec"]
    assert [c["name"] for c in spec["initContainers"] + spec["containers"]] == BUILD_STEPS
    assert spec["securityContext"]["runAsUser"] == 1000 and spec["securityContext"]["fsGroup"] == 1000
    for container in spec["initContainers"]:
        if container["name"] in LIFECYCLE_STEPS:
            assert container["image"].startswith(SETTINGS["KPACK_BUILDER"].rpartition(":")[0] + "@sha256:")
            assert container["command"] == ["/cnb/lifecycle/" + LIFECYCLE_STEPS[container["name"]]]
            assert {"name": "CNB_PLATFORM_API", "value": "0.9"} in container["env"]
    prepare = spec["initContainers"][0]
    assert (prepare["image"], prepare["command"]) == (SETTINGS["KPACK_BUILD_INIT_IMAGE"], ["/cnb/process/build-init"])
    assert {"name": "PLATFORM_ENV_BP_PYTHON_RUNTIME_CATALOG", "value": CATALOG} in prepare["env"]
    assert spec["containers"][0]["image"] == SETTINGS["KPACK_COMPLETION_IMAGE"]


def test_a_first_build_installs_everything_publishes_and_serves(first):
    assert "Successfully downloaded 127.0.0.1:" in first.output("prepare")
    assert "  Runtime catalog: {} (from BP_PYTHON_RUNTIME_CATALOG)\n".format(CATALOG) in first.output("build")
    assert "  Using Python 3.11.7 (from runtime.txt)\n" in first.output("build")
    assert "  Installing dependencies with pip from requirements.txt\n" in first.output("build")
    assert "Saving {}/app:flask...".format(REPO) in first.output("export")
    assert first.output("completion") == "Build successful\n"
    metadata = first.metadata()
    assert metadata["latestImage"].startswith("{}/app@sha256:".format(REPO))
    assert metadata["latestCacheImage"].startswith("{}/app@sha256:".format(REPO))
    assert (metadata["stackID"], metadata["lifecycleVersion"]) == (SETTINGS["STACK_ID"], SETTINGS["LIFECYCLE_VERSION"][1:])
    status, body, _, _ = serve(metadata["latestImage"])
    assert (status, body) == (200, "hello from the flask procfile fixture\n")


def test_a_rebuild_reuses_every_layer_from_the_registry_cache_and_runs_no_installer(first, rebuild):
    args = {c["name"]: c.get("args", []) for c in rebuild.pod["spec"]["initContainers"]}
    assert any(a.startswith("-previous-image=") for a in args["analyze"])
    build = rebuild.output("build")
    assert "  Reusing Python 3.11.7 (unchanged since the last build)\n" in build
    assert "  Reusing dependencies (requirements.txt and Python 3.11.7 unchanged)\n" in build
    assert "Installing" not in build and "Collecting" not in build and "pip" not in build
    export = rebuild.output("export")
    for layer in ("python", "dependencies", "launch-config"):
        assert "Reusing layer 'python-cnb/python:{}'".format(layer) in export
    assert "Adding layer" not in export
    _, before = registry_image(first.metadata()["latestImage"])
    _, after = registry_image(rebuild.metadata()["latestImage"])
    assert after["rootfs"]["diff_ids"] == before["rootfs"]["diff_ids"]


def test_a_requirements_change_rebuilds_the_dependencies_on_the_same_runtime_layer(changed):
    build = changed.output("build")
    # kept in the image only (retention.py): installed again for pip, the same bytes as before
    assert ("  Replacing the cached runtime: the last build kept it in the image only, and this build needs it "
            "(the dependencies are installed)\n") in build
    assert "  Rebuilding dependencies: requirements.txt changed\n" in build
    export = changed.output("export")
    assert "Reusing layer 'python-cnb/python:python'" in export
    assert "Adding layer 'python-cnb/python:dependencies'" in export
    status, body, _, _ = serve(changed.metadata()["latestImage"])
    assert (status, body) == (200, "hello from the flask procfile fixture\n")


def run_image_layers(config: dict) -> int:
    """How many of an app image's layers are its run image's (up to the top layer the
    lifecycle's metadata names)."""
    top = json.loads(config["config"]["Labels"]["io.buildpacks.lifecycle.metadata"])["runImage"]["topLayer"]
    return config["rootfs"]["diff_ids"].index(top) + 1


def test_a_rebase_swaps_the_run_image_layers_and_the_app_still_serves(rebased):
    (_, old), result = rebased
    assert [c["name"] for c in result.pod["spec"]["initContainers"] + result.pod["spec"]["containers"]] == ["rebase", "completion"]
    assert "Build reason(s): STACK\n" in result.output("rebase")
    _, run_config = registry_image(REBASED_RUN_IMAGE)
    _, new = registry_image(result.metadata()["latestImage"])
    old_base, new_base = run_image_layers(old), run_image_layers(new)
    # The new run image's layers at the bottom, the app's layers above them unchanged.
    assert new["rootfs"]["diff_ids"][:new_base] == run_config["rootfs"]["diff_ids"]
    assert old["rootfs"]["diff_ids"][:old_base] != run_config["rootfs"]["diff_ids"]
    assert new["rootfs"]["diff_ids"][new_base:] == old["rootfs"]["diff_ids"][old_base:]
    image = result.metadata()["latestImage"]
    assert run(["docker", "pull", "-q", image]).returncode == 0
    variant = run(["docker", "run", "--rm", "--entrypoint", "cat", image, "/etc/python-cnb-run-variant"])
    assert variant.stdout == "rebased\n"
    status, body, _, _ = serve(image)
    assert (status, body) == (200, "hello from the flask procfile fixture\n")


def test_the_images_env_reaches_the_buildpack_through_build_init(pack, mirror, tmp_path):
    """The Image's env goes to build-init as PLATFORM_ENV_*, which writes /platform/env."""
    tag = "{}/app:django".format(REPO)
    image = kpack_image(tag, mirror, str(tmp_path), {"DISABLE_COLLECTSTATIC": "1"})
    result = timed(image.build(pack.app("django_no_procfile", "kpack_build_django")), tag, "cold")
    assert "  Skipping collectstatic (DISABLE_COLLECTSTATIC=1)\n" in result.output("build")
    assert "  Stack Debian-12 for this build's target, debian 12 (linux/amd64)\n" in result.output("build")
    status, body, _, _ = serve(result.metadata()["latestImage"])
    assert (status, body) == (200, "hello from the django fixture\n")
