"""kpack's build as kpack runs it, on the project's engine against the project's registry.

kpack's parts: the pod, printed by KPACK_POD (tools/platform/kpack-pod: a v1alpha2.Build handed
to kpack's own buildpod.Generator, which reads the builder from the registry and calls
Build.BuildPod), and the build-init, completion and rebase images, built from kpack's cmd/ by
kpack.sh. Ours: the stand-in for the kubelet (Kubelet: each init container in order, then the
container, by `docker run --network host` with the pod's images, command, args, env, workingDir,
user, group and security context; emptyDirs as host directories, secrets as files), and the
stand-in for kpack's Image controller (KpackImage: a source blob served on loopback, one Build
after another, each with the previous build's image, cache and stack as completion reported them)."""
import base64
import gzip
import hashlib
import json
import os
import shutil
import tarfile
import time
from typing import Dict, List, NamedTuple, Optional, Sequence

from localplatform import SETTINGS, registry_digest, run
import runtime_mirror  # noqa: E402  (on sys.path through localplatform)

# The kubelet's modes: an emptyDir is world-writable; a secret's files are 0644 (defaultMode).
EMPTY_DIR_MODE = 0o777
SECRET_FILE_MODE = 0o644


class ContainerRun(NamedTuple):
    name: str
    exit_code: int
    output: str
    seconds: float


class PodRun:
    """A finished pod: each container's run in order, and the completion's build metadata."""

    def __init__(self, pod: dict, runs: List[ContainerRun], termination: Dict[str, str], seconds: float) -> None:
        self.pod = pod
        self.runs = runs
        self.termination = termination
        self.seconds = seconds

    @property
    def succeeded(self) -> bool:
        spec = self.pod["spec"]
        return len(self.runs) == len(spec["initContainers"]) + len(spec["containers"]) and \
            all(r.exit_code == 0 for r in self.runs)

    @property
    def log(self) -> str:
        """Every container's output under its name, as `kp build logs` shows a build."""
        return "".join("===> {}\n{}".format(r.name.upper(), r.output) for r in self.runs)

    def output(self, container: str) -> str:
        return next(r.output for r in self.runs if r.name == container)

    def metadata(self) -> dict:
        """The build metadata completion leaves in its termination message (kpack's
        cnb.CompressBuildMetadata: JSON, gzip, base64), as the controller decodes it."""
        return json.loads(gzip.decompress(base64.b64decode(self.termination["completion"])))


class Kubelet:
    """Runs one pod's containers on the engine, as a kubelet would for restartPolicy Never:
    init containers one at a time, each to exit 0, then the containers. `secrets` holds the
    data of each Secret a volume names (what the API server would hand the kubelet)."""

    def __init__(self, secrets: Dict[str, Dict[str, str]], scratch: str) -> None:
        self.secrets = secrets
        self.scratch = scratch

    def run(self, pod: dict) -> PodRun:
        spec = pod["spec"]
        pod_dir = os.path.join(self.scratch, pod["metadata"]["name"])
        shutil.rmtree(pod_dir, ignore_errors=True)
        volumes = {v["name"]: self._volume(v, os.path.join(pod_dir, "volumes", v["name"]), spec)
                   for v in spec.get("volumes", [])}
        runs: List[ContainerRun] = []
        termination: Dict[str, str] = {}
        started = time.monotonic()
        for container in spec["initContainers"] + spec["containers"]:
            message = os.path.join(pod_dir, "termination", container["name"])
            if container.get("terminationMessagePath"):
                os.makedirs(os.path.dirname(message), exist_ok=True)
                open(message, "w").close()
                os.chmod(message, 0o666)  # the container's user writes it
            name = "{}-{}-{}".format(SETTINGS["KPACK_REPO"], pod["metadata"]["name"], container["name"])
            run(["docker", "rm", "-f", name])  # ours, from a run that was cut short
            began = time.monotonic()
            result = run(docker_run(spec, container, volumes, name, message))
            runs.append(ContainerRun(container["name"], result.returncode, result.stdout, time.monotonic() - began))
            if container.get("terminationMessagePath"):
                with open(message) as f:
                    termination[container["name"]] = f.read()
            if result.returncode != 0:
                break
        return PodRun(pod, runs, termination, time.monotonic() - started)

    def _volume(self, volume: dict, path: str, spec: dict) -> str:
        fs_group = spec.get("securityContext", {}).get("fsGroup")
        os.makedirs(path)
        if "emptyDir" in volume:
            os.chmod(path, EMPTY_DIR_MODE)
        elif "secret" in volume:
            name = volume["secret"]["secretName"]
            if name not in self.secrets:
                raise KeyError("the pod mounts Secret {!r}, which the kubelet was not given".format(name))
            for key, value in self.secrets[name].items():
                with open(os.path.join(path, key), "w") as f:
                    f.write(value)
                os.chmod(os.path.join(path, key), SECRET_FILE_MODE)
            os.chmod(path, 0o755)
        else:
            raise ValueError("no stand-in for volume {}".format(json.dumps(volume)))
        if fs_group is not None:  # the kubelet's volume ownership: the fsGroup's, setgid directories
            for dirpath, dirnames, filenames in os.walk(path):
                for entry in [dirpath] + [os.path.join(dirpath, n) for n in filenames]:
                    os.chown(entry, -1, fs_group)
                os.chmod(dirpath, os.stat(dirpath).st_mode | 0o2070)
        return path


