"""The loopback mirror the phase and end-to-end tests download runtimes from."""
import hashlib
import os
import subprocess
import sys
import tarfile
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import runtime_mirror  # noqa: E402

from python_cnb import catalog  # noqa: E402

VERSIONS = runtime_mirror.pyenv_versions()
SMALLEST = next((v for v in VERSIONS if v.startswith("3.")), None)  # the oldest CPython 3: a small archive
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "python-cnb", "unit-mirror")


@pytest.fixture(scope="module")
def mirror():
    assert SMALLEST, "this machine has no pyenv CPython 3 to build a mirror from"
    return CACHE, runtime_mirror.build_mirror(CACHE, versions=[SMALLEST])


def test_archive_is_classic_layout_without_this_machines_site_packages(mirror):
    out, index = mirror
    entry = [r for r in index["runtimes"] if r["version"] == SMALLEST][0]
    path = os.path.join(out, entry["file"])
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == entry["sha256"]
    line = SMALLEST.rsplit(".", 1)[0]
    with tarfile.open(path) as tar:
        names = tar.getnames()
        assert {n.split("/")[0] for n in names} >= {"bin", "lib", "include"}
        assert "bin/python3" in names and "bin/python" in names
        assert not [n for n in names if n.startswith("lib/python{}/site-packages/".format(line))]
        assert not [n for n in names if n.startswith("lib/python{}/test/".format(line)) or n.endswith(".a")]
        assert "lib/python{}/ensurepip/__init__.py".format(line) in names
        assert all(m.uid == 0 and m.uname == "" for m in tar.getmembers())


def test_unpacked_runtime_runs_relocated(mirror, tmp_path):
    out, index = mirror
    with tarfile.open(os.path.join(out, "runtimes", "python-{}.tar.gz".format(SMALLEST))) as tar:
        tar.extractall(str(tmp_path), **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
    env = {"LD_LIBRARY_PATH": str(tmp_path / "lib"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(tmp_path / "bin" / "python3"), "-c",
                             "import sys, ssl, sqlite3, zlib, json; print(sys.prefix, '%d.%d.%d' % sys.version_info[:3])"],
                            env=env, stdout=subprocess.PIPE, universal_newlines=True)
    assert result.stdout == "{} {}\n".format(tmp_path, SMALLEST)


def test_rebuilding_is_a_no_op(mirror):
    out, index = mirror
    path = os.path.join(out, "runtimes", "python-{}.tar.gz".format(SMALLEST))
    before = os.stat(path).st_mtime_ns
    assert runtime_mirror.build_mirror(out, versions=[SMALLEST]) == index
    assert os.stat(path).st_mtime_ns == before


def test_served_on_loopback_with_a_catalog_the_buildpack_reads(mirror, tmp_path):
    out, index = mirror
    with runtime_mirror.serve(out) as server:
        assert server.url.startswith("http://127.0.0.1:")
        catalog_path = runtime_mirror.write_catalog(out, server.url, str(tmp_path / "c.yaml"), default=SMALLEST,
                                                    versions=[SMALLEST])
        (stack,) = catalog.load_stacks([catalog_path])
        (runtime,) = stack.runtimes_for("amd64")
        with urllib.request.urlopen(runtime.url) as r:
            assert hashlib.sha256(r.read()).hexdigest() == runtime.sha256
    assert (stack.name, stack.distro_name, stack.distro_version, stack.stack_ids) == (
        "Debian-12", "debian", "12", ["io.buildpacks.stacks.bookworm"])


def test_serving_off_loopback_is_refused():
    with pytest.raises(SystemExit):
        runtime_mirror.serve("/tmp", host="0.0.0.0")


def test_interpreters_built_from_debian_sources_are_archived_like_pyenv_ones(tmp_path, monkeypatch):
    """debian-cpython.sh's installs (stamped when complete) join pyenv's; the stamp and scripts whose
    shebang names the build prefix stay out of the archive, as pyenv's do."""
    built = tmp_path / "cpython"
    done, unfinished = built / "3.99.1", built / "3.99.2"
    for root in (done, unfinished):
        (root / "bin").mkdir(parents=True)
        (root / "lib" / "python3.99").mkdir(parents=True)
        (root / "bin" / "python3.99").write_text("not really an interpreter\n")
        (root / "bin" / "pydoc3.99").write_text("#!{}/bin/python3.99\nimport pydoc\n".format(root))
        (root / "lib" / "python3.99" / "os.py").write_text("")
    (done / ".debian-source").write_text("recipe 1\npython3.99 3.99.1-1\n")
    monkeypatch.setattr(runtime_mirror, "BUILT_VERSIONS", str(built))
    monkeypatch.setattr(runtime_mirror, "PYENV_VERSIONS", str(tmp_path / "no-pyenv"))
    assert runtime_mirror.built_versions() == ["3.99.1"]
    index = runtime_mirror.build_mirror(str(tmp_path / "mirror"), versions=["3.99.1"])
    with tarfile.open(str(tmp_path / "mirror" / index["runtimes"][0]["file"])) as tar:
        names = sorted(tar.getnames())
    assert names == ["bin", "bin/python", "bin/python3", "bin/python3.99", "lib", "lib/python3.99",
                     "lib/python3.99/os.py"]
    with pytest.raises(SystemExit) as e:
        runtime_mirror.build_mirror(str(tmp_path / "mirror"), versions=["3.99.2"])
    assert "no pyenv or built interpreter for 3.99.2" in str(e.value)
