"""What pip leaves in the dependencies layer that names a URL loses the URL's credentials."""
import base64
import hashlib
import json
import os

from python_cnb.installed_urls import scrub
from python_cnb.steps.nltk import wanted as corpora_wanted
from python_cnb.sbom import runtime_components
from python_cnb.catalog import Runtime
from python_cnb.toolset import Toolset

from fakes import write_file

TOKEN = "ghp_T0KEN"


def test_an_editable_checkouts_git_files_lose_the_token(tmp_path):
    layer = str(tmp_path)
    git = os.path.join(layer, "src", "pkg", ".git")
    write_file(os.path.join(git, "config"), '[remote "origin"]\n\turl = https://u:{}@github.com/o/pkg.git\n'
                                            '\tfetch = +refs/heads/*:refs/remotes/origin/*\n'.format(TOKEN))
    write_file(os.path.join(git, "logs", "HEAD"), "0000 1111 t <t@e> 1 +0000\tclone: from https://{}@github.com/o/pkg.git\n"
               .format(TOKEN))
    write_file(os.path.join(git, "FETCH_HEAD"), "1111\t\tbranch 'main' of https://x-access-token:{}@github.com/o/pkg\n"
               .format(TOKEN))
    write_file(os.path.join(git, "HEAD"), "ref: refs/heads/main\n")
    changed = scrub(layer)
    assert sorted(changed) == ["src/pkg/.git/FETCH_HEAD", "src/pkg/.git/config", "src/pkg/.git/logs/HEAD"]
    for here, _, names in os.walk(layer):
        for name in names:
            assert TOKEN not in open(os.path.join(here, name)).read()
    assert "\turl = https://github.com/o/pkg.git\n" in open(os.path.join(git, "config")).read()
    assert scrub(layer) == []  # nothing left to remove


def test_an_ssh_login_name_stays(tmp_path):
    config = os.path.join(str(tmp_path), "src", "pkg", ".git", "config")
    write_file(config, "\turl = ssh://git@github.com/o/pkg.git\n")
    assert scrub(str(tmp_path)) == []


def test_a_presigned_direct_url_and_its_record_line(tmp_path):
    dist_info = os.path.join(str(tmp_path), "lib", "python3.12", "site-packages", "pkg-1.0.dist-info")
    write_file(os.path.join(dist_info, "direct_url.json"),
               json.dumps({"url": "https://b.s3.amazonaws.com/pkg-1.0.whl?X-Amz-Signature=S1G", "archive_info": {}}))
    write_file(os.path.join(dist_info, "RECORD"), "pkg/__init__.py,sha256=abc,1\npkg-1.0.dist-info/direct_url.json,"
                                                  "sha256=old,10\npkg-1.0.dist-info/RECORD,,\n")
    assert scrub(str(tmp_path)) == ["lib/python3.12/site-packages/pkg-1.0.dist-info/direct_url.json"]
    with open(os.path.join(dist_info, "direct_url.json"), "rb") as f:
        data = f.read()
    assert json.loads(data)["url"] == "https://b.s3.amazonaws.com/pkg-1.0.whl?X-Amz-Signature=****"
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert open(os.path.join(dist_info, "RECORD")).read() == (
        "pkg/__init__.py,sha256=abc,1\npkg-1.0.dist-info/direct_url.json,sha256={},{}\npkg-1.0.dist-info/RECORD,,\n"
        .format(digest, len(data)))


def test_the_nltk_index_url_is_stored_without_its_token(tmp_path):
    write_file(os.path.join(str(tmp_path), "nltk.txt"), "punkt\n")
    corpora = corpora_wanted(str(tmp_path), "3.9.3", "https://u:p@idx.example.org/i.xml?token=T")
    assert corpora.index_url == "https://u:p@idx.example.org/i.xml?token=T"  # what nltk fetches
    assert corpora.metadata.index_url == "https://idx.example.org/i.xml?token=****"  # what the TOML keeps


def test_the_runtime_sbom_names_its_archive_without_credentials():
    runtime = Runtime((3, 12, 1), "amd64", "https://u:p@cdn.example.org/python-3.12.1.tar.gz?sig=S", "ab" * 32)
    (cpython,) = runtime_components(runtime, Toolset(()))[:1]
    assert cpython.purl == ("pkg:generic/cpython@3.12.1?download_url=https%3A%2F%2Fcdn.example.org%2F"
                            "python-3.12.1.tar.gz%3Fsig%3D%2A%2A%2A%2A")
