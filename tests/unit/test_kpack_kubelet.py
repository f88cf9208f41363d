"""The kubelet stand-in's translation of a kpack pod container into `docker run` (the pod is a
trimmed copy of what kpack v0.17.2's Build.BuildPod prints for our builder)."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "platform"))
from kpack_build import docker_run  # noqa: E402

RESTRICTED = {"capabilities": {"drop": ["ALL"]}, "privileged": False, "runAsNonRoot": True,
              "allowPrivilegeEscalation": False, "seccompProfile": {"type": "RuntimeDefault"}}
SPEC = {
    "securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": True, "fsGroup": 1000},
    "volumes": [{"name": "layers-dir", "emptyDir": {}}, {"name": "binding-runtime-mirror", "secret": {"secretName": "runtime-mirror"}}],
}
VOLUMES = {"layers-dir": "/pod/layers-dir", "binding-runtime-mirror": "/pod/binding"}


def test_a_lifecycle_step_runs_as_the_pods_user_with_its_mounts_env_and_restrictions():
    detect = {
        "name": "detect", "image": "localhost:5111/r/builder@sha256:ab", "command": ["/cnb/lifecycle/detector"],
        "args": ["-app=/workspace", "-group=/layers/group.toml"], "env": [{"name": "CNB_PLATFORM_API", "value": "0.9"}],
        "securityContext": RESTRICTED,
        "volumeMounts": [{"name": "layers-dir", "mountPath": "/layers"},
                         {"name": "binding-runtime-mirror", "mountPath": "/platform/bindings/runtime-mirror"}],
    }
    assert docker_run(SPEC, detect, VOLUMES, "r-pod-detect", "/pod/termination/detect") == [
        "docker", "run", "--rm", "--name", "r-pod-detect", "--network", "host", "--pull", "missing",
        "--user", "1000:1000", "--group-add", "1000", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
        "--env", "CNB_PLATFORM_API=0.9",
        "--volume", "/pod/layers-dir:/layers", "--volume", "/pod/binding:/platform/bindings/runtime-mirror:ro",
        "--entrypoint", "/cnb/lifecycle/detector", "localhost:5111/r/builder@sha256:ab",
        "-app=/workspace", "-group=/layers/group.toml"]


def test_working_dir_an_empty_env_value_and_the_termination_message_file():
    completion = {
        "name": "completion", "image": "localhost/r/completion:0.17.2", "command": ["/cnb/process/completion"],
        "workingDir": "/workspace", "env": [{"name": "SOURCE_SUB_PATH"}],
        "terminationMessagePath": "/tmp/termination-log", "volumeMounts": [{"name": "layers-dir", "mountPath": "/layers"}],
    }
    cmd = docker_run(SPEC, completion, VOLUMES, "r-pod-completion", "/pod/termination/completion")
    assert cmd[cmd.index("--workdir") + 1] == "/workspace"
    assert cmd[cmd.index("--env") + 1] == "SOURCE_SUB_PATH="
    assert "/pod/termination/completion:/tmp/termination-log" in cmd
    assert cmd[-3:] == ["--entrypoint", "/cnb/process/completion", "localhost/r/completion:0.17.2"]


def test_a_root_user_under_run_as_non_root_is_refused():
    spec = dict(SPEC, securityContext={"runAsUser": 0, "runAsNonRoot": True})
    with pytest.raises(ValueError) as refused:
        docker_run(spec, {"name": "rebase", "image": "x"}, VOLUMES, "n", "m")
    assert str(refused.value) == "container rebase has runAsNonRoot and image user 0: the kubelet refuses it"