def docker_run(spec: dict, container: dict, volumes: Dict[str, str], name: str, message: str) -> List[str]:
    """The `docker run` that starts one of a pod's containers as the kubelet would."""
    pod_security = spec.get("securityContext", {})
    security = dict(pod_security, **container.get("securityContext", {}))
    cmd = ["docker", "run", "--rm", "--name", name, "--network", "host", "--pull", "missing"]
    user = security.get("runAsUser")
    if user is None:
        user = image_user(container["image"])
    if security.get("runAsNonRoot") and (not str(user).split(":")[0].isdigit() or str(user).split(":")[0] == "0"):
        raise ValueError("container {} has runAsNonRoot and image user {!r}: the kubelet refuses it".format(container["name"], user))
    if "runAsGroup" in security:
        user = "{}:{}".format(str(user).split(":")[0], security["runAsGroup"])
    cmd += ["--user", str(user)]
    if "fsGroup" in pod_security:
        cmd += ["--group-add", str(pod_security["fsGroup"])]
    if security.get("allowPrivilegeEscalation") is False:
        cmd += ["--security-opt", "no-new-privileges"]
    for cap in security.get("capabilities", {}).get("drop", []):
        cmd += ["--cap-drop", cap]
    for cap in security.get("capabilities", {}).get("add", []):
        cmd += ["--cap-add", cap]
    if security.get("privileged"):
        cmd += ["--privileged"]
    if container.get("workingDir"):
        cmd += ["--workdir", container["workingDir"]]
    for env in container.get("env", []):
        cmd += ["--env", "{}={}".format(env["name"], env.get("value", ""))]
    for mount in container.get("volumeMounts", []):
        source = volumes[mount["name"]]
        if mount.get("subPath"):
            source = os.path.join(source, mount["subPath"])
        read_only = mount.get("readOnly") or "secret" in next(v for v in spec["volumes"] if v["name"] == mount["name"])
        cmd += ["--volume", "{}:{}{}".format(source, mount["mountPath"], ":ro" if read_only else "")]
    if container.get("terminationMessagePath"):
        cmd += ["--volume", "{}:{}".format(message, container["terminationMessagePath"])]
    command = container.get("command", [])
    if command:
        cmd += ["--entrypoint", command[0]]
    return cmd + [container["image"]] + command[1:] + container.get("args", [])


def image_user(image: str) -> str:
    """The user an image runs as (pulled first when missing, as the kubelet pulls before it runs)."""
    if run(["docker", "image", "inspect", image]).returncode != 0:
        pulled = run(["docker", "pull", image])
        if pulled.returncode != 0:
            raise RuntimeError("cannot pull {}: {}".format(image, pulled.stdout))
    return run(["docker", "image", "inspect", "--format", "{{.Config.User}}", image]).stdout.strip()


