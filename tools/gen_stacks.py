#!/usr/bin/env python3
"""Write stacks/*.yaml, the per-stack runtime catalogs, from two sources:
- the seed's per-stack version lists (App Platform's Python buildpack page, heroku-buildpack-python
  v242), served from heroku's classic archive scheme, which publishes no checksums;
- stacks/sources/python-build-standalone-linux.json: portable glibc builds with sha256, for newer
  releases, arm64, and the stacks the seed does not cover (refreshed by tools/refresh_standalone.py).

It also writes stacks/bootstrap.txt: per arch, the portable build bin/build bootstraps from on a
build image without python3 (bin/bootstrap.sh reads it, so it is plain "arch url sha256" lines).

`make stacks` rewrites the files; `--check` exits 1 when they are stale (the unit tests run it)."""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lib"))
from python_cnb import vendored  # noqa: E402

yaml = vendored.load("yaml")

SOURCE = "stacks/sources/python-build-standalone-linux.json"
STANDALONE = os.path.join(ROOT, SOURCE)
CLASSIC_URL = "https://heroku-buildpack-python.s3.us-east-1.amazonaws.com/{stack}/runtimes/python-{version}.tar.gz"
ARCHES = {"x86_64": "amd64", "aarch64": "arm64"}

# Transcribed from the seed: inclusive ranges of patch releases, per stack.
SEED = {
    "Ubuntu-22": [((3, 9), 12, 18), ((3, 10), 4, 13), ((3, 11), 0, 7), ((3, 12), 0, 1)],
    "Ubuntu-18": [((2, 7), 15, 18), ((3, 4), 9, 10), ((3, 5), 6, 7), ((3, 5), 9, 10), ((3, 6), 0, 15),
                  ((3, 7), 0, 16), ((3, 8), 0, 16), ((3, 9), 0, 16), ((3, 10), 0, 12), ((3, 11), 0, 5)],
}


# Releases newer than the portable builds listed in SOURCE: Debian's sid and experimental sources
# (2026-10-30) carry python3.14 3.14.10 and python3.15 3.15.2, so these exist upstream, but no
# checksum of a portable archive of them could be found to write here. Catalogs list them as
# `sha256: unpublished` (known, refused: stacks/README.md) until SOURCE is refreshed with them.
UNPUBLISHED = [((3, 14), 8, 10), ((3, 15), 0, 2)]


def unpublished(archives, arch):
    have = {a["version"] for a in archives if ARCHES[a["arch"]] == arch}
    return [{"version": v, "arch": arch, "sha256": "unpublished"}
            for line, first, last in UNPUBLISHED for v in ("{}.{}.{}".format(line[0], line[1], p)
                                                           for p in range(first, last + 1)) if v not in have]


def seed_versions(stack):
    return ["{}.{}.{}".format(line[0], line[1], patch) for line, first, last in SEED[stack]
            for patch in range(first, last + 1)]


def key(version):
    return tuple(int(p) for p in version.split("."))


def portable(archives, arch, keep):
    return [{"version": a["version"], "arch": arch, "url": a["url"], "sha256": a["sha256"]}
            for a in archives if ARCHES[a["arch"]] == arch and keep(a["version"])]


