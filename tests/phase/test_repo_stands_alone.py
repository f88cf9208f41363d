"""The repository alone is the product: nothing it runs at build, test, package or demo time may
read a path outside it (a user's clone has nothing of the workplace beside it)."""
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import refresh_standalone  # noqa: E402


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
    return [f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


# The two spellings of the workplace's folder beside the repo, built so this file holds neither.
BESIDE = ("../" + "shared").encode(), ("shared" + "/data").encode()


def test_no_tracked_file_outside_the_docs_names_a_path_beside_the_repo():
    offenders = []
    for name in tracked_files():
        if name.endswith(".md"):
            continue
        with open(os.path.join(ROOT, name), "rb") as f:
            text = f.read()
        if any(spelling in text for spelling in BESIDE):
            offenders.append(name)
    assert offenders == []


def test_a_copy_in_an_empty_directory_regenerates_and_checks_its_catalogs(tmp_path):
    """The catalogs' generator and their data tests, run in a copy with nothing beside it."""
    copy = tmp_path / "empty" / "python-cnb"
    for name in tracked_files():
        if name.startswith(("lib/", "stacks/", "tools/", "tests/unit/")) or name == "buildpack.toml" or (
                name.startswith("tests/") and name.count("/") == 1):  # tests/conftest.py and its kits
            os.makedirs(str((copy / name).parent), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, name), str(copy / name))
    assert os.listdir(str(tmp_path / "empty")) == ["python-cnb"]
    check = subprocess.run([sys.executable, "tools/gen_stacks.py", "--check"], cwd=str(copy),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert check.returncode == 0, check.stdout
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/unit/test_stacks_data.py"], cwd=str(copy),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert tests.returncode == 0, tests.stdout
    assert " passed" in tests.stdout and "skipped" not in tests.stdout


def test_refresh_keeps_final_glibc_builds_one_per_version_and_arch():
    def entry(version, arch="x86_64", libc="gnu", os_="linux", prerelease="", variant=None, build="20240224"):
        major, minor, patch = version.split(".")
        e = {"name": "cpython", "arch": arch, "os": os_, "libc": libc, "major": int(major), "minor": int(minor),
             "patch": int(patch), "prerelease": prerelease, "sha256": "ab" * 32,
             "url": "https://example.org/releases/download/{}/cpython-{}.tar.gz".format(build, version)}
        if variant:
            e["variant"] = variant
        return e
    metadata = {str(i): e for i, e in enumerate([
        entry("3.12.2"), entry("3.12.2", arch="aarch64"), entry("3.12.2", libc="musl"),
        entry("3.12.2", os_="darwin", libc="none"), entry("3.13.0", prerelease="rc2"),
        entry("3.13.0", variant="freethreaded"), entry("3.11.9", arch="armv7", libc="gnueabihf"),
        entry("3.9.18", build="20231002")])}
    found = refresh_standalone.archives(json.loads(json.dumps(metadata)))
    assert [(a["version"], a["arch"], a["build"]) for a in found] == [
        ("3.9.18", "x86_64", "20231002"), ("3.12.2", "aarch64", "20240224"), ("3.12.2", "x86_64", "20240224")]
