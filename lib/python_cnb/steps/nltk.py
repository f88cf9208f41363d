"""NLTK corpora (build + launch + cache), as heroku-buildpack-python v242's steps/nltk: when the app
installs nltk and nltk.txt lists corpora, nltk's own downloader fetches them into this layer and
NLTK_DATA points here, at launch and for the build steps after it (v242 exports it to later
buildpacks too, hence build). Keyed on nltk.txt, the index URL and nltk's version: an unchanged
rebuild downloads nothing."""
import hashlib
import os
from typing import List, NamedTuple, Tuple

from .. import appfiles
from ..cnb.env import LayerEnv
from ..cnb.layers import Layer, LayerTypes
from ..errors import BuildpackError
from ..settings import NLTK_INDEX as INDEX_ENV
from ..url_secrets import stored
from ..reuse import against_previous, changed
from . import Result, StepContext

NAME = "nltk-data"
TYPES = LayerTypes(build=True, launch=True, cache=True)
LIST = "nltk.txt"
LEARN_MORE = "Learn more: https://devcenter.heroku.com/articles/python-nltk"

# nltk's downloader exits 0 even when a package fails, and asks "Retry?" on stdin unless told to
# stop (-e). So nltk itself is asked, before the download, which names its index lacks (the
# precise error) and, after, which of them are not installed.
_NOT_IN_INDEX = """import sys
from nltk.downloader import Downloader
d = Downloader(server_index_url=sys.argv[1] or None)
d.collections()  # fetches the index: an unreadable one fails here, not as a missing name
for name in sys.argv[2:]:
    try:
        d.info(name)
    except ValueError:
        print(name)
"""
_NOT_INSTALLED = """import sys
from nltk.downloader import Downloader
d = Downloader(server_index_url=sys.argv[2] or None)
for name in sys.argv[3:]:
    if d.status(name, download_dir=sys.argv[1]) != d.INSTALLED:
        print(name)
"""


class Metadata(NamedTuple):
    """What the corpora layer is keyed on (its [metadata])."""
    nltk_txt: str           # sha256 of nltk.txt
    index_url: str          # without its credentials (url_secrets.stored): a launch layer's TOML
    nltk_version: str


class Corpora(NamedTuple):
    names: Tuple[str, ...]
    index_url: str          # "" for nltk's default index
    metadata: Metadata


def wanted(app_dir: str, nltk_version: str, index_url: str) -> Corpora:
    """What nltk.txt asks for: names separated by whitespace (v242 reads one per line), '#' comments."""
    data = appfiles.read_bytes(app_dir, LIST, appfiles.SMALL)
    text = data.decode("utf-8-sig", errors="replace")
    if "\0" in text:
        raise BuildpackError("nltk.txt has a NUL character.", hint="Save it as plain text: corpus names, one per line.")
    names = tuple(word for line in text.splitlines() for word in line.split("#", 1)[0].split())
    return Corpora(names, index_url, Metadata(hashlib.sha256(data).hexdigest(), stored(index_url), nltk_version))


def reasons(old: Metadata, new: Metadata) -> List[str]:
    """Every way old differs from new, a phrase per field ([] when they match)."""
    return [_describe(name, a, b) for name, a, b in changed(old, new)]


def env(layers_dir: str) -> LayerEnv:
    """NLTK_DATA is this layer: for the build steps after it, later buildpacks and launch."""
    return LayerEnv().override("NLTK_DATA", os.path.join(layers_dir, NAME))