def stacks(archives):
    newest_seed_22 = key("3.12.1")
    jammy_classic = [{"version": v, "arch": "amd64", "url": CLASSIC_URL.format(stack="heroku-22", version=v)}
                     for v in seed_versions("Ubuntu-22")]
    jammy_set = set(seed_versions("Ubuntu-22"))
    jammy = jammy_classic + portable(archives, "amd64", lambda v: key(v) > newest_seed_22)
    # arm64: the portable builds of every version amd64 offers (seed range and newer).
    jammy += portable(archives, "arm64", lambda v: v in jammy_set or key(v) > newest_seed_22)
    newer = unpublished(archives, "amd64") + unpublished(archives, "arm64")
    jammy += newer
    bionic = [{"version": v, "arch": "amd64", "url": CLASSIC_URL.format(stack="heroku-18", version=v)}
              for v in seed_versions("Ubuntu-18")]
    everything = portable(archives, "amd64", lambda v: True) + portable(archives, "arm64", lambda v: True) + newer
    return {
        "ubuntu-22.yaml": ("Ubuntu-22", ["heroku-22", "io.buildpacks.stacks.jammy"], "ubuntu", "22.04", "3.12.1", jammy),
        # The seed's Ubuntu-18 list stops at 3.11.5, so its default is that, not 3.12.1.
        "ubuntu-18.yaml": ("Ubuntu-18", ["heroku-18", "io.buildpacks.stacks.bionic"], "ubuntu", "18.04", "3.11.5", bionic),
        "ubuntu-24.yaml": ("Ubuntu-24", ["heroku-24", "io.buildpacks.stacks.noble"], "ubuntu", "24.04", "3.12.1", everything),
        "debian-12.yaml": ("Debian-12", ["io.buildpacks.stacks.bookworm"], "debian", "12", "3.12.1", everything),
        # Trixie's own python3 is 3.13; the default stays the other stacks' (the seed's) 3.12.1.
        # Ubuntu 26.04: the portable builds run on any glibc Linux; no stack id is known for it, so
        # builds match it by their target (CNB_TARGET_DISTRO_*) only.
        "ubuntu-26.yaml": ("Ubuntu-26", [], "ubuntu", "26.04", "3.12.1", everything),
        "debian-13.yaml": ("Debian-13", ["io.buildpacks.stacks.trixie"], "debian", "13", "3.12.1", everything),
    }


def render(name, stack_ids, distro, version, default, runtimes, source):
    runtimes = sorted(runtimes, key=lambda r: (r["arch"], key(r["version"])))
    lines = [
        "# Generated by tools/gen_stacks.py (make stacks) from the seed's runtime lists and",
        "# {}. Do not edit by hand.".format(source),
        "name: {}".format(name),
        "stack_ids: [{}]".format(", ".join(stack_ids)),
        'distro: {{name: {}, version: "{}"}}'.format(distro, version),
        "default_version: {}".format(default),
        "runtimes:",
    ]
    for r in runtimes:
        fields = ["version: {}".format(r["version"]), "arch: {}".format(r["arch"])]
        if "url" in r:
            fields.append('url: "{}"'.format(r["url"]))
        if "sha256" in r:
            fields.append("sha256: {}".format(r["sha256"]))
        lines.append("  - {{{}}}".format(", ".join(fields)))
    text = "\n".join(lines) + "\n"
    yaml.safe_load(text)  # what we write must parse
    return text


# The bootstrap interpreter only runs the lib: the smallest archives (stripped) of the stacks'
# default line, the newest build of it.
BOOTSTRAP_LINE = "3.12"


def bootstrap(archives):
    """stacks/bootstrap.txt's text."""
    lines = ["# Generated by tools/gen_stacks.py (make stacks) from {}. Do not edit by hand.".format(SOURCE),
             "# The interpreter bin/build runs the lib on when the build image has no python3 3.6+:",
             "# arch url sha256 (bin/bootstrap.sh reads these lines)."]
    for arch in sorted(ARCHES):
        found = [a for a in archives if a["arch"] == arch and a["version"].startswith(BOOTSTRAP_LINE + ".")
                 and a["url"].endswith("-install_only_stripped.tar.gz")]
        newest = max(found, key=lambda a: key(a["version"]))
        lines.append("{} {} {}".format(ARCHES[arch], newest["url"], newest["sha256"]))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if stacks/*.yaml are not what this writes")
    args = parser.parse_args()
    with open(STANDALONE) as f:
        archives = json.load(f)["archives"]
    stale = []
    files = [(filename, render(name, ids, distro, version, default, runtimes, SOURCE), len(runtimes))
             for filename, (name, ids, distro, version, default, runtimes) in sorted(stacks(archives).items())]
    files.append(("bootstrap.txt", bootstrap(archives), len(ARCHES)))
    for filename, text, count in files:
        path = os.path.join(ROOT, "stacks", filename)
        current = open(path).read() if os.path.exists(path) else None
        if args.check:
            if current != text:
                stale.append(filename)
        elif current != text:
            with open(path, "w") as f:
                f.write(text)
            print("wrote stacks/{} ({} entries)".format(filename, count))
    if stale:
        print("stale: {} (run `make stacks`)".format(", ".join(stale)), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
