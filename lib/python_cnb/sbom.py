"""The SBOMs of the layers this buildpack writes, in the two formats buildpack.toml's sbom-formats
declares: CycloneDX 1.6 (<layers>/<layer>.sbom.cdx.json) and SPDX 2.3 (<layer>.sbom.spdx.json),
both JSON; `pack sbom download` returns them from the image. Written on every build, reused
layers included: they are small, and the lifecycle reads them per build.

Each package has its package URL and version, its sha256 where this buildpack knows it (the
runtime archive, the toolset's wheels, a dependency installed from a URL with a hash), and its
license as its distribution's metadata declares it (License-Expression, else a License field
or classifiers that name one SPDX license; a free-text license is kept as text in CycloneDX and
as a comment in SPDX, whose declared license must be an SPDX expression). Licenses are read from
the layer's installed .dist-info; for a layer kept in the previous image (its files are not
here) from the SBOM the previous build wrote. No URL keeps a credential (url_secrets.stored).

Both documents are byte-for-byte the same for the same packages (no clock, no random
namespace): a rebuild with nothing changed exports the same SBOM layer."""
import email.parser
import glob
import hashlib
import json
import os
import re
import urllib.parse
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .appfiles import open_regular
from .catalog import Runtime
from .toolset import Toolset
from .url_secrets import stored

CYCLONEDX = ".sbom.cdx.json"
SPDX = ".sbom.spdx.json"
# The lifecycle's timestamp for reproducible images: SPDX requires a creation time.
CREATED = "1980-01-01T00:00:01Z"
NAMESPACE = "https://github.com/python-cnb/python-cnb/spdx/"


class Package(NamedTuple):
    name: str
    version: str
    purl: str
    kind: str = "library"    # CycloneDX's component type: library, or application (CPython)
    license: str = ""        # an SPDX license expression ("" when none is declared as one)
    license_text: str = ""   # a declared license that is no SPDX expression
    sha256: str = ""
    download: str = ""       # where it was downloaded from, without credentials ("" when not known)


def pypi_purl(name: str, version: str) -> str:
    """The purl spec's pypi type: the name lowercased, runs of -_. as one dash (PEP 503)."""
    return "pkg:pypi/{}@{}".format(normalized(name), urllib.parse.quote(version, safe=".-_~!"))


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_components(runtime: Runtime, toolset: Toolset) -> List[Package]:
    download = stored(runtime.url)
    cpython = Package("CPython", runtime.version, "pkg:generic/cpython@{}?download_url={}".format(
        runtime.version, urllib.parse.quote(download, safe="")), "application", "Python-2.0", "", runtime.sha256,
        download)
    return [cpython] + [Package(w.project, w.version, pypi_purl(w.project, w.version), sha256=w.sha256,
                                download=stored(w.url)) for w in toolset.wheels]


def distribution_components(dists: Sequence[Tuple[str, str]]) -> List[Package]:
    return [Package(name, version, pypi_purl(name, version)) for name, version in dists]


def write(layers_dir: str, layer_name: str, components: List[Package], tool_version: str) -> None:
    """Both documents for a layer, each package's license and name from its installed metadata
    (or the previous SBOM's, for a layer kept in the image)."""
    installed = _installed(os.path.join(layers_dir, layer_name))
    previous = {(normalized(p.name), p.version): p for p in (read_packages(layers_dir, layer_name) or [])}
    packages = [_completed(p, installed.get(normalized(p.name)) or previous.get((normalized(p.name), p.version)))
                for p in components]
    for suffix, document in ((CYCLONEDX, cyclonedx(packages, tool_version)),
                             (SPDX, spdx(layer_name, packages, tool_version))):
        with open(os.path.join(layers_dir, layer_name + suffix), "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, sort_keys=True)
            f.write("\n")


def _completed(package: Package, found: Optional[Package]) -> Package:
    if found is None:
        return package
    return package._replace(name=found.name, version=found.version, purl=(
        found.purl if package.purl.startswith("pkg:pypi/") else package.purl), license=package.license or found.license,
                            license_text=package.license_text or found.license_text,
                            sha256=package.sha256 or found.sha256, download=package.download or found.download)


# -- CycloneDX 1.6 --------------------------------------------------------------------------------

def cyclonedx(packages: Sequence[Package], tool_version: str) -> Dict[str, Any]:
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"timestamp": CREATED, "tools": {"components": [
            {"type": "application", "group": "python-cnb", "name": "python-cnb/python", "version": tool_version}]}},
        "components": [_component(p) for p in _unique(packages)],
    }