def run(step: StepContext) -> Result:
    """Provide the corpora when nltk is installed; NLTK_DATA for the rest of the build."""
    layer, log = step.layer(NAME), step.log
    nltk_version = dict(step.dists).get("nltk")
    if nltk_version is None or not os.path.isfile(os.path.join(step.app_dir, LIST)):
        _forget(layer)
        if nltk_version is not None:
            log.header("NLTK corpora")
            log.warning("'nltk.txt' not found, not downloading any corpora", hint=LEARN_MORE)
        return Result()
    log.header("NLTK corpora")
    corpora = wanted(step.app_dir, nltk_version, step.settings.nltk_index_url)
    if not corpora.names:
        _forget(layer)
        log.warning("nltk.txt lists no corpora, not downloading any", hint=LEARN_MORE)
        return Result()
    decision = against_previous(layer, corpora.metadata, reasons)
    if decision.reuse and layer.has_contents():
        layer.commit(TYPES, corpora.metadata._asdict())
        log.info("Reusing NLTK corpora: {} (nltk.txt, the index and nltk {} unchanged)".format(
            ", ".join(corpora.names), nltk_version))
    else:
        if decision.reason:
            log.info("Downloading the NLTK corpora again: {}".format(decision.reason))
        download(step, corpora)
    return Result(NAME, decision.reasons, env(step.layers_dir))


def download(step: StepContext, corpora: Corpora) -> None:
    assert step.python is not None
    layer, log = step.layer(NAME), step.log
    layer.reset()
    timer = log.timer()
    where = "the index at {}".format(corpora.index_url) if corpora.index_url else "nltk's default index"
    log.info("Downloading NLTK corpora from {}: {}".format(where, ", ".join(corpora.names)))
    unknown = _ask(step, _NOT_IN_INDEX, [corpora.index_url] + list(corpora.names), where)
    if unknown:
        many = len(unknown) > 1
        raise BuildpackError("nltk.txt lists {}, which {} does not have.".format(_named(unknown), where),
                             hint="Check the name{} in nltk.txt against {}, or set {} to an index that has "
                                  "{}.".format("s" if many else "", where, INDEX_ENV, "them" if many else "it"))
    url = ["-u", corpora.index_url] if corpora.index_url else []
    # -W: runpy's warning about nltk importing its own downloader is noise to the user.
    code = step.runner.run([step.python.path, "-W", "ignore::RuntimeWarning:runpy", "-m", "nltk.downloader", "-e",
                            "-d", layer.path] + url + ["--"] + list(corpora.names), step.env)
    failed = _ask(step, _NOT_INSTALLED, [layer.path, corpora.index_url] + list(corpora.names), where)
    if code != 0 or failed:
        raise BuildpackError("NLTK could not download {} listed in nltk.txt; the downloader's output is "
                             "above.".format(_named(failed or list(corpora.names))),
                             hint="Check that {} and the packages it lists can be reached from the build, "
                                  "then build again.".format(where))
    env(step.layers_dir).write(layer)
    layer.commit(TYPES, corpora.metadata._asdict())
    log.info("Downloaded {} NLTK {} in {}".format(
        len(corpora.names), "corpus" if len(corpora.names) == 1 else "corpora", timer.elapsed()))


def _ask(step: StepContext, script: str, args: List[str], where: str) -> List[str]:
    """The names a check script prints; its failure (nltk missing, the index unreadable) is an error."""
    assert step.python is not None
    answer = step.runner.capture([step.python.path, "-c", script] + args, step.env)
    if answer.returncode != 0:
        last = (answer.stderr.strip().splitlines() or ["exit {}".format(answer.returncode)])[-1]
        raise BuildpackError("NLTK could not read {}: {}".format(where, last),
                             hint="Check the URL (set {} to your own index) and the network, then build "
                                  "again.".format(INDEX_ENV))
    return answer.stdout.split()


def _named(names: List[str]) -> str:
    quoted = ", ".join("'{}'".format(n) for n in names)
    return ("the corpus " if len(names) == 1 else "the corpora ") + quoted


def _describe(key: str, old: object, new: object) -> str:
    if key == "nltk_txt":
        return "nltk.txt changed"
    if key == "index_url":
        return "the index URL changed ({} -> {})".format(old or "nltk's default", new or "nltk's default")
    return "nltk version changed ({} -> {})".format(old, new)


def _forget(layer: Layer) -> None:
    """No corpora wanted: a previous build's layer must not reach the image."""
    if os.path.exists(layer.toml_path) or os.path.isdir(layer.path):
        layer.reset()
