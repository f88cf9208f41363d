"""What a release promises: CHANGELOG.md's newest released entry is buildpack.toml's version."""
import os
import re

from python_cnb import vendored

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_newest_changelog_release_is_the_buildpacks_version():
    with open(os.path.join(ROOT, "buildpack.toml")) as f:
        version = vendored.load("toml").load(f)["buildpack"]["version"]
    with open(os.path.join(ROOT, "CHANGELOG.md")) as f:
        text = f.read()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert released and released[0][0] == version
    assert text.index("## [Unreleased]") < text.index("## [{}]".format(version))
    assert "[{}]: ".format(version) in text  # its link
