"""The kit phase and reliability tests stand on: bin/detect and bin/build run as real processes
over real CNB directories (app, layers, platform, plan), with CPython runtimes served from a
loopback mirror built from this machine's pyenv interpreters. The lib runs on the interpreter
running pytest, so `make test` covers the oldest and the newest Python the machine has.

A module of its own (not a conftest) so that test files in several folders import it by one name."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools", "platform"))
import runtime_mirror  # noqa: E402
from python_cnb.cnb import tomlfile  # noqa: E402  (tests/conftest.py puts lib/ on sys.path)
import localplatform  # noqa: E402

free_port = localplatform.free_port  # phase and reliability tests import it from here

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "apps")
MIRROR_VERSIONS = ["3.12.1", "3.11.7"]
# The Buildpack spec's layer path variables: the lifecycle prepends a user's value to these.
LAYER_PATH_VARIABLES = ("PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CPATH", "PKG_CONFIG_PATH")
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "python-cnb", "phase-mirror")


def start_mirror(catalog_dir: str):
    """A loopback mirror serving MIRROR_VERSIONS: (server, (catalog path, base url, index))."""
    index = runtime_mirror.build_mirror(CACHE, versions=MIRROR_VERSIONS)
    server = runtime_mirror.serve(CACHE)
    catalog = os.path.join(catalog_dir, "catalog.yaml")
    runtime_mirror.write_catalog(CACHE, server.url, catalog)
    return server, (catalog, server.url, index)


def toolbox(root, without=()) -> str:
    """A bin dir standing for a build image's PATH: every program of /usr/bin but python and the
    ones named."""
    box = os.path.join(str(root), "toolbox-" + "-".join(without))
    if not os.path.isdir(box):
        os.makedirs(box)
        for name in os.listdir("/usr/bin"):
            if not name.startswith("python") and name not in without:
                os.symlink(os.path.join("/usr/bin", name), os.path.join(box, name))
    return box


def bare_python_bin() -> str:
    """The bin/ of the interpreter running the tests (not its venv): bin/build runs `python3`."""
    base = getattr(sys, "base_prefix", sys.prefix)
    return os.path.join(base, "bin")


class Phase:
    """One app's CNB directories, and the phases run over them as the lifecycle would."""

    def __init__(self, root: str, app_fixture: str, catalog: str) -> None:
        self.root = root
        self.app = os.path.join(root, "workspace")
        self.layers = os.path.join(root, "layers")
        self.platform = os.path.join(root, "platform")
        shutil.copytree(os.path.join(FIXTURES, app_fixture), self.app, symlinks=True)
        os.makedirs(os.path.join(self.platform, "env"))
        os.makedirs(self.layers)
        self.set_env("BP_PYTHON_RUNTIME_CATALOG", catalog)
        self.distro = ("debian", "12")  # the build's target

    def set_env(self, name: str, value: str) -> None:
        """A user env var, as `pack build --env` puts it in <platform>/env."""
        with open(os.path.join(self.platform, "env", name), "w") as f:
            f.write(value)

    def write(self, name: str, text: str) -> None:
        """Change a file of the app, as a developer would between two builds."""
        with open(os.path.join(self.app, name), "w") as f:
            f.write(text)

    def unset_env(self, name: str) -> None:
        os.remove(os.path.join(self.platform, "env", name))

    def env(self) -> dict:
        # A clean environment: nothing from the developer's shell (pip config, proxies...) leaks in.
        env = {
            "PATH": bare_python_bin() + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": self.root,
            "CNB_BUILDPACK_DIR": ROOT,
            "CNB_PLATFORM_DIR": self.platform,
            "CNB_LAYERS_DIR": self.layers,
            "CNB_BP_PLAN_PATH": os.path.join(self.root, "plan.toml"),
            "CNB_BUILD_PLAN_PATH": os.path.join(self.root, "detect-plan.toml"),
            "CNB_TARGET_OS": "linux",
            "CNB_TARGET_ARCH": "amd64",
            "CNB_TARGET_DISTRO_NAME": self.distro[0],
            "CNB_TARGET_DISTRO_VERSION": self.distro[1],
        }
        for name in ("SSL_CERT_FILE", "PIP_CERT"):  # the machine's TLS trust, to reach PyPI
            if os.environ.get(name):
                env[name] = os.environ[name]
        # <platform>/env as the lifecycle applies it to a buildpack without clear-env (its
        # env.WithOverrides): the layer path variables prepended with ':', the others overridden.
        for name in os.listdir(os.path.join(self.platform, "env")):
            with open(os.path.join(self.platform, "env", name)) as f:
                value = f.read()
            if name in LAYER_PATH_VARIABLES and env.get(name):
                value += ":" + env[name]
            env[name] = value
        return env

    def detect(self) -> subprocess.CompletedProcess:
        return subprocess.run([os.path.join(ROOT, "bin", "detect")], cwd=self.app, env=self.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)

    def build(self, plan: str = '[[entries]]\nname = "python"\n') -> subprocess.CompletedProcess:
        with open(os.path.join(self.root, "plan.toml"), "w") as f:
            f.write(plan)
        return subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=self.app, env=self.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)

    def fails_with(self, error: str) -> subprocess.CompletedProcess:
        """Build, expecting the build to fail with error (its text after "[Error] ") as the
        log's last lines."""
        result = self.build()
        assert result.returncode == 1, result.stdout[-3000:]
        assert result.stdout.endswith("\n[Error] " + error), result.stdout[-3000:]
        return result

    def restore_as_the_lifecycle_would(self) -> None:
        """Between two builds, what the lifecycle gives the next one back (Buildpack API, layer
        types): a cached layer whole, every file's time 1980-01-01 00:00:01 (its tar writer's
        normalized time), a launch-only layer's TOML alone (the image keeps the rest), nothing of
        any other; every TOML without its [types]. SBOM files stay."""
        for name in sorted(os.listdir(self.layers)):
            if not name.endswith(".toml") or name in ("launch.toml", "build.toml", "store.toml"):
                continue
            toml_path = os.path.join(self.layers, name)
            layer = toml_path[:-len(".toml")]
            data = tomlfile.read(toml_path)
            types = data.pop("types", {})
            if not types.get("cache") and os.path.isdir(layer):
                shutil.rmtree(layer)
            elif os.path.isdir(layer):
                _reset_file_times(layer)
            if types.get("cache") or types.get("launch"):
                tomlfile.write(toml_path, data)
            else:
                os.remove(toml_path)
        for name in ("launch.toml", "build.toml"):
            if os.path.exists(os.path.join(self.layers, name)):
                os.remove(os.path.join(self.layers, name))

    def read(self, *parts: str) -> str:
        with open(os.path.join(self.layers, *parts)) as f:
            return f.read()

    def launch_env(self) -> dict:
        """What the launcher gives a process, as lifecycle's launch/launcher.go builds it: every
        launch layer's bin/ and lib/ first (layers in name order, each prepended), then every
        layer's env/ and env.launch/ files, in the same order."""
        env = {"PATH": "/usr/bin:/bin", "HOME": self.root}
        layers = [name for name in sorted(os.listdir(self.layers))
                  if os.path.isdir(os.path.join(self.layers, name))
                  and os.path.isfile(os.path.join(self.layers, name + ".toml"))
                  and tomlfile.read(os.path.join(self.layers, name + ".toml")).get("types", {}).get("launch")]
        for layer in layers:
            for sub, var in (("bin", "PATH"), ("lib", "LD_LIBRARY_PATH")):
                if os.path.isdir(os.path.join(self.layers, layer, sub)):
                    env[var] = os.path.join(self.layers, layer, sub) + (":" + env[var] if env.get(var) else "")
        for layer in layers:
            for sub in ("env", "env.launch"):
                d = os.path.join(self.layers, layer, sub)
                if os.path.isdir(d):
                    for name in sorted(os.listdir(d)):
                        var, how = name.rsplit(".", 1)
                        with open(os.path.join(d, name)) as f:
                            value = f.read()
                        if how == "override" or (how == "default" and var not in env):
                            env[var] = value
                        elif how == "prepend":
                            env[var] = value + (":" + env[var] if env.get(var) else "")
        return env

    def launched(self, command: list, cwd: str = "") -> subprocess.CompletedProcess:
        """command, run as the launcher runs a process of the image (in the app dir unless cwd):
        its output and errors together in stdout."""
        return subprocess.run(command, cwd=cwd or self.app, env=self.launch_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)

    def served(self, command: list) -> str:
        """The page a web process started as the launcher would start it answers at /."""
        env = dict(self.launch_env(), PORT=str(free_port()))
        server = subprocess.Popen(command, cwd=self.app, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            return http_get("http://127.0.0.1:{}/".format(env["PORT"]))
        finally:
            server.terminate()
            server.wait(timeout=30)


LIFECYCLE_FILE_TIME = 315532801  # 1980-01-01 00:00:01 UTC


def _reset_file_times(top: str) -> None:
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (LIFECYCLE_FILE_TIME, LIFECYCLE_FILE_TIME), follow_symlinks=False)
    os.utime(top, (LIFECYCLE_FILE_TIME, LIFECYCLE_FILE_TIME))


def http_get(url: str, deadline: float = 30.0) -> str:
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def download_wheels(requirements: str, dest: str) -> None:
    """Wheels for CPython 3.12 on manylinux x86_64 (what the mirror's 3.12.1 runs), fetched by the
    3.12.1 interpreter's own pip: the pip of an older test interpreter cannot select them."""
    python = os.path.join(runtime_mirror.PYENV_VERSIONS, "3.12.1", "bin", "python3")
    fetched = subprocess.run([python, "-m", "pip", "download", "--quiet", "--dest", dest, "--only-binary", ":all:",
                              "--platform", "manylinux2014_x86_64", "--python-version", "3.12",
                              "--implementation", "cp", "--abi", "cp312", "-r", requirements],
                             env=dict(os.environ, PIP_FIND_LINKS=""), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True)
    assert fetched.returncode == 0, fetched.stdout
