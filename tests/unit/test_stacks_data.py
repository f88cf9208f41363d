"""The shipped catalogs, checked against the seed version by version (the lists below are written
out independently of tools/gen_stacks.py, so a slip in either is caught) and against the
portable archives' published checksums."""
import json
import os
import subprocess
import sys

import pytest

from python_cnb import catalog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDALONE = os.path.join(ROOT, "stacks", "sources", "python-build-standalone-linux.json")
CLASSIC = "https://heroku-buildpack-python.s3.us-east-1.amazonaws.com/"


def r(line, first, last):
    return ["{}.{}".format(line, p) for p in range(first, last + 1)]


SEED_UBUNTU_22 = r("3.9", 12, 18) + r("3.10", 4, 13) + r("3.11", 0, 7) + r("3.12", 0, 1)
SEED_UBUNTU_18 = (["2.7.15", "2.7.16", "2.7.17", "2.7.18", "3.4.9", "3.4.10", "3.5.6", "3.5.7", "3.5.9", "3.5.10"]
                  + r("3.6", 0, 15) + r("3.7", 0, 16) + r("3.8", 0, 16) + r("3.9", 0, 16) + r("3.10", 0, 12)
                  + r("3.11", 0, 5))


@pytest.fixture(scope="module")
def stacks():
    return {s.name: s for s in catalog.load_stacks(catalog.builtin_catalog_paths(ROOT))}


@pytest.fixture(scope="module")
def published():
    with open(STANDALONE) as f:
        return {(a["version"], {"x86_64": "amd64", "aarch64": "arm64"}[a["arch"]]): a for a in json.load(f)["archives"]}


def classic(stack, arch="amd64"):
    return [rt.version for rt in stack.runtimes_for(arch) if rt.url.startswith(CLASSIC)]


def test_ubuntu_22_is_the_seeds_list_exactly_plus_newer_checksummed_ones(stacks):
    jammy = stacks["Ubuntu-22"]
    assert len(SEED_UBUNTU_22) == 27
    assert classic(jammy) == SEED_UBUNTU_22
    newer = [rt for rt in jammy.runtimes_for("amd64") if not rt.url.startswith(CLASSIC)]
    assert newer and all(rt.release > (3, 12, 1) and rt.sha256 for rt in newer)
    assert jammy.default_version == "3.12.1"
    assert all("/heroku-22/runtimes/python-{}.tar.gz".format(rt.version) in rt.url
               for rt in jammy.runtimes_for("amd64") if rt.url.startswith(CLASSIC))


def test_ubuntu_18_is_the_seeds_list_exactly(stacks):
    bionic = stacks["Ubuntu-18"]
    assert len(SEED_UBUNTU_18) == 96 and "3.5.8" not in SEED_UBUNTU_18
    assert [rt.version for rt in bionic.runtimes_for("amd64")] == SEED_UBUNTU_18
    assert classic(bionic) == SEED_UBUNTU_18
    assert bionic.runtimes_for("arm64") == []
    assert bionic.default_version == "3.11.5"


def test_portable_entries_carry_the_published_url_and_sha256(stacks, published):
    for stack in stacks.values():
        for rt in stack.runtimes:
            if rt.url.startswith(CLASSIC):
                assert rt.sha256 == ""
                continue
            if rt.unpublished:  # checked below
                assert (rt.url, rt.sha256) == ("", "") and (rt.version, rt.arch) not in published
                continue
            source = published[(rt.version, rt.arch)]
            assert (rt.url, rt.sha256) == (source["url"], source["sha256"])


# Releases out upstream (Debian's sid/experimental carry their sources) with no portable archive
# checksum to be found: known to every stack that offers 3.14, installed by none.
UNPUBLISHED = r("3.14", 8, 10) + r("3.15", 0, 2)


def test_newer_releases_without_a_published_checksum_are_listed_as_such(stacks):
    for name, stack in stacks.items():
        for arch in ("amd64", "arm64"):
            listed = [rt.version for rt in stack.runtimes_for(arch, unpublished=True)]
            assert listed == ([] if name == "Ubuntu-18" else UNPUBLISHED), (name, arch)


def test_debian_13_offers_what_debian_12_does(stacks):
    trixie, bookworm = stacks["Debian-13"], stacks["Debian-12"]
    assert (trixie.distro_name, trixie.distro_version, trixie.stack_ids) == ("debian", "13", ["io.buildpacks.stacks.trixie"])
    assert [rt for rt in trixie.runtimes] == [rt for rt in bookworm.runtimes]
    assert trixie.default_version == bookworm.default_version == "3.12.1"


def test_ubuntu_26_is_matched_by_its_target_and_offers_the_portable_builds(stacks):
    resolute, noble = stacks["Ubuntu-26"], stacks["Ubuntu-24"]
    assert (resolute.distro_name, resolute.distro_version, resolute.stack_ids) == ("ubuntu", "26.04", [])
    assert resolute.runtimes == noble.runtimes


def test_buildpack_toml_declares_every_catalogs_target_and_stack_id(stacks):
    from python_cnb import vendored
    with open(os.path.join(ROOT, "buildpack.toml")) as f:
        declared = vendored.load("toml").load(f)
    targets = {(t["arch"], d["name"], d["version"]) for t in declared["targets"] for d in t["distros"]}
    stack_ids = {s["id"] for s in declared["stacks"]}
    for stack in stacks.values():
        for arch in ("amd64", "arm64"):
            if stack.runtimes_for(arch):
                assert (arch, stack.distro_name, stack.distro_version) in targets, (stack.name, arch)
        assert set(stack.stack_ids) <= stack_ids, stack.name


def test_every_stack_has_its_default_and_no_duplicates(stacks):
    assert sorted(stacks) == ["Debian-12", "Debian-13", "Ubuntu-18", "Ubuntu-22", "Ubuntu-24", "Ubuntu-26"]
    for stack in stacks.values():
        amd64 = [rt.version for rt in stack.runtimes_for("amd64")]
        assert stack.default_version in amd64
        pairs = [(rt.version, rt.arch) for rt in stack.runtimes]
        assert len(pairs) == len(set(pairs))


def test_arm64_on_ubuntu_22_matches_what_amd64_offers(stacks):
    jammy = stacks["Ubuntu-22"]
    amd64 = {rt.version for rt in jammy.runtimes_for("amd64")}
    arm64 = {rt.version for rt in jammy.runtimes_for("arm64")}
    assert arm64 and arm64 <= amd64 and "3.12.1" in arm64


def test_generated_files_are_fresh():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_stacks.py"), "--check"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode == 0, result.stdout