def pinned(image: str) -> str:
    """An image of the project's registry by digest, as kpack's ClusterBuilder and ClusterStack
    report their latest images."""
    return "{}@{}".format(image.rpartition(":")[0], registry_digest(image))


def kpack_pod(flags: Sequence[str]) -> dict:
    """kpack's pod for a Build, from kpack's own code (tools/platform/kpack-pod)."""
    images = ["-build-init-image", SETTINGS["KPACK_BUILD_INIT_IMAGE"], "-completion-image", SETTINGS["KPACK_COMPLETION_IMAGE"],
              "-rebase-image", SETTINGS["KPACK_REBASE_IMAGE"]]
    result = run([SETTINGS["KPACK_POD"]] + images + list(flags))
    if result.returncode != 0:
        raise RuntimeError("kpack-pod failed: {}".format(result.stdout))
    return json.loads(result.stdout)


class KpackImage:
    """What kpack's Image controller does for one image: a Build per change, each carrying the
    previous build's image, cache image and stack (from its completion metadata), a registry
    cache, the Image's env and service bindings; the source as a blob (a .tar.gz of the app dir,
    served on loopback under its sha256, as a blob URL names one version of the source)."""

    def __init__(self, tag: str, scratch: str, env: Dict[str, str], secrets: Dict[str, Dict[str, str]]) -> None:
        self.tag = tag
        self.scratch = scratch
        self.env = env
        self.secrets = secrets
        self.kubelet = Kubelet(secrets, os.path.join(scratch, "pods"))
        self.blobs = os.path.join(scratch, "blobs")
        self.builds = 0
        self.latest: Optional[dict] = None
        self.blob_url = ""

    def build(self, app_dir: str, run_image: str = "") -> PodRun:
        """A build of the app's source, on the stack's run image or the one given."""
        blob = self._blob(app_dir)
        with runtime_mirror.serve(self.blobs) as server:
            self.blob_url = "{}/{}".format(server.url, blob)
            return self._run(pinned(run_image or SETTINGS["REGISTRY_RUN_IMAGE"]))

    def rebase(self, run_image: str) -> PodRun:
        """A build for a new run image only (kpack's STACK reason): kpack's rebase pod."""
        if self.latest is None:
            raise ValueError("a rebase needs a previous build")
        return self._run(pinned(run_image), ["-last-run-image", self.latest["stackRunImage"]])

    def _run(self, run_image: str, extra: Sequence[str] = ()) -> PodRun:
        self.builds += 1
        flags = ["-name", "{}-build-{}".format(self.tag.rpartition("/")[2].replace(":", "-"), self.builds),
                 "-tag", self.tag, "-cache-tag", self.tag + "-cache", "-builder", pinned(SETTINGS["KPACK_BUILDER"]),
                 "-run-image", run_image, "-blob-url", self.blob_url]
        for key, value in sorted(self.env.items()):
            flags += ["-env", "{}={}".format(key, value)]
        for secret in sorted(self.secrets):
            flags += ["-service-secret", secret]
        if self.latest:
            flags += ["-last-image", self.latest["latestImage"], "-last-cache-image", self.latest["latestCacheImage"],
                      "-last-stack-id", self.latest["stackID"]]
        result = self.kubelet.run(kpack_pod(flags + list(extra)))
        if result.succeeded:
            self.latest = result.metadata()
        return result

    def _blob(self, app_dir: str) -> str:
        os.makedirs(self.blobs, exist_ok=True)
        staging = os.path.join(self.blobs, "staging.tar.gz")
        # No timestamp in the gzip header: the same source is the same blob.
        with gzip.GzipFile(staging, "wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
            for entry in sorted(os.listdir(app_dir)):
                tar.add(os.path.join(app_dir, entry), arcname=entry)
        with open(staging, "rb") as f:
            name = "app-{}.tar.gz".format(hashlib.sha256(f.read()).hexdigest()[:16])
        os.replace(staging, os.path.join(self.blobs, name))
        return name