def _component(package: Package) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": package.kind, "bom-ref": package.purl, "name": package.name,
                           "version": package.version, "purl": package.purl}
    if package.license:
        single = _SPDX_IDS.get(package.license.lower())
        out["licenses"] = [{"license": {"id": single}}] if single else [{"expression": package.license}]
    elif package.license_text:
        out["licenses"] = [{"license": {"name": package.license_text}}]
    if package.sha256:
        out["hashes"] = [{"alg": "SHA-256", "content": package.sha256}]
    if package.download:
        out["externalReferences"] = [{"type": "distribution", "url": package.download}]
    return out


# -- SPDX 2.3 ----------------------------------------------------------------------------------------

def spdx(layer_name: str, packages: Sequence[Package], tool_version: str) -> Dict[str, Any]:
    unique = _unique(packages)
    ids = ["SPDXRef-Package-{}-{}".format(i, re.sub(r"[^A-Za-z0-9.-]+", "-", p.name)) for i, p in enumerate(unique, 1)]
    digest = hashlib.sha256(json.dumps([list(p) for p in unique]).encode("utf-8")).hexdigest()
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "python-cnb-{}".format(layer_name),
        "documentNamespace": "{}{}-{}".format(NAMESPACE, layer_name, digest),
        "creationInfo": {"created": CREATED, "creators": ["Tool: python-cnb-python-{}".format(tool_version or "0")]},
        "packages": [_spdx_package(p, i) for p, i in zip(unique, ids)],
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                           "relatedSpdxElement": i} for i in ids],
    }


def _spdx_package(package: Package, spdx_id: str) -> Dict[str, Any]:
    declared = package.license if package.license and "LicenseRef-" not in package.license else "NOASSERTION"
    out: Dict[str, Any] = {
        "SPDXID": spdx_id, "name": package.name, "versionInfo": package.version,
        "downloadLocation": package.download if _SPDX_LOCATION.match(package.download) else "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": declared, "copyrightText": "NOASSERTION",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                          "referenceLocator": package.purl}],
        "primaryPackagePurpose": "APPLICATION" if package.kind == "application" else "LIBRARY",
    }
    if declared == "NOASSERTION" and (package.license_text or package.license):
        out["licenseComments"] = "The distribution declares: {}".format(package.license_text or package.license)
    if package.sha256:
        out["checksums"] = [{"algorithm": "SHA256", "checksumValue": package.sha256}]
    return out


# SPDX 2.3's download location grammar: a URL whose host is a domain name (a mirror on 127.0.0.1
# or localhost is not one: NOASSERTION then, the purl still says where it came from).
_SPDX_LOCATION = re.compile(r"^(https?|ftp|sftp|ssh|git|svn)://([^/@\s]+@)?[a-z0-9]+([-.][a-z0-9]+)*\.[a-z]{2,5}"
                            r"(:[0-9]{1,5})?(/\S*)?$", re.IGNORECASE)


def _unique(packages: Sequence[Package]) -> List[Package]:
    """One package per purl (both formats require unique references), in the order given."""
    seen = set()  # type: set
    out = []
    for p in packages:
        if p.purl not in seen:
            seen.add(p.purl)
            out.append(p)
    return out


# -- licenses from the installed metadata -------------------------------------------------------

# SPDX ids as distributions write them in License (lowercased), and the license classifiers that
# name exactly one SPDX license ("BSD License" names none: 2- or 3-clause?).
_SPDX_IDS = {i.lower(): i for i in (
    "0BSD", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-2.0", "Artistic-2.0", "BSD-2-Clause", "BSD-3-Clause",
    "BSL-1.0", "CC0-1.0", "EPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "HPND",
    "ISC", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-2.0",
    "PSF-2.0", "Python-2.0", "Unlicense", "WTFPL", "Zlib")}
_SPDX_IDS.update({"mit license": "MIT", "apache 2.0": "Apache-2.0", "apache-2": "Apache-2.0",
                  "apache license 2.0": "Apache-2.0", "apache license, version 2.0": "Apache-2.0",
                  "apache software license": "Apache-2.0", "new bsd license": "BSD-3-Clause", "psfl": "PSF-2.0"})
_CLASSIFIERS = {"MIT License": "MIT", "Apache Software License": "Apache-2.0", "ISC License (ISCL)": "ISC",
                "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0", "Python Software Foundation License": "PSF-2.0",
                "The Unlicense (Unlicense)": "Unlicense", "Zope Public License": "ZPL-2.1",
                "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0", "MIT No Attribution License (MIT-0)": "MIT-0",
                "Historical Permission Notice and Disclaimer (HPND)": "HPND"}


