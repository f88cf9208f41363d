"""The classic runtime toolset: the pip, setuptools and wheel every runtime gets, pinned per Python
release line in stacks/toolset/wheels.yaml (tools/gen_toolset.py says why each pin). Apps built by
heroku-buildpack-python v242 found them there, and some import setuptools' pkg_resources at run
time."""
import os
from typing import List, NamedTuple, Tuple

from . import vendored
from .errors import BuildpackError

PROJECTS = ("pip", "setuptools", "wheel")


class Wheel(NamedTuple):
    project: str
    version: str
    url: str
    sha256: str


Line = Tuple[int, ...]  # a release line: (3, 12)
Pins = List[Tuple[Tuple[Line, ...], "Toolset"]]  # the toolset of each group of release lines


class Toolset(NamedTuple):
    wheels: Tuple[Wheel, ...]  # in PROJECTS order

    def versions(self) -> dict:
        """{"pip": "23.3.2", ...}: part of the runtime layer's key."""
        return {w.project: w.version for w in self.wheels}

    def describe(self) -> str:
        """'pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0'"""
        named = ["{} {}".format(w.project, w.version) for w in self.wheels]
        return "{} and {}".format(", ".join(named[:-1]), named[-1])


def toolset_path(buildpack_dir: str) -> str:
    return os.path.join(buildpack_dir, "stacks", "toolset", "wheels.yaml")


def load(path: str) -> Pins:
    """[(release lines, toolset)] as the file lists them."""
    yaml = vendored.load("yaml")
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=yaml.BaseLoader)
        sets = []
        for entry in doc["sets"]:
            lines = tuple(tuple(int(p) for p in line.split(".")) for line in entry["python"])
            wheels = tuple(Wheel(p, entry[p]["version"], entry[p]["url"], entry[p]["sha256"]) for p in PROJECTS)
            sets.append((lines, Toolset(wheels)))
        return sets
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise BuildpackError("The buildpack's toolset pins ({}) cannot be read: {}.".format(path, e),
                             hint="The buildpack is damaged: reinstall it, or report this.")


def for_release(release: Tuple[int, ...], sets: Pins) -> Toolset:
    """The set pinned for the release's line; a line newer than every pinned one gets the newest set
    (a catalog may offer a new line before the pins name it)."""
    line = tuple(release[:2])
    for lines, toolset in sets:
        if line in lines:
            return toolset
    newest_lines, newest = max(sets, key=lambda s: max(s[0]))
    if line > max(newest_lines):
        return newest
    raise BuildpackError("python-cnb has no pip/setuptools/wheel pins for Python {}.{}.".format(*line),
                         hint="Ask for a Python version the stack's catalog lists.")
