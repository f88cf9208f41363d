"""The local platform as the tests, `make bench` and `make demo` use it: settings.env's values (read
through bash, as the shell scripts read them), a free loopback port, the loopback runtime mirror
mounted into builds, and `pack build` with our builder."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Sequence, Tuple

PLATFORM_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PLATFORM_DIR))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import runtime_mirror  # noqa: E402


def _read_settings() -> Dict[str, str]:
    path = os.path.join(PLATFORM_DIR, "settings.env")
    with open(path) as f:
        names = [line.split("=", 1)[0] for line in f if "=" in line and not line.lstrip().startswith("#")]
    out = subprocess.run(["bash", "-c", 'set -a; source "$1"; for n in "${@:2}"; do printf "%s=%s\\0" "$n" "${!n}"; done',
                          "settings", path] + names, stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if item)


SETTINGS = _read_settings()
# What pack and docker need from the settings, over the caller's environment.
ENV = dict(os.environ, **{k: SETTINGS[k] for k in ("DOCKER_HOST", "DOCKER_API_VERSION", "PACK_HOME", "PACK_VOLUME_KEY")})


def run(cmd: List[str], **kw) -> subprocess.CompletedProcess:
    """A platform command (docker, pack) with its output as text, stderr folded in. Its TMPDIR is
    its own, removed when it ends: pack's image library leaves there a copy of each daemon image it
    reads (a few hundred MB for an app image, by `pack sbom download` say)."""
    with tempfile.TemporaryDirectory(prefix="python-cnb-platform-") as scratch:
        return subprocess.run(cmd, env=dict(ENV, TMPDIR=scratch), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


def _registry_url(image: str, kind: str, ref: str) -> str:
    """The registry API's URL for a blob or manifest of an image of the project's registry."""
    name = image[len(SETTINGS["REGISTRY"]) + 1:].partition("@")[0].partition(":")[0]
    return "http://{}/v2/{}/{}/{}".format(SETTINGS["REGISTRY_ADDR"], name, kind, ref)


def _reference(image: str) -> str:
    """The tag or digest an image reference names (latest when it names neither)."""
    rest = image[len(SETTINGS["REGISTRY"]) + 1:]
    if "@" in rest:
        return rest.partition("@")[2]
    return rest.partition(":")[2] or "latest"


def registry_digest(image: str) -> str:
    """The manifest digest a tag of the project's registry points at."""
    request = urllib.request.Request(_registry_url(image, "manifests", _reference(image)), method="HEAD",
                                     headers={"Accept": MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.headers["Docker-Content-Digest"]


def registry_image(image: str) -> Tuple[dict, dict]:
    """An image's manifest and config as the project's registry serves them."""
    request = urllib.request.Request(_registry_url(image, "manifests", _reference(image)), headers={"Accept": MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=10) as r:
        manifest = json.load(r)
    with urllib.request.urlopen(_registry_url(image, "blobs", manifest["config"]["digest"]), timeout=10) as r:
        return manifest, json.load(r)


def delete_from_registry(image: str) -> None:
    """Remove a tag's manifest from the project's registry (a publish-mode build is then a first one)."""
    try:
        digest = registry_digest(image)
        urllib.request.urlopen(urllib.request.Request(_registry_url(image, "manifests", digest), method="DELETE"),
                               timeout=10).close()
    except urllib.error.HTTPError as e:
        if e.code != 404:  # 404: not there, nothing to delete
            raise


# The targets the mirror's catalog serves: the bookworm builder's and the trixie one's.
MIRROR_TARGETS = (("Debian-12", "debian:12", ("io.buildpacks.stacks.bookworm",)),
                  ("Debian-13", "debian:13", ("io.buildpacks.stacks.trixie",)))


def ensure_interpreters(versions: List[str]) -> None:
    """Versions this machine's pyenv lacks are built from Debian's sources (once: cached by version)."""
    missing = [v for v in versions if v not in runtime_mirror.pyenv_versions()]
    if missing and subprocess.run([os.path.join(PLATFORM_DIR, "debian-cpython.sh")] + missing).returncode != 0:
        raise SystemExit("could not build CPython {} for the loopback mirror (tools/platform/debian-cpython.sh "
                         "said why above)".format(", ".join(missing)))


class Mirror:
    """The loopback runtime mirror, served for the duration of a `with`, and a directory to mount
    into builds (at /platform-mirror) holding its catalog."""

    def __init__(self, versions: List[str], mount_dir: str) -> None:
        self.cache = os.path.join(SETTINGS["CACHE"], "e2e-mirror")
        self.versions = versions
        self.mount_dir = mount_dir

    def __enter__(self) -> "Mirror":
        ensure_interpreters(self.versions)
        runtime_mirror.build_mirror(self.cache, versions=self.versions)
        self.server = runtime_mirror.serve(self.cache)
        os.makedirs(self.mount_dir, exist_ok=True)
        # Only the versions asked for: the shared cache may hold more (make build adds every local one).
        documents = []
        for name, distro, stack_ids in MIRROR_TARGETS:
            path = os.path.join(self.mount_dir, "catalog-{}.yaml".format(name))
            runtime_mirror.write_catalog(self.cache, self.server.url, path, name=name, distro=distro,
                                         stack_ids=stack_ids, versions=self.versions)
            with open(path) as f:
                documents.append(f.read())
            os.remove(path)
        with open(os.path.join(self.mount_dir, "catalog.yaml"), "w") as f:
            f.write("---\n".join(documents))
        os.chmod(self.mount_dir, 0o755)  # the build runs as the image's CNB user
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()


class Pack:
    """`pack build` with our builder, runtimes from a mounted mirror (when given), on the host
    network (unless extra flags name another)."""

    def __init__(self, mirror_dir: Optional[str], builder: Optional[str] = None) -> None:
        self.mirror_dir = mirror_dir
        self.builder = builder or SETTINGS["BUILDER"]

    def command(self, app_dir: str, image: str, env: Optional[Dict[str, str]] = None, fresh: bool = False,
                extra: Sequence[str] = ()) -> List[str]:
        cmd = [SETTINGS["PACK"], "build", image, "--path", app_dir, "--builder", self.builder,
               "--pull-policy", "never", "--docker-host", "inherit"]
        if "--network" not in extra:
            cmd += ["--network", "host"]
        if self.mirror_dir:  # else the buildpack's own catalog (an offline buildpack's)
            cmd += ["--volume", "{}:/platform-mirror:ro".format(self.mirror_dir),
                    "--env", "BP_PYTHON_RUNTIME_CATALOG=/platform-mirror/catalog.yaml"]
        for key, value in (env or {}).items():
            cmd += ["--env", "{}={}".format(key, value)]
        return cmd + list(extra) + (["--clear-cache"] if fresh else [])

    def build(self, app_dir: str, image: str, env: Optional[Dict[str, str]] = None,
              fresh: bool = False, extra: Sequence[str] = ()) -> "Built":
        """fresh: as the first build ever of this image (no previous image, no cache); extra:
        more `pack build` flags."""
        if fresh:
            run(["docker", "image", "rm", "-f", image])
            if image.startswith(SETTINGS["REGISTRY"] + "/"):
                delete_from_registry(image)
        started = time.monotonic()
        result = run(self.command(app_dir, image, env, fresh, extra))
        return Built(result, time.monotonic() - started)


class Built(subprocess.CompletedProcess):
    """A finished `pack build` and its wall time."""

    def __init__(self, result: subprocess.CompletedProcess, seconds: float) -> None:
        super().__init__(result.args, result.returncode, result.stdout, result.stderr)
        self.seconds = seconds
