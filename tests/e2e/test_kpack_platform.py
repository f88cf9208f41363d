"""kpack drives the lifecycle itself, phase by phase, at Platform API 0.9 (the newest it speaks:
pkg/apis/build/v1alpha2/build_pod.go), with user env as files in the platform dir. Here the
builder's own lifecycle runs as kpack would (creator, CNB_PLATFORM_API=0.9), then the image is
served like any other."""
import os
import subprocess

from conftest import ENV, SETTINGS, run, serve

IMAGE = "localhost/python-cnb-e2e/kpack-flask"


def platform_value(name):
    return subprocess.run(["bash", "-c", "source tools/platform/common.sh && echo ${}".format(name)],
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()


def test_platform_api_0_9_as_kpack_runs_it(pack, tmp_path):
    app = pack.app("flask_procfile", "kpack_flask")
    platform = tmp_path / "platform"
    (platform / "env").mkdir(parents=True)
    (platform / "env" / "BP_PYTHON_RUNTIME_CATALOG").write_text("/platform-mirror/catalog.yaml")
    for path in (app, str(tmp_path), str(platform), str(platform / "env")):
        os.chmod(path, 0o777)
    for dirpath, dirnames, filenames in os.walk(app):
        for name in dirnames + filenames:
            os.chmod(os.path.join(dirpath, name), 0o777)  # the lifecycle builds as the cnb user
    run(["docker", "image", "rm", "-f", IMAGE])
    socket_path = ENV["DOCKER_HOST"].replace("unix://", "")
    result = run(["docker", "run", "--rm", "--network", "host", "--user", "root",
                  "-v", "{}:/var/run/docker.sock".format(socket_path), "-v", "{}:/workspace".format(app),
                  "-v", "{}:/platform".format(platform), "-v", "{}:/platform-mirror:ro".format(pack.mirror_dir),
                  "-e", "CNB_PLATFORM_API={}".format(platform_value("KPACK_PLATFORM_API")),
                  "-e", "DOCKER_API_VERSION={}".format(SETTINGS["api"]),
                  SETTINGS["builder"], "/cnb/lifecycle/creator", "-daemon", "-app", "/workspace",
                  "-platform", "/platform", "-run-image", platform_value("RUN_IMAGE"), IMAGE])
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.11.7 (from runtime.txt)\n" in result.stdout
    assert "  Stack Debian-12 for this build's target, debian 12 (linux/amd64)\n" in result.stdout
    status, body, _, _ = serve(IMAGE)
    assert (status, body) == (200, "hello from the flask procfile fixture\n")
