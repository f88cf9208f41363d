"""CycloneDX SBOMs for the layers this buildpack writes (<layers>/<layer>.sbom.cdx.json, declared
by sbom-formats in buildpack.toml); `pack sbom download` returns them from the image. Written on
every build, reused layers included: they are small, and the lifecycle reads them per build."""
import json
import os
import urllib.parse
from typing import Dict, List, Optional, Sequence, Tuple

from .appfiles import open_regular
from .catalog import Runtime
from .toolset import Toolset
from .url_secrets import stored


def _document(components: List[Dict[str, object]], tool_version: str) -> Dict[str, object]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"tools": [{"vendor": "python-cnb", "name": "python-cnb/python", "version": tool_version}]},
        "components": components,
    }


def runtime_components(runtime: Runtime, toolset: Toolset) -> List[Dict[str, object]]:
    component: Dict[str, object] = {
        "type": "application",
        "name": "CPython",
        "version": runtime.version,
        "purl": "pkg:generic/cpython@{}?download_url={}".format(
            runtime.version, urllib.parse.quote(stored(runtime.url), safe="")),
        "licenses": [{"license": {"id": "Python-2.0"}}],
    }
    if runtime.sha256:
        component["hashes"] = [{"alg": "SHA-256", "content": runtime.sha256}]
    tools: List[Dict[str, object]] = [{"type": "library", "name": w.project, "version": w.version,
              "purl": "pkg:pypi/{}@{}".format(w.project, w.version),
              "hashes": [{"alg": "SHA-256", "content": w.sha256}]} for w in toolset.wheels]
    return [component] + tools


def distribution_components(dists: Sequence[Tuple[str, str]]) -> List[Dict[str, object]]:
    return [{"type": "library", "name": name, "version": version, "purl": "pkg:pypi/{}@{}".format(name, version)}
            for name, version in dists]


def write(layers_dir: str, layer_name: str, components: List[Dict[str, object]], tool_version: str) -> None:
    path = os.path.join(layers_dir, layer_name + ".sbom.cdx.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_document(components, tool_version), f, indent=2, sort_keys=True)
        f.write("\n")


# An SBOM this buildpack writes lists an app's distributions: a few hundred KB at most.
_READ_LIMIT = 16 << 20


def read_distributions(layers_dir: str, layer_name: str) -> Optional[List[Tuple[str, str]]]:
    """(name, version) of each library in a layer's SBOM as write() wrote it (the lifecycle
    brings it back with a layer kept in the image only); None when it is missing, not a regular
    file (a FIFO is never read: it would hang the build), too large or not ours."""
    try:
        with open_regular(os.path.join(layers_dir, layer_name + ".sbom.cdx.json")) as f:
            data = f.read(_READ_LIMIT + 1)
        if len(data) > _READ_LIMIT:
            return None
        document = json.loads(data.decode("utf-8"))
        found = [(c["name"], c["version"]) for c in document["components"] if c.get("type") == "library"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(isinstance(n, str) and isinstance(v, str) for n, v in found):
        return None
    return sorted(found)
