"""bin/build on a build image without python3 (or with one older than 3.6): the sh bootstrap
(bin/bootstrap.sh) run over real CNB dirs with a PATH that lacks python3, curl or wget, the
loopback mirror serving its archive. Its functions are called one by one where a whole build
would only add time; one test runs the whole build on the bootstrap interpreter."""
import os
import shutil
import subprocess

import pytest

from phasekit import CACHE, ROOT, runtime_mirror, toolbox
from python_cnb import mirror
from python_cnb.errors import BuildpackError

PYENV = runtime_mirror.PYENV_VERSIONS


def sh(p, script, path, env=None, buildpack=ROOT, args=()):
    """script run after sourcing bin/bootstrap.sh, with p's env and PATH=path; args are $1..."""
    full = p.env()
    full.update({"PATH": path, "BS_BUILDPACK": buildpack})
    full.update(env or {})
    return subprocess.run(["/bin/sh", "-c", '. "$0/bin/bootstrap.sh"; ' + script, ROOT] + list(args), cwd=p.app, env=full,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)


BOOTSTRAP = 'bs_bootstrap && echo "BOOTSTRAP_PYTHON=$BOOTSTRAP_PYTHON"'


def header(url):
    return ("\n[Bootstrap interpreter]\n"
            "  No python3 3.6 or newer on the build image: python-cnb runs on the archive {}\n".format(url))


def layer_toml(url, sha):
    return '[types]\ncache = true\n\n[metadata]\nurl = "{}"\nsha256 = "{}"\n'.format(url, sha)


def mirror_entry(mirror_value, version="3.12.1"):
    catalog, base, index = mirror_value
    (entry,) = [r for r in index["runtimes"] if r["version"] == version]
    return "{}/{}".format(base.rstrip("/"), entry["file"]), entry["sha256"]


def write_catalog(p, text):
    path = os.path.join(p.root, "my-catalog.yaml")
    with open(path, "w") as f:
        f.write(text)
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", path)
    return path


def test_build_runs_the_lib_on_a_bootstrap_interpreter_and_reuses_it(phase, mirror, tmp_path):
    p = phase("flask_default_process")
    url, sha = mirror_entry(mirror)
    path = toolbox(tmp_path, ("curl",))  # wget fetches it
    env = dict(p.env(), PATH=path)
    first = subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert first.returncode == 0, first.stdout
    assert first.stdout.startswith(header(url) + "\n[python-cnb 0.1.0]\n"), first.stdout
    assert p.read("bootstrap-python.toml") == layer_toml(url, sha)
    assert os.path.isfile(os.path.join(p.layers, "bootstrap-python", "bin", "python3"))
    kept = os.listdir(os.path.join(p.layers, "bootstrap-python", "lib", "python3.12"))
    assert "os.py" in kept and "json" in kept
    assert not {"idlelib", "ensurepip", "lib2to3", "site-packages", "pydoc_data"} & set(kept)
    assert sorted(os.listdir(os.path.join(p.layers, "bootstrap-python"))) == ["bin", "lib"]
    assert "Using Python 3.12.1" in first.stdout
    again = subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert again.returncode == 0, again.stdout
    assert again.stdout.startswith(header(url) + "  Reusing it from the cache\n\n[python-cnb 0.1.0]\n"), again.stdout
    assert "Reusing dependencies" in again.stdout


def test_the_lib_gets_ld_library_path_back_as_it_was(phase, mirror, tmp_path):
    """The classic archive's interpreter needs its lib/ on LD_LIBRARY_PATH to start; the lib's
    tools and the app's runtime must not inherit it."""
    p = phase("no_run_command")
    with open(os.path.join(ROOT, "bin", "build")) as f:
        script = f.read()
    tail = script[script.index("LD_LIBRARY_PATH=${BOOTSTRAP_PYTHON"):]
    for before, after in (({"LD_LIBRARY_PATH": "/keep:/this"}, "'/keep:/this'"), ({}, "None")):
        shim = tail.replace("from python_cnb.build import main\nmain()",
                            "print(repr(os.environ.get(\"LD_LIBRARY_PATH\")))")
        result = sh(p, "bs_bootstrap >/dev/null; " + shim.replace('"$bp/lib"', '"$0/lib"'), toolbox(tmp_path), before)
        assert result.stdout.splitlines()[-1] == after, result.stdout


