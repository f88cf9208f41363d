#!/usr/bin/env python3
"""Turn a staged buildpack into an offline one for one stack: its runtime archives and the toolset
wheels those runtimes need are carried inside the buildpack, and its catalog points at them there
(file:// under the buildpack's fixed place in a builder, /cnb/buildpacks/<id>/<version>), each with
a sha256 that the build still checks. Nothing is downloaded at build time.

    offline_package.py STAGE_DIR [--stack Debian-12] [--catalog FILE] [--versions 3.12.1,...]

--catalog takes the archives from another catalog of the same stack (a mirror's, as the tests
do); by default from the buildpack's own."""
import argparse
import hashlib
import os
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lib"))
from python_cnb import catalog, toolset, vendored  # noqa: E402
from python_cnb.download import Downloader, mirrored_url  # noqa: E402

toml = vendored.load("toml")


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_into(url: str, sha256: str, directory: str) -> tuple:
    """(file name, sha256) of url fetched into directory, checked when the source gave a sha256."""
    name = os.path.basename(urllib.parse.urlsplit(url).path)
    dest = os.path.join(directory, name)
    Downloader().fetch(mirrored_url(url, os.environ), dest, sha256)
    return name, sha256 or sha256_of(dest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--stack", default="Debian-12")
    parser.add_argument("--catalog", help="take the stack's archives from this catalog")
    parser.add_argument("--versions", help="comma-separated versions to carry (default: all the catalog lists)")
    args = parser.parse_args()

    with open(os.path.join(args.stage, "buildpack.toml")) as f:
        bp = toml.load(f)["buildpack"]
    home = "/cnb/buildpacks/{}/{}".format(bp["id"].replace("/", "_"), bp["version"])
    source = catalog.load_stacks([args.catalog] if args.catalog else catalog.builtin_catalog_paths(args.stage))
    (stack,) = [s for s in source if s.name == args.stack]
    wanted = set(args.versions.split(",")) if args.versions else None
    runtimes = [r for r in stack.runtimes if r.arch == "amd64" and (wanted is None or r.version in wanted)]
    if not runtimes:
        sys.exit("offline_package: {} offers none of {}".format(stack.name, args.versions))

    offline = os.path.join(args.stage, "offline")
    os.makedirs(os.path.join(offline, "runtimes"), exist_ok=True)
    os.makedirs(os.path.join(offline, "wheels"), exist_ok=True)
    lines = ["# Offline catalog written by tools/offline_package.py: the archives are inside the buildpack.",
             "name: {}".format(stack.name), "stack_ids: [{}]".format(", ".join(stack.stack_ids)),
             'distro: {{name: {}, version: "{}"}}'.format(stack.distro_name, stack.distro_version)]
    versions = sorted(runtimes, key=lambda r: r.release)
    default = stack.default_version if any(r.version == stack.default_version for r in versions) else versions[-1].version
    lines += ["default_version: {}".format(default), "runtimes:"]
    for r in versions:
        name, digest = fetch_into(r.url, r.sha256, os.path.join(offline, "runtimes"))
        lines.append('  - {{version: {}, arch: amd64, url: "file://{}/offline/runtimes/{}", sha256: {}}}'.format(
            r.version, home, name, digest))
        print("carried Python {} ({})".format(r.version, name))
    for path in catalog.builtin_catalog_paths(args.stage):
        os.remove(path)
    with open(os.path.join(args.stage, "stacks", "offline.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")

    # The toolset pins of the carried lines only, their wheels inside the buildpack too.
    sets = toolset.load(toolset.toolset_path(args.stage))
    by_line = {r.release[:2]: toolset.for_release(r.release, sets) for r in versions}
    out = ["# Offline toolset written by tools/offline_package.py: the wheels are inside the buildpack.", "sets:"]
    for line, ts in sorted(by_line.items()):
        out.append('  - python: ["{}.{}"]'.format(*line))
        for w in ts.wheels:
            name, digest = fetch_into(w.url, w.sha256, os.path.join(offline, "wheels"))
            out.append('    {}: {{version: "{}", url: "file://{}/offline/wheels/{}", sha256: {}}}'.format(
                w.project, w.version, home, name, digest))
    with open(toolset.toolset_path(args.stage), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