def declared_license(expression: str, text: str, classifiers: Iterable[str]) -> Tuple[str, str]:
    """(SPDX expression, free text) that a distribution's License-Expression, License and
    classifiers declare; ("", "") for none."""
    expression, text = expression.strip(), text.strip()
    if expression:
        return expression, ""
    if text.lower() in _SPDX_IDS:
        return _SPDX_IDS[text.lower()], ""
    licenses = {c.split("::")[-1].strip() for c in classifiers if c.startswith("License ::")}
    named = sorted({_CLASSIFIERS[c] for c in licenses if c in _CLASSIFIERS})
    if named:
        return " OR ".join(named), ""
    if text and text.upper() != "UNKNOWN":
        return "", text.splitlines()[0].strip()[:200]
    # a classifier naming no single SPDX license ("BSD License"): kept as the text it is
    return "", " OR ".join(sorted(licenses))


def _installed(layer_path: str) -> Dict[str, Package]:
    """normalized name -> the package as its .dist-info describes it, for every
    distribution installed in the layer's site-packages."""
    found: Dict[str, Package] = {}
    for info in glob.glob(os.path.join(layer_path, "lib", "python*", "site-packages", "*.dist-info")):
        try:
            with open(os.path.join(info, "METADATA"), encoding="utf-8", errors="replace") as f:
                headers = email.parser.HeaderParser().parse(f)
        except OSError:
            continue
        name, version = headers.get("Name"), headers.get("Version")
        if not name or not version:
            continue
        expression, text = declared_license(headers.get("License-Expression") or "", headers.get("License") or "",
                                            headers.get_all("Classifier") or [])
        found[normalized(name)] = Package(name, version, pypi_purl(name, version), "library", expression,
                                          text, *_direct_url(info))
    return found


def _direct_url(info: str) -> Tuple[str, str]:
    """(sha256, url) of a distribution pip installed from a URL (PEP 610's direct_url.json)."""
    try:
        with open(os.path.join(info, "direct_url.json"), encoding="utf-8") as f:
            data = json.load(f)
        url = stored(data["url"]) if isinstance(data.get("url"), str) else ""
        archive = data.get("archive_info") or {}
        hashes = archive.get("hashes") or {}
        legacy = archive.get("hash") or ""
        sha256 = hashes.get("sha256") or (legacy[len("sha256="):] if legacy.startswith("sha256=") else "")
        return (sha256 if re.match(r"^[0-9a-f]{64}$", sha256 or "") else ""), (url if "://" in url else "")
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return "", ""


# -- reading back what write() wrote --------------------------------------------------------------

# An SBOM this buildpack writes lists an app's distributions: a few hundred KB at most.
_READ_LIMIT = 16 << 20


def read_packages(layers_dir: str, layer_name: str) -> Optional[List[Package]]:
    """The libraries of a layer's CycloneDX SBOM as write() wrote it (the lifecycle brings it back
    with a layer kept in the image only); None when it is missing, not a regular file (a FIFO is
    never read: it would hang the build), too large or not ours."""
    try:
        with open_regular(os.path.join(layers_dir, layer_name + CYCLONEDX)) as f:
            data = f.read(_READ_LIMIT + 1)
        if len(data) > _READ_LIMIT:
            return None
        document = json.loads(data.decode("utf-8"))
        found = [_package(c) for c in document["components"] if c.get("type") == "library"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found if all(isinstance(p.name, str) and isinstance(p.version, str) for p in found) else None


def _package(component: Mapping[str, Any]) -> Package:
    name, version = component["name"], component["version"]
    license = text = ""
    for entry in component.get("licenses") or []:
        license = entry.get("expression") or (entry.get("license") or {}).get("id") or license
        text = (entry.get("license") or {}).get("name") or text
    sha256 = next((h.get("content", "") for h in component.get("hashes") or [] if h.get("alg") == "SHA-256"), "")
    download = next((r.get("url", "") for r in component.get("externalReferences") or []
                     if r.get("type") == "distribution"), "")
    purl = component.get("purl") if isinstance(component.get("purl"), str) else ""
    return Package(name, version, purl or "", "library", license, text, sha256, download)


def read_distributions(layers_dir: str, layer_name: str) -> Optional[List[Tuple[str, str]]]:
    """(name, version) of each library in a layer's SBOM (None as read_packages says); names
    normalized, as dependencies.distributions() gives them."""
    packages = read_packages(layers_dir, layer_name)
    return None if packages is None else sorted((normalized(p.name), p.version) for p in packages)
