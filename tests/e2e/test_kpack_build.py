"""kpack on a real Kubernetes (issue 18): the cluster of tools/platform/cluster.sh (built from
the Go module proxy, started once for this module) with kpack installed from its own release
configuration (kpack.sh), and deploy/kpack/ applied as a user applies it. Everything after that
is kpack's own controller, the scheduler and the kubelet: the ClusterStore, ClusterStack and
ClusterBuilder reconcile, the Image builds in a pod, the app runs as a Deployment and answers
through its Service; a source change rebuilds with the cache, a run-image change rebases, and a
bad requirement fails with our message while the last good image stays.

The cluster reaches nothing off this machine: pods fetch runtimes, the toolset's wheels, the
app's wheels and the source blob from servers on the node's bridge address."""
import json
import os
import re
import shutil
import ssl
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
from typing import Callable, Optional

import pytest

from conftest import BUILD_TIMES, ROOT, SETTINGS, run
from localplatform import delete_from_registry, registry_image
from phasekit import download_wheels
from python_cnb import vendored
import runtime_mirror

yaml = vendored.load("yaml")
PLATFORM = os.path.join(ROOT, "tools", "platform")
KUBECTL = os.path.join(SETTINGS["CLUSTER_BIN"], "kubectl")
PKI = os.path.join(SETTINGS["CLUSTER_DIR"], "state", "pki")
ADDR = SETTINGS["CLUSTER_ADDR"]
REGISTRY = SETTINGS["CLUSTER_REGISTRY"]  # the project's registry, as the cluster names it
NS = "apps"
IMAGE = "flask-hello"
PYTHON = "3.12.1"  # image.yaml's BP_PYTHON_VERSION=3.12
CATALOG = "/platform/bindings/runtime-mirror/catalog.yaml"
SITE_CA = "/platform/bindings/site-ca/ca.crt"
BODY = "hello from the flask procfile fixture\n"
REBASED_RUN_IMAGE = "{}/python-cnb-kpack/run:bookworm-rebased".format(SETTINGS["REGISTRY"])
BAD_REQUIREMENT = "python-cnb-no-such-distribution==1.0"


