"""NLTK corpora from nltk.txt, downloaded by nltk's own downloader from a loopback index the test
serves (nltk's index.xml format, packages as zip files), never the internet."""
import hashlib
import http.server
import io
import os
import threading
import zipfile

import pytest

README = "a tiny corpus served on 127.0.0.1\n"


class NltkIndex:
    """An NLTK data server on 127.0.0.1: index.xml lists tinycorpus (corpora/tinycorpus.zip) and
    brokencorpus, whose zip the server does not have (404)."""

    def __init__(self) -> None:
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as z:
            z.writestr("tinycorpus/README", README)
        self.zip = data.getvalue()
        self.requests = []
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                index.requests.append(self.path)
                body = index.index_xml() if self.path == "/index.xml" else \
                    index.zip if self.path == "/packages/corpora/tinycorpus.zip" else None
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{}".format(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def index_xml(self) -> bytes:
        return ('<?xml version="1.0"?>\n<nltk_data>\n<packages>\n'
                '<package id="tinycorpus" name="Tiny corpus" subdir="corpora" unzip="1" '
                'url="{url}/packages/corpora/tinycorpus.zip" size="{size}" unzipped_size="{unzipped}" '
                'checksum="{md5}" sha256_checksum="{sha256}" />\n'
                '<package id="brokencorpus" name="Broken corpus" subdir="corpora" unzip="1" '
                'url="{url}/packages/corpora/brokencorpus.zip" size="10" unzipped_size="10" '
                'checksum="{md5}" sha256_checksum="{sha256}" />\n'
                '</packages>\n<collections>\n</collections>\n</nltk_data>\n').format(
            url=self.url, size=len(self.zip), unzipped=len(README), md5=hashlib.md5(self.zip).hexdigest(),
            sha256=hashlib.sha256(self.zip).hexdigest()).encode()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def nltk_index():
    index = NltkIndex()
    yield index
    index.close()


def read_at_launch(p, resource):
    code = "import nltk\nprint(nltk.data.find({!r}).open().read().decode(), end='')".format(resource)
    out = p.launched([os.path.join(p.layers, "python", "bin", "python"), "-c", code])
    assert out.returncode == 0, out.stdout
    return out.stdout


def test_corpora_from_nltk_txt_land_in_their_layer_and_are_reused(phase, nltk_index):
    p = phase("nltk_corpora")
    p.set_env("BP_NLTK_INDEX_URL", nltk_index.url + "/index.xml")
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    layer = os.path.join(p.layers, "nltk-data")
    assert "\n[NLTK corpora]\n  Downloading NLTK corpora from the index at {}/index.xml: tinycorpus\n".format(
        nltk_index.url) in cold.stdout
    assert "  Downloaded 1 NLTK corpus in " in cold.stdout
    assert "RuntimeWarning" not in cold.stdout
    assert os.path.isfile(os.path.join(layer, "corpora", "tinycorpus.zip"))
    assert p.read("nltk-data", "env", "NLTK_DATA.override") == layer
    toml = p.read("nltk-data.toml")
    assert toml == ('[types]\nbuild = true\nlaunch = true\ncache = true\n\n[metadata]\nnltk_txt = "{}"\n'
                    'index_url = "{}/index.xml"\nnltk_version = "3.9.3"\n'.format(
                        hashlib.sha256(b"tinycorpus\n").hexdigest(), nltk_index.url))
    assert p.launch_env()["NLTK_DATA"] == layer
    assert read_at_launch(p, "corpora/tinycorpus/README") == README
    assert "/packages/corpora/tinycorpus.zip" in nltk_index.requests

    served = len(nltk_index.requests)
    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "  Reusing NLTK corpora: tinycorpus (nltk.txt, the index and nltk 3.9.3 unchanged)\n" in warm.stdout
    assert len(nltk_index.requests) == served  # nothing fetched, not even the index
    assert p.read("nltk-data.toml") == toml


def test_a_corpus_the_index_lacks_fails_the_build_and_leaves_nothing_trusted(phase, nltk_index):
    p = phase("nltk_corpora")
    p.set_env("BP_NLTK_INDEX_URL", nltk_index.url + "/index.xml")
    p.write("nltk.txt", "tinycorpus\nnosuchcorpus\n")
    p.fails_with(
        "nltk.txt lists the corpus 'nosuchcorpus', which the index at {}/index.xml does not have.\n"
        "  Check the name in nltk.txt against the index at {}/index.xml, or set BP_NLTK_INDEX_URL to an index "
        "that has it.\n".format(nltk_index.url, nltk_index.url))
    assert "/packages/corpora/tinycorpus.zip" not in nltk_index.requests  # refused before any download
    assert not os.path.exists(os.path.join(p.layers, "nltk-data.toml"))


def test_a_download_that_fails_names_the_corpus_and_leaves_nothing_trusted(phase, nltk_index):
    p = phase("nltk_corpora")
    p.set_env("BP_NLTK_INDEX_URL", nltk_index.url + "/index.xml")
    p.write("nltk.txt", "tinycorpus brokencorpus\n")
    result = p.build()
    assert result.returncode == 1
    assert "Error" in result.stdout[:result.stdout.index("[Error]")]  # nltk's own words, streamed
    assert result.stdout.endswith(
        "\n[Error] NLTK could not download the corpus 'brokencorpus' listed in nltk.txt; the downloader's output "
        "is above.\n  Check that the index at {}/index.xml and the packages it lists can be reached from the "
        "build, then build again.\n".format(nltk_index.url))
    assert "/packages/corpora/brokencorpus.zip" in nltk_index.requests
    assert not os.path.exists(os.path.join(p.layers, "nltk-data.toml"))
    assert not os.path.exists(os.path.join(p.layers, "nltk-data", "env"))


def test_nltk_without_nltk_txt_warns_as_v242_does(phase):
    p = phase("nltk_corpora")
    os.remove(os.path.join(p.app, "nltk.txt"))
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert ("\n[NLTK corpora]\n  WARNING: 'nltk.txt' not found, not downloading any corpora\n"
            "           Learn more: https://devcenter.heroku.com/articles/python-nltk\n") in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "nltk-data.toml"))
    assert "NLTK_DATA" not in p.launch_env()


def test_apps_without_nltk_get_no_nltk_step(phase):
    p = phase("pinned_runtime_txt")
    p.write("nltk.txt", "punkt\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "NLTK" not in result.stdout and "nltk" not in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "nltk-data.toml"))
