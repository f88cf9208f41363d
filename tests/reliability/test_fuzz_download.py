"""Properties of the download half, over generated input (bounded, so the family stays fast):
mirror settings, masking, catalog parsing and extraction end in a value or a BuildpackError,
never a traceback, never a leaked password, never a file outside the layer."""
import io
import os
import tarfile
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from python_cnb import catalog, vendored
from python_cnb.archive import UnpackLimits, extract
from python_cnb.errors import BuildpackError
from python_cnb.log import mask
from python_cnb.mirror import mirrored_url
from python_cnb.urls import url_problem

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORIGINAL = "https://user:CatSecret@origin.example.org/runtimes/python-3.12.1.tar.gz"

# Characters a setting or a password may hold: ASCII, URL punctuation, Unicode spaces and letters.
ODD = st.sampled_from(list(":/@[]{}%?#,=. \t\u00a0\u2003\u3000\uff20\u00e9\u0130-_~!$&'()*+;") + ["%7B", "%40"])
TEXT = st.lists(st.one_of(st.characters(min_codepoint=32, max_codepoint=0x2FFF), ODD), max_size=40).map("".join)


@BOUNDED
@given(st.sampled_from(["https://", "http://127.0.0.1:", "file://", "http://", "", "ftp://", "https://m.example/"]),
       TEXT, st.sampled_from(["BP_DEPENDENCY_MIRROR", "BP_DEPENDENCY_MIRROR_ORIGIN_EXAMPLE_ORG",
                              "BP_DEPENDENCY_MIRROR_EXAMPLE_ORG"]))
def test_a_mirror_setting_gives_a_usable_url_or_a_buildpack_error(head, tail, variable):
    try:
        url = mirrored_url(ORIGINAL, {variable: head + tail})
    except BuildpackError as e:
        assert e.message and e.hint
        assert "CatSecret" not in str(e)
        return
    assert url_problem(url) is None, url
    if url != ORIGINAL:
        assert "CatSecret" not in url  # the catalog's credentials never reach a mirror


PASSWORD = st.text(st.characters(blacklist_characters="/\r\n\x85\u2028\u2029", blacklist_categories=("Cs",),
                                  min_codepoint=32), min_size=6,
                   max_size=30)
SURROUNDING = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",), min_codepoint=32),
                      max_size=30)


@BOUNDED
@given(SURROUNDING, st.sampled_from(["https", "http", "git+https", "file"]),
       st.text(st.characters(blacklist_characters="/\r\n@:", blacklist_categories=("Cs",), min_codepoint=33),
               max_size=10), PASSWORD,
       st.sampled_from(["pypi.example.org", "127.0.0.1:8080", "[::1]:443"]), SURROUNDING)
def test_a_password_in_a_url_never_survives_masking(before, scheme, user, password, host, after):
    rest = before + scheme + "://" + user + ":" + "@" + host + "/simple " + after
    if password in rest:  # it would be there anyway, as other text
        return
    text = before + scheme + "://" + user + ":" + password + "@" + host + "/simple " + after
    masked = mask(text)
    assert password not in masked
    assert host + "/simple" in masked


SCALAR = st.one_of(st.sampled_from(["3.12.1", "3.12", "amd64", "", "debian", "12", "a" * 64,
                                    "http://127.0.0.1:9/x.tar.gz", "https://[oops", "relative.tar.gz"]), TEXT)
NODE = st.recursive(st.one_of(SCALAR, st.none()),
                    lambda children: st.one_of(st.lists(children, max_size=3),
                                               st.dictionaries(SCALAR, children, max_size=3)), max_leaves=8)
FIELDS = ["name", "stack_ids", "distro", "default_version", "runtimes", "version", "arch", "url", "sha256"]


def _valid():
    return {"name": "Debian-12", "stack_ids": ["io.buildpacks.stacks.bookworm"],
            "distro": {"name": "debian", "version": "12"}, "default_version": "3.12.1",
            "runtimes": [{"version": "3.12.1", "arch": "amd64", "url": "http://127.0.0.1:9/p.tar.gz", "sha256": ""}]}


def _load(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "catalog.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            return catalog.load_stacks([path])
        except BuildpackError as e:
            assert e.message.startswith("The runtime catalog {} ".format(path))
            return None


@BOUNDED
@given(st.sampled_from(FIELDS), NODE, st.booleans())
def test_a_catalog_with_any_field_replaced_loads_or_is_a_buildpack_error(field, value, in_runtime):
    doc = _valid()
    target = doc["runtimes"][0] if in_runtime else doc
    target[field] = value
    stacks = _load(vendored.load("yaml").safe_dump(doc, allow_unicode=True))
    if stacks is not None:
        for runtime in stacks[0].runtimes:
            assert isinstance(runtime.url, str) and url_problem(runtime.url) is None
            assert isinstance(runtime.arch, str) and len(runtime.sha256) in (0, 64)


@BOUNDED
@given(st.one_of(NODE.map(lambda n: vendored.load("yaml").safe_dump(n, allow_unicode=True)), TEXT))
def test_any_yaml_document_loads_or_is_a_buildpack_error(text):
    _load(text)


SEGMENT = st.sampled_from(["a", "b", "..", ".", "", "bin", "python", "lib", "x y", "\u00e9"])
PATH = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
MEMBER = st.tuples(st.sampled_from(["file", "dir", "symlink", "hardlink", "fifo"]),
                   st.one_of(PATH, PATH.map(lambda p: "/" + p)), PATH, st.binary(max_size=64))


def _archive(members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for kind, name, link, data in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = link
            tar.addfile(info)
    return buf.getvalue()


@BOUNDED
@given(st.lists(MEMBER, max_size=8))
def test_extracting_any_small_tar_stays_inside_the_layer(members):
    with tempfile.TemporaryDirectory() as outer:
        archive = os.path.join(outer, "python.tar.gz")
        with open(archive, "wb") as f:
            f.write(_archive(members))
        layer = os.path.join(outer, "layers", "python")
        os.makedirs(layer)
        try:
            extract(archive, layer, limits=UnpackLimits(max_bytes=1 << 20))
        except BuildpackError as e:
            assert e.message
            assert os.listdir(layer) == []
        assert sorted(os.listdir(outer)) == ["layers", "python.tar.gz"]
        assert os.listdir(os.path.join(outer, "layers")) == ["python"]
        root = os.path.realpath(layer)
        for dirpath, dirnames, filenames in os.walk(layer):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                real = os.path.realpath(path)
                assert real == root or real.startswith(root + os.sep), (path, real)
