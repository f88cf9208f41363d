"""BP_PYTHON_PACKAGE_MANAGER=uv for real: uv 0.13.9 installs a requirements.txt from a loopback
package index that wants credentials (PIP_INDEX_URL, as the pip path takes it), into the same
layer pip would fill; switching installers reinstalls and says why; hashes are enforced."""
import glob
import hashlib
import http.server
import os
import re
import socketserver
import threading

import pytest

from phasekit import download_wheels
from python_cnb.steps.dependencies import installed_distributions

AUTHORIZATION = "Basic YnVpbGRlcjpzM2NyM3QtdDBrZW4="  # builder:s3cr3t-t0ken


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """http.server.ThreadingHTTPServer, which Python 3.6 lacks: uv fetches in parallel."""
    daemon_threads = True


class Index:
    """A PEP 503 simple index of a directory of wheels on loopback, answering 401 without the
    credentials; records each request's path."""

    def __init__(self, wheels_dir):
        index = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.reply(True)

            def do_HEAD(self):  # uv asks for a wheel's size first
                self.reply(False)

            def reply(self, with_body):
                index.requests.append(self.path)
                if self.headers.get("Authorization") != AUTHORIZATION:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="fixture"')
                    self.end_headers()
                    return
                body = index.answer(wheels_dir, self.path)
                self.send_response(200 if body is not None else 404)
                if body is not None and self.path.startswith("/simple/"):
                    self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                if with_body:
                    self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://builder:s3cr3t-t0ken@127.0.0.1:{}/simple".format(self.httpd.server_address[1])

    @staticmethod
    def answer(wheels_dir, path):
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts[:1] == ["files"] and len(parts) == 2 and os.path.isfile(os.path.join(wheels_dir, parts[1])):
            with open(os.path.join(wheels_dir, parts[1]), "rb") as f:
                return f.read()
        if parts[:1] == ["simple"] and len(parts) == 2:
            links = ['<a href="/files/{0}#sha256={1}">{0}</a>'.format(name, sha256(os.path.join(wheels_dir, name)))
                     for name in sorted(os.listdir(wheels_dir)) if normalized(name.split("-")[0]) == parts[1]]
            return "<!DOCTYPE html><html><body>{}</body></html>".format("\n".join(links)).encode() if links else None
        return None

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    wheels = str(tmp_path_factory.mktemp("index-wheels"))
    requirements = os.path.join(wheels, "..", "requirements.txt")
    with open(requirements, "w") as f:
        f.write("flask==3.0.3\ngunicorn==23.0.0\nsix==1.16.0\nuv==0.13.9\n")  # uv too: pip gets it from there
    download_wheels(requirements, wheels)
    served = Index(wheels)
    yield served, wheels
    served.close()


def test_uv_installs_from_an_index_with_credentials_into_the_pip_layout_and_switching_reinstalls(phase, index):
    served, _ = index
    p = phase("flask_default_process")
    p.set_env("BP_PYTHON_PACKAGE_MANAGER", "uv")
    p.set_env("PIP_INDEX_URL", served.url)
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert "  Installing uv 0.13.9\n" in cold.stdout
    assert "  Installing dependencies with uv 0.13.9 from requirements.txt (from BP_PYTHON_PACKAGE_MANAGER=uv)\n" \
        in cold.stdout
    assert " + flask==3.0.3\n" in cold.stdout and "Collecting" not in cold.stdout
    assert "s3cr3t-t0ken" not in cold.stdout
    assert "/simple/flask/" in served.requests  # the index the user named, with the credentials (else 401)

    deps = os.path.join(p.layers, "dependencies")
    assert p.read("dependencies.toml").startswith(
        '[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\ninstaller = "uv-pip"\n'
        'python_version = "3.12.1"\ntarget = "debian-12/amd64"\nrequirement_lines = []\n\n[metadata.inputs]\n'
        '"requirements.txt" = "')
    assert sorted(os.listdir(deps)) == ["bin", "env", "lib"]  # pip's layout; no uv .lock
    with open(os.path.join(deps, "bin", "gunicorn")) as f:
        assert f.readline() == "#!{}\n".format(os.path.join(p.layers, "python", "bin", "python3"))
    site = os.path.join(deps, "lib", "python3.12", "site-packages")
    with open(os.path.join(site, "flask-3.0.3.dist-info", "INSTALLER")) as f:
        assert f.read() == "uv"
    assert "flask-3.0.3.dist-info/RECORD,," in open(os.path.join(site, "flask-3.0.3.dist-info", "RECORD")).read()
    for pyc in glob.glob(os.path.join(site, "flask", "__pycache__", "*.pyc")):
        with open(pyc, "rb") as f:
            assert f.read(8)[4:8] == b"\x01\x00\x00\x00", pyc  # unchecked-hash, as the pip path compiles
    assert os.path.isdir(os.path.join(p.layers, "pip-cache", "uv"))
    assert p.served(["gunicorn", "--worker-tmp-dir", "/dev/shm", "app:app"]) == "hello from the flask fixture\n"

    again = p.build()
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout
    assert "  Installing" not in again.stdout
    assert os.path.exists(os.path.join(p.layers, "uv.toml"))  # the tool is kept for the next changed build

    p.unset_env("BP_PYTHON_PACKAGE_MANAGER")
    by_pip = p.build()
    assert by_pip.returncode == 0, by_pip.stdout
    assert "  Rebuilding dependencies: installer changed (uv-pip -> pip)\n" in by_pip.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in by_pip.stdout
    assert "s3cr3t-t0ken" not in by_pip.stdout
    assert 'installer = "pip"\n' in p.read("dependencies.toml")