def test_a_python3_older_than_3_6_is_not_used(phase, mirror, tmp_path):
    p = phase("no_run_command")
    box = toolbox(tmp_path)
    old = os.path.join(str(tmp_path), "old")
    os.makedirs(old)
    os.symlink(os.path.join(PYENV, "2.7.18", "bin", "python2.7"), os.path.join(old, "python3"))
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", "/nonexistent/catalog.yaml")  # stops right after the choice
    result = subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=dict(p.env(), PATH=old + ":" + box),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, (
        "\n[Error] BP_PYTHON_RUNTIME_CATALOG names /nonexistent/catalog.yaml, which is not a readable file.\n"
        "  Fix BP_PYTHON_RUNTIME_CATALOG: the path of a runtime catalog (stacks/README.md) inside the build.\n"))


def test_curl_alone_fetches_it(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    result = sh(p, BOOTSTRAP, toolbox(tmp_path, ("wget",)))
    assert result.stdout == header(url) + "BOOTSTRAP_PYTHON={}/bootstrap-python/bin/python3\n".format(p.layers)
    assert p.read("bootstrap-python.toml") == layer_toml(url, sha)


def test_without_python3_curl_or_wget_the_error_says_what_to_add(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, _ = mirror_entry(mirror)
    result = sh(p, BOOTSTRAP, toolbox(tmp_path, ("curl", "wget")))
    assert (result.returncode, result.stdout) == (1, header(url) + (
        "\n[Error] The build image has no python3 3.6 or newer, and neither curl nor wget to fetch one.\n"
        "  Add python3 (3.6+), curl or wget to the build image, or use a python-cnb buildpackage that carries "
        "its bootstrap interpreter (make package).\n"))
    assert os.listdir(p.layers) == []


def test_a_bad_sha256_leaves_no_layer(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    write_catalog(p, 'default_version: 3.12.1\nruntimes:\n  - {{version: 3.12.1, arch: amd64, url: "{}", sha256: {}}}\n'
                  .format(url, "0" * 64))
    result = sh(p, BOOTSTRAP, toolbox(tmp_path))
    assert (result.returncode, result.stdout) == (1, header(url) + (
        "\n[Error] The download of {} does not match its sha256 checksum (expected {}, got {}).\n"
        "  The archive or the mirror serving it is not the one the catalog describes; nothing was installed.\n"
        ).format(url, "0" * 64, sha))
    assert os.listdir(p.layers) == []


def test_a_mirror_setting_rewrites_the_download(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    base = url[:url.index("/runtimes/")]
    origin = "https://python.example.org/runtimes/python-3.12.1.tar.gz"
    write_catalog(p, 'default_version: 3.12.1\nruntimes:\n  - {{version: 3.12.1, arch: amd64, url: "{}", sha256: {}}}\n'
                  .format(origin, sha))
    p.set_env("BP_DEPENDENCY_MIRROR_PYTHON_EXAMPLE_ORG", base)
    p.set_env("BP_DEPENDENCY_MIRROR", "https://elsewhere.example.org/{originalHost}")  # the host's own wins
    result = sh(p, BOOTSTRAP, toolbox(tmp_path))
    assert result.stdout == header(origin) + "  Downloading it from the mirror {}\nBOOTSTRAP_PYTHON={}\n".format(
        url, os.path.join(p.layers, "bootstrap-python", "bin", "python3")), result.stdout
    assert p.read("bootstrap-python.toml") == layer_toml(origin, sha)  # keyed on the catalog's URL


def test_a_broken_mirror_setting_is_refused_before_any_download(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, _ = mirror_entry(mirror)
    p.set_env("BP_DEPENDENCY_MIRROR", "http://mirror.example.org/{originalHost}")
    result = sh(p, BOOTSTRAP, toolbox(tmp_path))
    assert (result.returncode, result.stdout) == (1, header(url) + (
        "\n[Error] The dependency mirror http://mirror.example.org/{originalHost} must use https:// or file:// "
        "(http:// only on loopback).\n"
        "  Fix BP_DEPENDENCY_MIRROR, e.g. BP_DEPENDENCY_MIRROR=https://mirror.example.org/{originalHost}\n"))
    assert os.listdir(p.layers) == []


def test_the_archive_carried_in_the_buildpack_needs_no_downloader(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    carrying = os.path.join(str(tmp_path), "buildpack")
    os.makedirs(os.path.join(carrying, "bootstrap"))
    for part in ("bin", "lib"):
        os.symlink(os.path.join(ROOT, part), os.path.join(carrying, part))
    shutil.copy(os.path.join(CACHE, "runtimes", "python-3.12.1.tar.gz"),
                os.path.join(carrying, "bootstrap", sha + ".tar.gz"))
    result = sh(p, BOOTSTRAP, toolbox(tmp_path, ("curl", "wget")), buildpack=carrying)
    assert result.stdout == header(url) + "  Unpacking it from the buildpack\nBOOTSTRAP_PYTHON={}\n".format(
        os.path.join(p.layers, "bootstrap-python", "bin", "python3")), result.stdout


def test_an_offline_buildpack_bootstraps_from_its_own_runtime_archives(phase, mirror, tmp_path):
    """tools/offline_package.py's layout: stacks/offline.yaml naming file:// archives inside it."""
    p = phase("no_run_command")
    p.unset_env("BP_PYTHON_RUNTIME_CATALOG")
    _, sha = mirror_entry(mirror)
    offline = os.path.join(str(tmp_path), "buildpack")
    os.makedirs(os.path.join(offline, "stacks"))
    for part in ("bin", "lib"):
        os.symlink(os.path.join(ROOT, part), os.path.join(offline, part))
    archive = os.path.join(CACHE, "runtimes", "python-3.12.1.tar.gz")
    with open(os.path.join(offline, "stacks", "offline.yaml"), "w") as f:
        f.write('name: Debian-12\ndefault_version: 3.12.1\nruntimes:\n'
                '  - {{version: 3.12.1, arch: amd64, url: "file://{}", sha256: {}}}\n'.format(archive, sha))
    result = sh(p, BOOTSTRAP, toolbox(tmp_path, ("curl", "wget")), buildpack=offline)
    assert result.stdout == header("file://" + archive) + "BOOTSTRAP_PYTHON={}\n".format(
        os.path.join(p.layers, "bootstrap-python", "bin", "python3")), result.stdout


def test_a_cached_interpreter_that_does_not_start_is_replaced(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    assert sh(p, BOOTSTRAP, toolbox(tmp_path)).returncode == 0
    os.remove(os.path.join(p.layers, "bootstrap-python", "bin", "python3.12"))
    result = sh(p, BOOTSTRAP, toolbox(tmp_path))
    assert result.stdout == header(url) + "  Reinstalling it: the cached interpreter does not start\n" \
        "BOOTSTRAP_PYTHON={}\n".format(os.path.join(p.layers, "bootstrap-python", "bin", "python3")), result.stdout


def test_a_layer_toml_as_the_lifecycle_restores_it_is_recognised(phase, mirror, tmp_path):
    p = phase("no_run_command")
    url, sha = mirror_entry(mirror)
    assert sh(p, BOOTSTRAP, toolbox(tmp_path)).returncode == 0
    with open(os.path.join(p.layers, "bootstrap-python.toml"), "w") as f:  # Go's TOML writer's layout
        f.write('[metadata]\n  sha256 = "{}"\n  url = "{}"\n\n[types]\n'.format(sha, url))
    result = sh(p, BOOTSTRAP, toolbox(tmp_path))
    assert result.stdout.endswith("  Reusing it from the cache\nBOOTSTRAP_PYTHON={}\n".format(
        os.path.join(p.layers, "bootstrap-python", "bin", "python3"))), result.stdout
    assert p.read("bootstrap-python.toml") == layer_toml(url, sha)  # its types back, or no cache next time


@pytest.mark.parametrize("arch,expected", [("amd64", "amd64"), ("arm64", "arm64"), ("", "amd64")])
def test_without_a_catalog_the_pin_comes_from_stacks_bootstrap_txt(phase, tmp_path, arch, expected):
    p = phase("no_run_command")
    p.unset_env("BP_PYTHON_RUNTIME_CATALOG")
    with open(os.path.join(ROOT, "stacks", "bootstrap.txt")) as f:
        pins = {line.split()[0]: line.split(None, 1)[1] for line in f if not line.startswith("#")}
    result = sh(p, "bs_pin", toolbox(tmp_path), {"CNB_TARGET_ARCH": arch})
    assert result.stdout == pins[expected]
    assert "-install_only_stripped.tar.gz " in result.stdout


def test_an_arch_without_a_pin_is_an_error(phase, tmp_path):
    p = phase("no_run_command")
    p.unset_env("BP_PYTHON_RUNTIME_CATALOG")
    result = sh(p, "bs_pin", toolbox(tmp_path), {"CNB_TARGET_ARCH": "s390x"})
    assert (result.returncode, result.stdout) == (1, (
        "\n[Error] python-cnb has no bootstrap interpreter for the arch s390x.\n"
        "  Build on an image with python3 3.6 or newer on its PATH (python-cnb supports amd64 and arm64).\n"))


CATALOG_BLOCKS = """\
# a user's catalog, one key a line
name: Mine
distro: {name: debian, version: "12"}
default_version: 3.11.7
runtimes:
  - version: 2.7.18          # too old to run the lib
    arch: amd64
    url: https://example.org/python-2.7.18.tar.gz
    sha256: aaaa
  - version: 3.11.7
    arch: amd64
    # sha256 below
    url: "https://example.org/python-3.11.7.tar.gz"
    sha256: bbbb
  - version: 3.12.1
    arch: amd64
    url: https://example.org/python-3.12.1.tar.gz
    sha256: cccc
  - version: 3.13.0
    arch: amd64
    url: https://example.org/python-3.13.0.tar.zst
    sha256: dddd
  - version: 3.13.1
    arch: arm64
    url: https://example.org/python-3.13.1-arm.tar.gz
    sha256: eeee
  - version: 3.13.2
    arch: amd64
    url: https://example.org/python-3.13.2.tar.gz
---
name: Other
default_version: 3.12.1
runtimes:
  - {version: 3.10.13, arch: amd64, url: "https://example.org/python-3.10.13.tar.gz", sha256: ffff}
"""


@pytest.mark.parametrize("arch,expected", [
    ("amd64", "https://example.org/python-3.11.7.tar.gz bbbb"),  # the default of its document
    ("arm64", "https://example.org/python-3.13.1-arm.tar.gz eeee"),  # the only one (no default for arm64)
])
def test_the_catalog_pick_is_a_gzip_runtime_of_3_6_plus_with_a_sha256(phase, tmp_path, arch, expected):
    p = phase("no_run_command")
    write_catalog(p, CATALOG_BLOCKS)
    result = sh(p, "bs_pin", toolbox(tmp_path), {"CNB_TARGET_ARCH": arch})
    assert (result.returncode, result.stdout) == (0, expected + "\n")


def test_a_catalog_without_a_usable_runtime_is_an_error(phase, tmp_path):
    p = phase("no_run_command")
    path = write_catalog(p, CATALOG_BLOCKS.split("---")[0].replace("sha256: bbbb", "").replace("sha256: cccc", ""))
    result = sh(p, "bs_pin", toolbox(tmp_path))
    assert (result.returncode, result.stdout) == (1, (
        "\n[Error] BP_PYTHON_RUNTIME_CATALOG ({}) offers no runtime python-cnb can run on: a .tar.gz of Python 3.6 "
        "or newer for amd64, with its sha256.\n"
        "  Add such a runtime to the catalog, or build on an image with python3 3.6 or newer on its PATH.\n"
        .format(path)))


# -- the mirror rewrite: bin/bootstrap.sh's and lib/python_cnb/mirror.py's must agree ----------

URL = "https://github.com/astral-sh/python-build-standalone/releases/download/20260814/cpython-3.12.14%2B20260814-x86_64.tar.gz"
MIRROR_CASES = [
    (URL, {}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/{originalHost}"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/base/"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "  https://user:p%40ss@mirror.example.org/{originalHost}/x  "}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/%7BoriginalHost%7D"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "mirror=https://mirror.example.org/m"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m,skip-path=/astral-sh"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m, skip-path=%2Fastral-sh%2Fpython-build-standalone"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m,skip-path=/nomatch"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m,skip-path=/astral%zz%2Fx%4"}),
    (URL.replace("/astral-sh/", "/a%zz/x%4/"), {"BP_DEPENDENCY_MIRROR": "https://m.example.org/m,skip-path=/a%zz/x%4"}),
    (URL, {"BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://gh.example.org/{originalHost}",
           "BP_DEPENDENCY_MIRROR": "https://all.example.org"}),
    (URL, {"BP_DEPENDENCY_MIRROR_EXAMPLE_ORG": "https://other.example.org",
           "BP_DEPENDENCY_MIRROR": "https://all.example.org"}),
    (URL, {"BP_DEPENDENCY_MIRROR_GITHUB": "https://sub.example.org", "BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://gh.example.org"}),
    (URL, {"BP_DEPENDENCY_MIRROR_PYTHON__BUILD": "https://dash.example.org"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "http://127.0.0.1:8000/{originalHost}"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "http://localhost/m"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "file:///srv/mirror/{originalHost}"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "   "}),
    ("https://user:secret@Files.Example.org:8443/a/b.tar.gz?x=1&y=2#frag", {"BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}"}),
    ("https://files.example.org/a/b.tar.gz?x=1", {"BP_DEPENDENCY_MIRROR": "https://m.example.org/p?q=1#f"}),
    ("file:///opt/archives/python.tar.gz", {"BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}"}),
    ("http://[::1]:8080/python.tar.gz", {"BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}"}),
    # settings the lib refuses, with the same message and hint
    (URL, {"BP_DEPENDENCY_MIRROR": "http://mirror.example.org/{originalHost}"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "ftp://mirror.example.org/"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "mirror.example.org/{originalHost}"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m,bogus=1"}),
    (URL, {"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/m,skip-path=relative"}),
    (URL, {"BP_DEPENDENCY_MIRROR": ",skip-path=/x"}),
    (URL, {"BP_DEPENDENCY_MIRROR_GITHUB_COM": "http://gh.example.org"}),
]


def python_answer(url, env):
    try:
        return mirror.mirrored_url(url, env) + "\n"
    except BuildpackError as e:
        return "\n[Error] {}\n  {}\n".format(e.message, e.hint)


@pytest.mark.parametrize("url,env", MIRROR_CASES)
def test_the_sh_mirror_rewrite_agrees_with_the_lib(phase, tmp_path, url, env):
    p = phase("no_run_command")
    result = sh(p, 'bs_mirrored_url "$1"', toolbox(tmp_path), env, args=[url])
    # the same settings, given through <platform>/env instead (pack build --env)
    for name, value in env.items():
        p.set_env(name, value)
    from_files = sh(p, 'bs_mirrored_url "$1"', toolbox(tmp_path), args=[url])
    expected = python_answer(url, env)
    assert result.stdout == expected
    assert from_files.stdout == expected
