import os
import textwrap

import pytest

from python_cnb import catalog
from python_cnb.cnb.context import Target
from python_cnb.errors import BuildpackError
from python_cnb.versions import parse_request, parse_specifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CATALOG = textwrap.dedent("""\
    name: Old
    stack_ids: [heroku-18]
    distro: {name: ubuntu, version: "18.04"}
    default_version: 3.8.16
    runtimes:
      - {version: 3.8.16, arch: amd64, url: "https://example.test/18/python-3.8.16.tar.gz"}
      - {version: 3.10.12, arch: amd64, url: "https://example.test/18/python-3.10.12.tar.gz"}
    ---
    name: New
    stack_ids: [heroku-22, io.buildpacks.stacks.jammy]
    distro: {name: ubuntu, version: "22.04"}
    default_version: 3.12.1
    runtimes:
      - {version: 3.10.4, arch: amd64, url: "https://example.test/22/python-3.10.4.tar.gz"}
      - {version: 3.10.5, arch: amd64, url: "https://example.test/22/python-3.10.5.tar.gz"}
      - {version: 3.10.13, arch: amd64, url: "https://example.test/22/python-3.10.13.tar.gz"}
      - {version: 3.12.0, arch: amd64, url: "https://example.test/22/python-3.12.0.tar.gz"}
      - {version: 3.12.1, arch: amd64, url: "https://example.test/22/python-3.12.1.tar.gz"}
      - {version: 3.12.2, arch: amd64, url: "https://example.test/p/3.12.2.tar.gz", sha256: "%s"}
      - {version: 3.12.2, arch: arm64, url: "https://example.test/p/3.12.2-arm.tar.gz", sha256: "%s"}
    """ % ("a" * 64, "b" * 64))


@pytest.fixture
def stacks(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    return catalog.load_stacks([str(path)])


def target(distro="ubuntu", version="22.04", arch="amd64", stack_id=""):
    return Target("linux", arch, distro, version, stack_id)


def test_target_picks_stack_by_distro_then_by_stack_id(stacks):
    assert catalog.stack_for(target(), stacks).name == "New"
    assert catalog.stack_for(target("", "", stack_id="heroku-18"), stacks).name == "Old"


def test_unknown_target_names_the_supported_ones(stacks):
    with pytest.raises(BuildpackError) as e:
        catalog.stack_for(target("alpine", "3.20"), stacks)
    assert e.value.message == "python-cnb has no Python runtimes for this build's target: alpine 3.20 (linux/amd64)."
    assert e.value.hint == ("Supported: Old (ubuntu 18.04) (stack heroku-18); "
                            "New (ubuntu 22.04) (stack heroku-22, io.buildpacks.stacks.jammy).")


def test_versions_stay_strings(stacks):
    new = catalog.stack_for(target(), stacks)
    assert [r.version for r in new.runtimes_for("amd64")] == ["3.10.4", "3.10.5", "3.10.13", "3.12.0", "3.12.1", "3.12.2"]
    assert new.runtimes_for("arm64")[0].sha256 == "b" * 64


def test_partial_versions_resolve_to_the_newest_patch(stacks):
    new = catalog.stack_for(target(), stacks)
    assert catalog.resolve(parse_request("3.12", "runtime.txt"), new, "amd64", stacks).version == "3.12.2"
    assert catalog.resolve(parse_request("python-3.10", "runtime.txt"), new, "amd64", stacks).version == "3.10.13"
    assert catalog.resolve(parse_request("3", "x"), new, "amd64", stacks).version == "3.12.2"
    assert catalog.resolve(parse_request("3.12.1", "x"), new, "amd64", stacks).url.endswith("python-3.12.1.tar.gz")
    assert catalog.resolve(parse_specifier(">=3.10,<3.12", "x"), new, "amd64", stacks).version == "3.10.13"


def test_a_version_on_another_stack_says_where(stacks):
    new = catalog.stack_for(target(), stacks)
    with pytest.raises(BuildpackError) as e:
        catalog.resolve(parse_request("python-3.8.16", "runtime.txt"), new, "amd64", stacks)
    assert e.value.message == "Python 3.8.16 (from runtime.txt) is not available on New (amd64)."
    assert e.value.hint == "It is available on Old. New offers 3.10.4\u20133.10.5, 3.10.13, 3.12.0\u20133.12.2."


def test_an_unknown_release_line_is_named_as_such(stacks):
    new = catalog.stack_for(target(), stacks)
    with pytest.raises(BuildpackError) as e:
        catalog.resolve(parse_request("3.99", ".python-version"), new, "amd64", stacks)
    assert e.value.message == "Python 3.99 (from .python-version) is not a Python release python-cnb knows."


def test_malformed_catalog_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: X\ndistro: {name: debian, version: '12'}\ndefault_version: 3.12.1\n"
                    "runtimes:\n  - {version: 3.12, arch: amd64, url: u}\n")
    with pytest.raises(BuildpackError) as e:
        catalog.load_stacks([str(path)])
    assert e.value.message == "The runtime catalog {} is malformed: stack X, runtime 1: '3.12' is not an exact version.".format(path)


def test_default_runtime(stacks):
    new = catalog.stack_for(target(), stacks)
    assert catalog.default_runtime(new, "amd64").version == "3.12.1"
    # no 3.12.1 for arm64: the newest the stack has for it
    assert catalog.default_runtime(new, "arm64").version == "3.12.2"