def kubectl(*args: str, stdin: Optional[str] = None) -> str:
    result = subprocess.run([KUBECTL] + list(args), env=dict(os.environ, KUBECONFIG=SETTINGS["CLUSTER_KUBECONFIG"]),
                            input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode == 0, "kubectl {}: {}".format(" ".join(args), result.stdout)
    return result.stdout


def get(kind: str, name: str = "", namespaced: bool = True) -> dict:
    return json.loads(kubectl("get", kind, *([name] if name else []), *(["-n", NS] if namespaced else []), "-o", "json"))


def condition(resource: dict, kind: str = "Ready") -> dict:
    return next((c for c in resource.get("status", {}).get("conditions", []) if c["type"] == kind), {})


def await_(check: Callable[[], object], seconds: float, what: Callable[[], str]) -> object:
    """check's first truthy answer, or a failure saying what stood where when time ran out."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail("timed out after {}s: {}\nkpack's controller said:\n{}".format(
                seconds, what(), kubectl("logs", "-n", "kpack", "deployment/kpack-controller", "--tail=30")), pytrace=False)
        time.sleep(2)


def ready(kind: str, name: str, namespaced: bool, seconds: float = 300) -> dict:
    def check() -> Optional[dict]:
        resource = get(kind, name, namespaced)
        return resource if condition(resource).get("status") == "True" else None
    return await_(check, seconds, lambda: "{} {} not Ready: {}".format(
        kind, name, json.dumps(get(kind, name, namespaced).get("status"), indent=1)))  # type: ignore


class Build:
    """One of the Image's Builds, finished: its resource, its pod, and its duration as the
    API server recorded it (created to Succeeded)."""

    def __init__(self, number: int, kind: str) -> None:
        def finished() -> Optional[dict]:
            found = json.loads(kubectl("get", "builds", "-n", NS, "-o", "json", "-l",
                                       "image.kpack.io/image={},image.kpack.io/buildNumber={}".format(IMAGE, number)))["items"]
            return found[0] if found and condition(found[0], "Succeeded").get("status") in ("True", "False") else None
        self.resource = await_(finished, 1200, lambda: "build {} of {} did not finish: {}".format(number, IMAGE, kubectl(
            "get", "builds,pods", "-n", NS, "-o", "wide")))  # type: dict
        self.succeeded = condition(self.resource, "Succeeded")["status"] == "True"
        self.pod = get("pod", self.resource["status"]["podName"])
        self.seconds = stamp(condition(self.resource, "Succeeded")["lastTransitionTime"]) - \
            stamp(self.resource["metadata"]["creationTimestamp"])
        BUILD_TIMES.append(("kpack {}/{} build {}".format(NS, IMAGE, number), kind, self.seconds, 0 if self.succeeded else 1))

    @property
    def reason(self) -> str:
        return self.resource["metadata"]["annotations"]["image.kpack.io/reason"]

    @property
    def steps(self) -> list:
        spec = self.pod["spec"]
        return [c["name"] for c in spec.get("initContainers", []) + spec["containers"]]

    def failure(self) -> str:
        """The log of the step that failed (kpack's build steps are the pod's init containers)."""
        status = self.pod["status"]
        statuses = status.get("initContainerStatuses", []) + status.get("containerStatuses", [])
        step = next((s["name"] for s in statuses if (s["state"].get("terminated") or {}).get("exitCode")), "build")
        return "step {} of {}:\n{}".format(step, self.pod["metadata"]["name"], self.log(step))

    def log(self, step: str) -> str:
        return kubectl("logs", "-n", NS, self.pod["metadata"]["name"], "-c", step)


def stamp(text: str) -> float:
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture(scope="module")
def cluster():
    """The cluster and kpack in it (both idempotent); stopped at the end if this started it."""
    was_running = run([os.path.join(PLATFORM, "cluster.sh"), "status"]).returncode == 0
    began = time.monotonic()
    for step in (["cluster.sh", "start"], ["kpack.sh"]):
        result = run([os.path.join(PLATFORM, step[0])] + step[1:])
        if result.returncode != 0:
            pytest.fail("tools/platform/{} failed, so kpack cannot be tested:\n{}".format(
                " ".join(step), result.stdout[-4000:]), pytrace=False)
    print("cluster and kpack ready in {:.0f}s".format(time.monotonic() - began))
    yield
    if not was_running:
        run([os.path.join(PLATFORM, "cluster.sh"), "stop"])


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """What an air-gapped cluster's builds need, served on the node's bridge address: the
    runtimes (with a catalog bound into the build) and the source blobs over http, and over
    https, as a site's mirror is (the buildpack takes a dependency mirror off loopback only
    over https), the toolset's wheels (its mirror for files.pythonhosted.org) and the app's
    wheels (pip's find-links), with a certificate from a CA of the site's, bound into the build."""
    root = str(tmp_path_factory.mktemp("kpack-served"))
    mirror = str(tmp_path_factory.mktemp("kpack-mirror"))
    tls = site_certificate(str(tmp_path_factory.mktemp("kpack-tls")))
    runtimes = os.path.join(SETTINGS["CACHE"], "e2e-mirror")
    runtime_mirror.build_mirror(runtimes, versions=[PYTHON])
    with runtime_mirror.Server(runtimes, host=ADDR) as runtime_server, runtime_mirror.Server(root, host=ADDR) as files, \
            runtime_mirror.Server(mirror, host=ADDR, tls=tls[1:]) as https:
        runtime_mirror.write_catalog(runtimes, runtime_server.url, os.path.join(root, "catalog.yaml"), versions=[PYTHON])
        toolset_wheels(os.path.join(mirror, "pythonhosted"))
        requirements = os.path.join(root, "requirements.txt")
        with open(requirements, "w") as f:
            f.write("flask==3.0.3\ngunicorn==23.0.0\nsix==1.16.0\n")
        download_wheels(requirements, os.path.join(mirror, "wheels"))
        os.makedirs(os.path.join(root, "blobs"))
        with open(tls[0]) as f:
            ca = f.read()
        yield Served(root, files.url, https.url, ca)


class Served:
    def __init__(self, root: str, url: str, mirror_url: str, ca: str) -> None:
        self.root = root  # served at url (http): the catalog and the source blobs
        self.url = url
        self.mirror_url = mirror_url  # https, its CA's certificate ca
        self.ca = ca


def site_certificate(dest: str) -> tuple:
    """(CA certificate, certificate, key) for a server on the node's address, from a new CA."""
    def openssl(*args: str) -> None:
        result = run(["openssl"] + list(args))
        assert result.returncode == 0, result.stdout
    ca, ca_key, cert, key, csr = (os.path.join(dest, n) for n in ("ca.crt", "ca.key", "mirror.crt", "mirror.key", "mirror.csr"))
    openssl("req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-subj", "/CN=python-cnb-site-ca",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-days", "2", "-out", ca)
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", "/CN=" + ADDR, "-out", csr)
    sans = os.path.join(dest, "sans")
    with open(sans, "w") as f:
        f.write("subjectAltName=IP:{}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n".format(ADDR))
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2", "-out", cert,
            "-extfile", sans)
    return ca, cert, key


def toolset_wheels(dest: str) -> None:
    """pip, setuptools and wheel as the stack's toolset pins them for Python 3.12, laid out by
    their files.pythonhosted.org paths (cached beside the runtimes)."""
    with open(os.path.join(ROOT, "stacks", "toolset", "wheels.yaml")) as f:
        pins = next(s for s in yaml.safe_load(f)["sets"] if PYTHON.rpartition(".")[0] in s["python"])
    cache = os.path.join(SETTINGS["CACHE"], "e2e-toolset")
    for tool in ("pip", "setuptools", "wheel"):
        path = urllib.parse.urlsplit(pins[tool]["url"]).path
        cached = os.path.join(cache, os.path.basename(path))
        if not os.path.exists(cached):
            os.makedirs(cache, exist_ok=True)
            urllib.request.urlretrieve(pins[tool]["url"], cached + ".tmp")
            os.replace(cached + ".tmp", cached)
        os.makedirs(os.path.dirname(dest + path), exist_ok=True)
        shutil.copy(cached, dest + path)


def blob(root: str, url: str, app_dir: str) -> str:
    """The app's source as a .tar.gz blob, named by its content (a new version, a new URL)."""
    staging = os.path.join(root, "blobs", "staging.tar.gz")
    with tarfile.open(staging, "w:gz") as tar:
        for entry in sorted(os.listdir(app_dir)):
            tar.add(os.path.join(app_dir, entry), arcname=entry)
    name = "app-{}.tar.gz".format(int(time.time() * 1000))
    os.replace(staging, os.path.join(root, "blobs", name))
    return "{}/blobs/{}".format(url, name)


def manifests(dest: str, served: Served, source_url: str) -> None:
    """deploy/kpack/ as a user edits it, into dest: registry.example.com is our registry, and the
    Image's source is a blob (the git repository it names is not reachable here), with the
    air-gapped site's settings in its build env, and the runtime catalog and the site's CA bound
    as services."""
    os.makedirs(dest, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(ROOT, "deploy", "kpack"))):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(ROOT, "deploy", "kpack", name)) as f:
            docs = list(yaml.safe_load_all(f.read().replace("registry.example.com", REGISTRY)))
        for doc in docs:
            if doc["kind"] == "Image":
                doc["spec"]["source"] = {"blob": {"url": source_url}}
                doc["spec"]["build"]["env"] += [
                    {"name": "BP_PYTHON_RUNTIME_CATALOG", "value": CATALOG},
                    {"name": "BP_DEPENDENCY_MIRROR_FILES_PYTHONHOSTED_ORG", "value": served.mirror_url + "/pythonhosted"},
                    {"name": "SSL_CERT_FILE", "value": SITE_CA},  # the buildpack's downloads
                    {"name": "REQUESTS_CA_BUNDLE", "value": SITE_CA},  # pip's
                    {"name": "PIP_FIND_LINKS", "value": served.mirror_url + "/wheels/"},
                    {"name": "PIP_NO_INDEX", "value": "1"}]
                doc["spec"]["build"]["services"] = [{"name": name, "kind": "Secret", "apiVersion": "v1"}
                                                    for name in ("runtime-mirror", "site-ca")]
        with open(os.path.join(dest, name), "w") as f:
            yaml.safe_dump_all(docs, f)


