#!/usr/bin/env python3
"""Refresh stacks/sources/python-build-standalone-linux.json, the portable CPython builds the
catalogs offer beside the seed's classic archives, from uv's list of python-build-standalone
downloads (crates/uv-python/download-metadata.json in the astral-sh/uv repository: every build
with its url and sha256).

    python3 tools/refresh_standalone.py <download-metadata.json> <uv commit> <date>
    make stacks

Kept: CPython for glibc Linux on x86_64 and aarch64, final releases, the default variant (no
freethreaded or debug builds); one archive per version and arch."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "stacks", "sources", "python-build-standalone-linux.json")


def archives(metadata: dict) -> list:
    kept = {}
    for entry in metadata.values():
        if (entry.get("name"), entry.get("os"), entry.get("libc")) != ("cpython", "linux", "gnu"):
            continue
        if entry.get("arch") not in ("x86_64", "aarch64") or entry.get("prerelease") or entry.get("variant"):
            continue
        version = "{}.{}.{}".format(entry["major"], entry["minor"], entry["patch"])
        build = entry["url"].split("/releases/download/")[1].split("/")[0]
        kept[(version, entry["arch"])] = {"version": version, "arch": entry["arch"], "url": entry["url"],
                                          "sha256": entry["sha256"], "build": build}
    return sorted(kept.values(), key=lambda a: (tuple(int(p) for p in a["version"].split(".")), a["arch"]))


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, commit, date = sys.argv[1:]
    with open(path) as f:
        found = archives(json.load(f))
    source = ("python-build-standalone install_only archives for glibc Linux, taken from "
              "crates/uv-python/download-metadata.json in the astral-sh/uv repository at commit {} ({})"
              .format(commit, date))
    with open(OUT, "w") as f:
        json.dump({"source": source, "archives": found}, f, indent=1)
        f.write("\n")
    print("wrote {} ({} archives)".format(os.path.relpath(OUT, ROOT), len(found)))


if __name__ == "__main__":
    main()