def test_builtin_catalogs_answer_the_seeds_cases():
    stacks = catalog.load_stacks(catalog.builtin_catalog_paths(ROOT))
    jammy = catalog.stack_for(target(), stacks)
    assert jammy.name == "Ubuntu-22"
    assert catalog.default_runtime(jammy, "amd64").version == "3.12.1"
    with pytest.raises(BuildpackError) as e:
        catalog.resolve(parse_request("3.8.16", "runtime.txt"), jammy, "amd64", stacks)
    assert e.value.message == "Python 3.8.16 (from runtime.txt) is not available on Ubuntu-22 (amd64)."
    assert e.value.hint == ("It is available on Debian-12, Debian-13, Ubuntu-18, Ubuntu-24, Ubuntu-26. Ubuntu-22 offers 3.9.12\u20133.9.18, "
                            "3.10.4\u20133.10.13, 3.11.0\u20133.11.7, 3.12.0\u20133.12.14, 3.13.0\u20133.13.15, "
                            "3.14.0\u20133.14.7.")
    bionic = catalog.stack_for(target("", "", stack_id="heroku-18"), stacks)
    assert catalog.resolve(parse_request("3.8", "x"), bionic, "amd64", stacks).version == "3.8.16"


UNPUBLISHED = textwrap.dedent("""\
    name: X
    distro: {name: debian, version: "13"}
    default_version: 3.14.7
    runtimes:
      - {version: 3.14.7, arch: amd64, url: "https://example.test/3.14.7.tar.gz", sha256: "%s"}
      - {version: 3.14.8, arch: amd64, sha256: unpublished}
      - {version: 3.15.2, arch: amd64, sha256: unpublished}
    """ % ("a" * 64))


def test_unpublished_releases_are_known_but_never_chosen(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(UNPUBLISHED)
    stacks = catalog.load_stacks([str(path)])
    stack = stacks[0]
    # A line or a range takes the newest release with a checksum; the default does too.
    assert catalog.resolve(parse_request("3.14", "x"), stack, "amd64", stacks).version == "3.14.7"
    assert catalog.resolve(parse_specifier(">=3.14", "x"), stack, "amd64", stacks).version == "3.14.7"
    assert catalog.newest_patch(catalog.default_runtime(stack, "amd64"), stack).version == "3.14.7"
    with pytest.raises(BuildpackError) as e:
        catalog.resolve(parse_request("3.15", ".python-version"), stack, "amd64", stacks)
    assert e.value.message == ("Python 3.15 (from .python-version) is a release python-cnb knows, but X (amd64) has "
                               "no archive of 3.15.2 with a published checksum yet, so python-cnb will not install it.")
    assert e.value.hint == ("Give its url and sha256 in your own runtime catalog (BP_PYTHON_RUNTIME_CATALOG, the "
                            "format is in the buildpack's stacks/README.md), or ask for one of 3.14.7.")
    with pytest.raises(BuildpackError) as e:
        catalog.resolve(parse_request("3.14.8", "runtime.txt"), stack, "amd64", stacks)
    assert "has no archive of 3.14.8 with a published checksum" in e.value.message


def test_a_users_catalog_supplies_the_checksum_of_an_unpublished_release(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(UNPUBLISHED.replace("{version: 3.15.2, arch: amd64, sha256: unpublished}",
                                        '{version: 3.15.2, arch: amd64, url: "https://m.test/3.15.2.tar.gz", '
                                        'sha256: "%s"}' % ("c" * 64)))
    stacks = catalog.load_stacks([str(path)])
    chosen = catalog.resolve(parse_request("3.15", "x"), stacks[0], "amd64", stacks)
    assert (chosen.version, chosen.url, chosen.sha256) == ("3.15.2", "https://m.test/3.15.2.tar.gz", "c" * 64)


@pytest.mark.parametrize("runtime, what", [
    ("{version: [3, 12, 1], arch: amd64, url: 'https://e.test/p.tar.gz'}",
     "stack X, runtime 1: version must be a string such as 3.12.1, not a list"),
    ("{version: 3.12.1, arch: amd64, url: 'https://e.test/p.tar.gz', sha256: {a: b}}",
     "stack X, runtime 3.12.1: sha256 must be a string such as a 64-digit hex digest, not a mapping"),
    ("{version: 3.12.1, arch: amd64, url: [a]}",
     "stack X, runtime 3.12.1: url must be a string such as https://example.org/python-3.12.1.tar.gz, not a list"),
    ("{version: 3.12.1, url: 'https://e.test/p.tar.gz'}", "stack X, runtime 3.12.1: arch is missing"),
    ("{version: 3.12.1, arch: amd64, url: 'https://u:pw@[oops/p.tar.gz'}",
     "stack X, runtime 3.12.1: url https://****@[oops/p.tar.gz has a malformed host"),
])
def test_every_field_type_is_checked_with_file_stack_and_field(tmp_path, runtime, what):
    path = tmp_path / "bad.yaml"
    path.write_text("name: X\ndistro: {name: debian, version: '12'}\ndefault_version: 3.12.1\nruntimes:\n  - " + runtime + "\n")
    with pytest.raises(BuildpackError) as e:
        catalog.load_stacks([str(path)])
    assert e.value.message == "The runtime catalog {} is malformed: {}.".format(path, what)
    assert e.value.hint == "See stacks/README.md in the buildpack for the format."