def test_uv_enforces_hashes_as_pip_does(phase, index):
    served, wheels = index
    six = os.path.join(wheels, "six-1.16.0-py2.py3-none-any.whl")
    p = phase("build_hooks")
    p.set_env("BP_PYTHON_PACKAGE_MANAGER", "uv")
    p.set_env("PIP_INDEX_URL", served.url)
    p.write("requirements.txt", "six==1.16.0 --hash=sha256:{}\n".format(sha256(six)))
    good = p.build()
    assert good.returncode == 0, good.stdout
    assert " + six==1.16.0\n" in good.stdout

    # One requirement with a hash puts every one in hash-checking mode (pip's rule), flask unhashed.
    p.write("requirements.txt", "six==1.16.0 --hash=sha256:{}\nflask==3.0.3\n".format(sha256(six)))
    mixed = p.build()
    assert mixed.returncode == 1
    assert "In `--require-hashes` mode, all requirements must have a hash" in mixed.stdout
    assert mixed.stdout.endswith("[Error] uv could not install the dependencies (exit 2); its output is above.\n"
                                 "  Fix requirements.txt (a missing package, a version that does not exist, a package "
                                 "needing system libraries, or a pip, setuptools or wheel version other than the "
                                 "runtime's), or build with pip (BP_PYTHON_PACKAGE_MANAGER=pip).\n")
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))

    p.write("requirements.txt", "six==1.16.0 --hash=sha256:{}\n".format("0" * 64))
    wrong = p.build()
    assert wrong.returncode == 1
    assert "Hash mismatch" in wrong.stdout
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_an_unknown_installer_fails_before_anything_is_downloaded(phase):
    p = phase("flask_default_process")
    p.set_env("BP_PYTHON_PACKAGE_MANAGER", "poetry")
    result = p.fails_with(
        "BP_PYTHON_PACKAGE_MANAGER=poetry is not an installer python-cnb knows: use pip or uv.\n"
        "  Set BP_PYTHON_PACKAGE_MANAGER=uv to install requirements.txt with uv, or pip (the default), or unset it.\n")
    assert "Downloading" not in result.stdout
    assert os.listdir(p.layers) == []


def test_uv_keeps_the_runtimes_setuptools_for_gunicorn_20(phase):
    """gunicorn 20.1.0 asks for setuptools and imports pkg_resources: pip --user counts the
    runtime's setuptools 68.2.2 as installed; uv, constrained to it, installs that same version."""
    p = phase("pkg_resources_gunicorn20")
    p.set_env("BP_PYTHON_PACKAGE_MANAGER", "uv")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert " + setuptools==68.2.2\n" in result.stdout
    python = os.path.join(p.layers, "python", "bin", "python")
    out = p.launched([python, "-W", "ignore::DeprecationWarning", "-c",
                      "import pkg_resources, gunicorn; print(gunicorn.__version__)"])
    assert out.stdout == "20.1.0\n", out.stdout
    assert "setuptools" in installed_distributions(os.path.join(p.layers, "dependencies"))
