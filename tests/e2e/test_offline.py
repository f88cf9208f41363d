"""Air-gapped builds: an offline buildpackage (`make package OFFLINE=1`) carries its stack's runtime
archives and toolset wheels, so with an app that vendors its wheels `pack build --network none`
builds and the image serves."""
import os
import subprocess

import pytest

from conftest import ENV, ROOT, SETTINGS, Pack, run, serve
from phasekit import download_wheels

OFFLINE_BUILDER = "localhost/python-cnb/builder:bookworm-offline"


@pytest.fixture(scope="module")
def offline_builder(mirror):
    """The offline buildpackage (3.12.1 from the loopback mirror's catalog) in its own builder."""
    env = dict(ENV, OFFLINE="1", OFFLINE_CATALOG=os.path.join(mirror, "catalog.yaml"), OFFLINE_VERSIONS="3.12.1")
    packaged = subprocess.run([os.path.join(ROOT, "tools", "platform", "package.sh")], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert packaged.returncode == 0, packaged.stdout
    ref = packaged.stdout.strip().splitlines()[-1]
    made = subprocess.run([os.path.join(ROOT, "tools", "platform", "builder.sh"), OFFLINE_BUILDER],
                          env=dict(ENV, BUILDPACK_URI="docker://" + ref), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    assert made.returncode == 0, made.stdout
    return OFFLINE_BUILDER


def test_offline_buildpack_with_vendored_wheels_builds_with_no_network(pack, offline_builder):
    app = pack.app("flask_vendored_wheels")
    download_wheels(os.path.join(app, "requirements.txt"), os.path.join(app, "vendor"))
    image = "localhost/python-cnb-e2e/offline"
    result = Pack(None, offline_builder).build(app, image, fresh=True, extra=["--network", "none"])
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (the Debian-12 default; pin a version in runtime.txt or .python-version)\n" in result.stdout
    assert "  Verified sha256 " in result.stdout
    assert "  Installing dependencies with pip from requirements.txt, offline from vendor/\n" in result.stdout
    status, body, _, _ = serve(image)
    assert (status, body) == (200, "hello from the vendored wheels fixture\n")


def test_the_offline_buildpackage_names_its_archives_inside_the_buildpack(offline_builder):
    listing = run(["docker", "run", "--rm", "--entrypoint", "/bin/sh", offline_builder, "-c",
                   "cat /cnb/buildpacks/python-cnb_python/*/stacks/offline.yaml; "
                   "ls /cnb/buildpacks/python-cnb_python/*/offline/runtimes /cnb/buildpacks/python-cnb_python/*/offline/wheels"])
    assert listing.returncode == 0, listing.stdout
    assert 'url: "file:///cnb/buildpacks/python-cnb_python/' in listing.stdout
    assert "python-3.12.1.tar.gz" in listing.stdout and "pip-23.3.2-py3-none-any.whl" in listing.stdout
    assert SETTINGS["STACK_ID"] in listing.stdout