def registry_tags_removed(repository: str) -> None:
    """A repository of the project's registry emptied (kpack's tags from an earlier run)."""
    try:
        with urllib.request.urlopen("http://{}/v2/{}/tags/list".format(SETTINGS["REGISTRY_ADDR"], repository)) as r:
            tags = json.load(r).get("tags") or []
    except urllib.error.HTTPError:
        return
    for tag in tags:
        delete_from_registry("{}/{}:{}".format(SETTINGS["REGISTRY"], repository, tag))


class Site:
    """The app's source and the servers its builds read, for one Image."""

    def __init__(self, app: str, served: Served) -> None:
        self.app = app
        self.served = served

    def push_source(self) -> None:
        """The app's current source as a new blob, named in the Image (kpack's source change)."""
        patch = {"spec": {"source": {"blob": {"url": blob(self.served.root, self.served.url, self.app)}}}}
        kubectl("patch", "image", IMAGE, "-n", NS, "--type", "merge", "-p", json.dumps(patch))


@pytest.fixture(scope="module")
def site(cluster, served, pack, tmp_path_factory):
    """deploy/kpack/ applied, after the Secrets its Image binds (the runtime catalog, the site's CA)."""
    # An earlier run's Image (its Builds go with it) and app, when the cluster was kept running.
    kubectl("delete", "-n", NS, "--ignore-not-found", "image/" + IMAGE, "deployment/" + IMAGE, "service/" + IMAGE)
    for repository in ("apps/" + IMAGE, "apps/{}-cache".format(IMAGE)):
        registry_tags_removed(repository)
    app = pack.app("flask_procfile", "kpack_flask")
    os.remove(os.path.join(app, "runtime.txt"))  # image.yaml's BP_PYTHON_VERSION chooses
    with open(os.path.join(served.root, "catalog.yaml")) as f:
        catalog = f.read()
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "runtime-mirror", "namespace": NS},
         "stringData": {"type": "python-runtime-catalog", "catalog.yaml": catalog}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "site-ca", "namespace": NS},
         "stringData": {"type": "ca-certificates", "ca.crt": served.ca}}]))
    edited = str(tmp_path_factory.mktemp("deploy-kpack"))
    manifests(edited, served, blob(served.root, served.url, app))
    image = os.path.join(edited, "image.yaml")
    kubectl("apply", *["-f=" + os.path.join(edited, n) for n in sorted(os.listdir(edited)) if n != "image.yaml"])
    # A kept cluster's ClusterStack may come back from an earlier run's rebase: the Image starts
    # from a builder on the stack as deploy/kpack/ has it, or a STACK rebuild would follow.
    await_(builder_on_the_stack, 300, lambda: kubectl("get", "clusterstack,clusterbuilder", "-o", "yaml"))
    kubectl("apply", "-f", image)
    return Site(app, served)


