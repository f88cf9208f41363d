"""No credential reaches an image, a cache or the log: builds with a credential in every place a
user can put one (requirement URLs, editable VCS checkouts, a ${VAR} in requirements, index
settings in the file and the env, a presigned direct URL, the dependency mirror, the NLTK index),
then every file under the layers directory (layers, their TOML, SBOMs, launch.toml) and the log
are scanned for each secret."""
import base64
import hashlib
import http.server
import io
import os
import socketserver
import subprocess
import threading
import urllib.parse
import zipfile

GIT_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
SECRETS = {name: "S3CRET-{}-{}".format(name, os.getpid()) for name in (
    "git-password", "git-var-password", "index-password", "index-query", "env-index-password", "env-index-query",
    "presigned", "mirror-password", "nltk-query")}


def git(repo, *args):
    subprocess.run(["git", "-C", repo] + list(args), env=GIT_ENV, check=True, stdout=subprocess.DEVNULL)


def package(root, name):
    """A one-package setuptools project, src layout."""
    os.makedirs(os.path.join(root, name, "src", name))
    with open(os.path.join(root, name, "pyproject.toml"), "w") as f:
        f.write('[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
                '[project]\nname = "{}"\nversion = "0.1.0"\n'.format(name))
    with open(os.path.join(root, name, "src", name, "__init__.py"), "w") as f:
        f.write("GREETING = 'hello from {}'\n".format(name))
    return os.path.join(root, name)


def tiny_wheel(path, name):
    """A pure wheel written by hand (no build backend, no network)."""
    files = {"{}/__init__.py".format(name): "GREETING = 'hello from {}'\n".format(name),
             "{}-1.0.dist-info/METADATA".format(name): "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n".format(name),
             "{}-1.0.dist-info/WHEEL".format(name): "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                    "Tag: py3-none-any\n"}
    record = []
    with zipfile.ZipFile(path, "w") as z:
        for arc, text in files.items():
            data = text.encode()
            z.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("{},sha256={},{}".format(arc, digest, len(data)))
        record.append("{}-1.0.dist-info/RECORD,,".format(name))
        z.writestr("{}-1.0.dist-info/RECORD".format(name), "\n".join(record) + "\n")


def nltk_files(root, url):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("tinycorpus/README", "tiny\n")
    os.makedirs(os.path.join(root, "nltk", "packages", "corpora"))
    with open(os.path.join(root, "nltk", "packages", "corpora", "tinycorpus.zip"), "wb") as f:
        f.write(data.getvalue())
    with open(os.path.join(root, "nltk", "index.xml"), "w") as f:
        f.write('<?xml version="1.0"?>\n<nltk_data>\n<packages>\n<package id="tinycorpus" name="t" subdir="corpora" '
                'unzip="1" url="{}/nltk/packages/corpora/tinycorpus.zip" size="{}" unzipped_size="5" checksum="{}" '
                'sha256_checksum="{}" />\n</packages>\n<collections>\n</collections>\n</nltk_data>\n'.format(
                    url, len(data.getvalue()), hashlib.md5(data.getvalue()).hexdigest(),
                    hashlib.sha256(data.getvalue()).hexdigest()))


def serve(root):
    """Files under root on 127.0.0.1 (queries ignored, as a presigned URL's host checks them)."""
    class Files(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):  # (directory= is Python 3.7+)
            return os.path.join(root, urllib.parse.unquote(path.split("?")[0].split("#")[0]).lstrip("/"))

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Files)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, "http://127.0.0.1:{}".format(httpd.server_address[1])


def bare_repo(root, name):
    """A package in a git repository served over git's dumb HTTP protocol."""
    work = package(os.path.join(root, "work"), name)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "first")
    bare = os.path.join(root, "www", name + ".git")
    subprocess.run(["git", "clone", "-q", "--bare", work, bare], env=GIT_ENV, check=True)
    git(bare, "update-server-info")


def found_secrets(layers, log):
    """(where, which secret) for every secret in a file under layers or in the log."""
    found = [("the log", name) for name, secret in SECRETS.items() if secret in log]
    for here, dirs, names in os.walk(layers):
        for name in names:
            path = os.path.join(here, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            found += [(os.path.relpath(path, layers), which) for which, secret in SECRETS.items()
                      if secret.encode() in data]
    return found


def test_no_credential_in_any_layer_file_sbom_launch_toml_or_the_log(phase, mirror, tmp_path):
    www = str(tmp_path / "www")
    os.makedirs(os.path.join(www, "files"))
    bare_repo(str(tmp_path), "gitpkg")
    bare_repo(str(tmp_path), "varpkg")
    tiny_wheel(os.path.join(www, "files", "tokpkg-1.0-py3-none-any.whl"), "tokpkg")
    httpd, url = serve(www)
    nltk_files(www, url)
    host = url[len("http://"):]
    try:
        p = phase("nltk_corpora")
        p.write("requirements.txt", "\n".join([
            "nltk==3.9.3",
            "--extra-index-url http://idx:{}@{}/simple/?token={}".format(
                SECRETS["index-password"], host, SECRETS["index-query"]),
            "-e git+http://gituser:{}@{}/gitpkg.git#egg=gitpkg".format(SECRETS["git-password"], host),
            "-e git+http://${VARPKG_CREDENTIALS}@" + host + "/varpkg.git#egg=varpkg",
            "tokpkg @ {}/files/tokpkg-1.0-py3-none-any.whl?X-Amz-Signature={}".format(url, SECRETS["presigned"]),
        ]) + "\n")
        p.write("nltk.txt", "tinycorpus\n")
        p.set_env("VARPKG_CREDENTIALS", "gituser:" + SECRETS["git-var-password"])
        p.set_env("PIP_EXTRA_INDEX_URL", "http://envidx:{}@{}/simple2/?access_token={}".format(
            SECRETS["env-index-password"], host, SECRETS["env-index-query"]))
        p.set_env("BP_DEPENDENCY_MIRROR_127_0_0_1", "http://mirror:{}@{}".format(SECRETS["mirror-password"],
                                                                       mirror[1][len("http://"):]))
        p.set_env("BP_NLTK_INDEX_URL", "{}/nltk/index.xml?token={}".format(url, SECRETS["nltk-query"]))
        result = p.build()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.returncode == 0, result.stdout
    src = os.path.join(p.layers, "dependencies", "src")
    assert sorted(os.listdir(src)) == ["gitpkg", "varpkg"]  # the checkouts are in the launch layer
    assert "\turl = http://{}/gitpkg.git\n".format(host) in open(os.path.join(src, "gitpkg", ".git", "config")).read()
    assert "  Downloading NLTK corpora from the index at {}/nltk/index.xml?token=****: tinycorpus\n".format(url) \
        in result.stdout
    assert 'index_url = "{}/nltk/index.xml?token=****"\n'.format(url) in p.read("nltk-data.toml")
    assert found_secrets(p.layers, result.stdout) == []
