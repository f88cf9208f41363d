"""What pip leaves in the dependencies layer (a launch layer) that names the URLs it installed
from, rewritten without their credentials (url_secrets.stored) once the install is done:

- an editable VCS requirement's checkout in src/<name>/: git writes the clone URL, token and all,
  into .git/config (remote.origin.url) and the reflogs (.git/logs/**: "clone: from <url>"),
  FETCH_HEAD after a fetch; hg and svn keep theirs in .hg/hgrc and .svn's database;
- a distribution's direct_url.json (PEP 610): pip removes the userinfo, not a query's token
  (a presigned https://.../pkg.whl?X-Amz-Signature=...). Its RECORD line is updated with it.

Only text files of a few MB are read; a file that cannot be rewritten fails the build rather
than ship a secret."""
import base64
import glob
import hashlib
import os
from typing import Iterator, List

from . import filetree
from .cnb.layers import layers_dir_error
from .url_secrets import has_credentials, stored

_VCS_TEXT = (".git/config", ".git/FETCH_HEAD", ".git/ORIG_HEAD", ".hg/hgrc", ".bzr/branch/branch.conf")
_MAX_BYTES = 8 << 20


def _checkout_files(src: str) -> Iterator[str]:
    """Where a checkout may keep its URL; _rewrite passes over what is no regular file."""
    for checkout in sorted(glob.glob(os.path.join(src, "*"))):
        yield from (os.path.join(checkout, rel) for rel in _VCS_TEXT)
        for here, _, names in filetree.walk(os.path.join(checkout, ".git", "logs")):
            for name in sorted(names):
                yield os.path.join(here, name)


def _rewrite(path: str) -> bool:
    """Rewrite path's URLs without credentials; whether it changed."""
    if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > _MAX_BYTES:
        return False
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    if not has_credentials(text):
        return False
    cleaned = "\n".join(stored(line) if has_credentials(line) else line for line in text.split("\n"))
    with open(path, "wb") as f:
        f.write(cleaned.encode("utf-8", "surrogateescape"))
    return True


def scrub(layer_path: str) -> List[str]:
    """Remove URL credentials from what pip left in the layer; the files changed (layer-relative)."""
    changed = []  # type: List[str]
    try:
        for path in _checkout_files(os.path.join(layer_path, "src")):
            if _rewrite(path):
                changed.append(os.path.relpath(path, layer_path))
        for direct_url in glob.glob(os.path.join(layer_path, "lib", "python*", "site-packages", "*.dist-info",
                                                 "direct_url.json")):
            if _rewrite(direct_url):
                _update_record(direct_url)
                changed.append(os.path.relpath(direct_url, layer_path))
    except OSError as e:
        raise layers_dir_error("remove credentials from the installed dependencies", e)
    return changed


def _update_record(path: str) -> None:
    """RECORD's line for the rewritten file: its new sha256 and size (the wheel RECORD format)."""
    dist_info = os.path.dirname(path)
    record = os.path.join(dist_info, "RECORD")
    if not os.path.isfile(record):
        return
    with open(path, "rb") as f:
        data = f.read()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    name = "{}/{}".format(os.path.basename(dist_info), os.path.basename(path))
    with open(record, encoding="utf-8", newline="") as f:
        lines = f.readlines()
    with open(record, "w", encoding="utf-8", newline="") as f:
        for line in lines:
            if line.split(",", 1)[0] == name:
                ending = "\r\n" if line.endswith("\r\n") else "\n"
                line = "{},sha256={},{}{}".format(name, digest, len(data), ending)
            f.write(line)