def builder_on_the_stack() -> bool:
    stack, builder = get("clusterstack", "bookworm", False), get("clusterbuilder", "python-cnb", False)
    return (stack.get("status", {}).get("observedGeneration") == stack["metadata"]["generation"]
            and condition(stack).get("status") == "True" and condition(builder).get("status") == "True"
            # kpack copies the run image beside the builder: the same digest under another name
            and digest(builder["status"].get("stack", {}).get("runImage", "")) == digest(stack["status"]["runImage"]["latestImage"]))


def digest(reference: str) -> str:
    return reference.rpartition("@")[2]


@pytest.fixture(scope="module")
def first(site):
    return Build(1, "cold")


@pytest.fixture(scope="module")
def deployed(first):
    """The Image's latest image as a Deployment with a Service, answering through the API
    server's proxy to the Service."""
    if not first.succeeded:
        pytest.fail("the first build failed: " + first.failure(), pytrace=False)
    image = ready("image", IMAGE, True)["status"]["latestImage"]
    labels = {"app": IMAGE}
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": IMAGE, "namespace": NS},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
             "metadata": {"labels": labels},
             "spec": {"containers": [{"name": "web", "image": image, "env": [{"name": "PORT", "value": "8080"}],
                                      "ports": [{"containerPort": 8080}],
                                      "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": IMAGE, "namespace": NS},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": 8080}]}}]))
    kubectl("rollout", "status", "-n", NS, "deployment/" + IMAGE, "--timeout=180s")
    return image


def http_get_through_the_service() -> tuple:
    """GET / of the app's Service, through the API server's service proxy (as `kubectl proxy` does)."""
    context = ssl.create_default_context(cafile=os.path.join(PKI, "ca.crt"))
    context.load_cert_chain(os.path.join(PKI, "admin.crt"), os.path.join(PKI, "admin.key"))
    url = "https://{}:6443/api/v1/namespaces/{}/services/{}:http/proxy/".format(ADDR, NS, IMAGE)
    with urllib.request.urlopen(url, context=context, timeout=10) as r:
        return r.status, r.read().decode()


@pytest.fixture(scope="module")
def rebuilt(site, deployed):
    with open(os.path.join(site.app, "requirements.txt"), "a") as f:
        f.write("six==1.16.0\n")
    site.push_source()
    return Build(2, "again")


@pytest.fixture(scope="module")
def rebased(site, rebuilt):
    """The stack's run image with one more file and label, then the ClusterStack pointed at it."""
    base = SETTINGS["REGISTRY_RUN_IMAGE"]
    user = run(["docker", "image", "inspect", "--format", "{{.Config.User}}", base]).stdout.strip()
    dockerfile = ("FROM {}\nUSER root\nRUN echo rebased > /etc/python-cnb-run-variant\nUSER {}\n"
                  "LABEL dev.python-cnb.run-variant=rebased\n").format(base, user)
    built = run(["docker", "build", "--network", "host", "-q", "-t", REBASED_RUN_IMAGE, "-"], input=dockerfile)
    assert built.returncode == 0, built.stdout
    pushed = run(["docker", "push", REBASED_RUN_IMAGE])
    assert pushed.returncode == 0, pushed.stdout
    run(["docker", "rmi", REBASED_RUN_IMAGE])
    before = get("image", IMAGE)["status"]["latestImage"]
    run_image = REGISTRY + REBASED_RUN_IMAGE[len(SETTINGS["REGISTRY"]):]
    kubectl("patch", "clusterstack", "bookworm", "--type", "merge", "-p", json.dumps({"spec": {"runImage": {"image": run_image}}}))
    return before, Build(3, "rebase")


@pytest.fixture(scope="module")
def failed(site, rebased):
    before = ready("image", IMAGE, True)["status"]["latestImage"]
    with open(os.path.join(site.app, "requirements.txt"), "a") as f:
        f.write(BAD_REQUIREMENT + "\n")
    site.push_source()
    return before, Build(4, "again")


def test_kpack_runs_in_the_cluster_as_pods_on_the_node(cluster):
    pods = json.loads(kubectl("get", "pods", "-n", "kpack", "-o", "json"))["items"]
    running = {p["metadata"]["labels"]["app"]: p for p in pods if p["status"]["phase"] == "Running"}
    assert sorted(running) == ["kpack-controller", "kpack-webhook"]
    for pod in running.values():
        assert pod["spec"]["nodeName"] == SETTINGS["CLUSTER_NODE"]
        assert pod["status"]["podIP"].startswith(ADDR.rpartition(".")[0] + ".")
    node = get("node", SETTINGS["CLUSTER_NODE"], False)
    assert node["status"]["nodeInfo"]["kubeletVersion"] == SETTINGS["KUBERNETES_VERSION"]
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")


def test_the_webhook_validates_what_users_apply(cluster):
    """kpack's webhook, called by the API server, refuses a ClusterStore without sources."""
    result = subprocess.run([KUBECTL, "apply", "-f", "-"], env=dict(os.environ, KUBECONFIG=SETTINGS["CLUSTER_KUBECONFIG"]),
                            input=yaml.safe_dump({"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore",
                                                  "metadata": {"name": "empty"}, "spec": {"sources": []}}),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode != 0
    assert 'admission webhook "validation.webhook.kpack.io" denied the request' in result.stdout


def test_the_store_stack_and_builder_reconcile_to_a_builder_kpack_assembled(site):
    store = ready("clusterstore", "python-cnb", False)
    assert [b["id"] for b in store["status"]["buildpacks"]] == ["python-cnb/python"]
    stack = ready("clusterstack", "bookworm", False)
    assert stack["status"]["id"] == SETTINGS["STACK_ID"]
    assert stack["status"]["runImage"]["latestImage"].startswith(REGISTRY + "/python-cnb/run@sha256:")
    builder = ready("clusterbuilder", "python-cnb", False)
    assert re.match(re.escape(REGISTRY) + r"/python-cnb/builder:clusterbuilder-python-cnb@sha256:[0-9a-f]{64}$",
                    builder["status"]["latestImage"])
    assert [b["id"] for b in builder["status"]["builderMetadata"]] == ["python-cnb/python"]
    _, config = registry_image(SETTINGS["REGISTRY"] + builder["status"]["latestImage"][len(REGISTRY):])
    assert "io.buildpacks.builder.metadata" in config["config"]["Labels"]


def test_the_first_build_runs_in_a_pod_and_the_app_serves_from_a_deployment(first, deployed):
    assert first.succeeded, first.failure()
    assert first.steps == ["prepare", "analyze", "detect", "restore", "build", "export", "completion"]
    assert first.pod["spec"]["nodeName"] == SETTINGS["CLUSTER_NODE"]
    build = first.log("build")
    assert "  Runtime catalog: {} (from BP_PYTHON_RUNTIME_CATALOG)\n".format(CATALOG) in build
    assert "  Using Python {} (newest match for 3.12 on Debian-12, from BP_PYTHON_VERSION)\n".format(PYTHON) in build
    assert "  Installing dependencies with pip from requirements.txt\n" in build
    assert "Saving {}/apps/{}...".format(REGISTRY, IMAGE) in first.log("export")
    assert deployed.startswith("{}/apps/{}@sha256:".format(REGISTRY, IMAGE))
    assert http_get_through_the_service() == (200, BODY)


def test_a_source_change_rebuilds_reusing_the_cache(rebuilt):
    assert rebuilt.succeeded, rebuilt.failure()
    # A blob source's new URL is a change of the Image's spec (COMMIT is a git revision kpack resolved).
    assert rebuilt.reason == "CONFIG"
    # The Image's cache (an image beside the app's) restored: pip's cache layer comes back from it.
    assert 'Restoring data for "python-cnb/python:pip-cache" from cache' in rebuilt.log("restore")
    build = rebuilt.log("build")
    assert "  Rebuilding dependencies: requirements.txt changed\n" in build
    export = rebuilt.log("export")
    assert "Reusing layer 'python-cnb/python:python'" in export
    assert "Adding layer 'python-cnb/python:dependencies'" in export


def run_image_layers(config: dict) -> int:
    """How many of an app image's layers are its run image's (up to the top layer the
    lifecycle's metadata names)."""
    top = json.loads(config["config"]["Labels"]["io.buildpacks.lifecycle.metadata"])["runImage"]["topLayer"]
    return config["rootfs"]["diff_ids"].index(top) + 1


def test_a_run_image_change_rebases_without_a_rebuild(rebased):
    before, result = rebased
    assert result.succeeded, result.failure()
    assert result.reason == "STACK"
    assert result.steps == ["rebase", "completion"]
    after = get("image", IMAGE)["status"]["latestImage"]
    _, old = registry_image(SETTINGS["REGISTRY"] + before[len(REGISTRY):])
    _, new = registry_image(SETTINGS["REGISTRY"] + after[len(REGISTRY):])
    _, run_config = registry_image(REBASED_RUN_IMAGE)
    old_base, new_base = run_image_layers(old), run_image_layers(new)
    assert new["rootfs"]["diff_ids"][:new_base] == run_config["rootfs"]["diff_ids"]
    assert new["rootfs"]["diff_ids"][new_base:] == old["rootfs"]["diff_ids"][old_base:]


def test_a_bad_requirement_fails_the_build_with_our_message_and_keeps_the_image(failed):
    before, result = failed
    assert not result.succeeded
    log = result.log("build")
    assert "No matching distribution found for {}\n".format(BAD_REQUIREMENT) in log
    assert ("[Error] pip could not install the dependencies (exit 1); its output is above.\n"
            "  Fix requirements.txt (a missing package, a version that does not exist, or a package needing"
            " system libraries), then build again.\n") in log
    assert "Traceback" not in log
    image = get("image", IMAGE)
    assert condition(image)["status"] == "False"
    assert condition(image)["reason"] == "BuildFailed"
    assert image["status"]["latestImage"] == before
    assert http_get_through_the_service() == (200, BODY)
