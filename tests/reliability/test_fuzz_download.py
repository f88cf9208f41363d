"""Properties of the download half, over generated input (bounded, so the family stays fast):
mirror settings, masking, catalog parsing and extraction end in a value or a BuildpackError,
never a traceback, never a leaked password, never a file outside the layer."""
import io
import os
import stat
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


# Names the sentinels outside the layer also have, so that an escape lands on one of them.
SEGMENT = st.sampled_from(["a", "b", "c", "outside", "victim", "..", ".", "", "bin", "x y", "\u00e9"])
PATH = st.lists(SEGMENT, min_size=1, max_size=4).map("/".join)
# "./a", "a/", "a//b": written the ways tar writers (and attackers) spell one path
SPELLED = st.tuples(st.sampled_from(["", "./", "/"]), PATH, st.sampled_from(["", "/", "/."])).map("".join)
KIND = st.sampled_from(["file", "dir", "symlink", "hardlink", "fifo"])
MEMBER = st.tuples(KIND, SPELLED, PATH, st.binary(max_size=64))
# Few names, long lists: chains of links to links through "..", a link then a file of the same
# name, a hard link to a link, a directory after its files.
NAME = st.lists(st.sampled_from(["a", "b", "c", "victim"]), min_size=1, max_size=2).map("/".join)
TARGET = st.lists(st.sampled_from(["a", "b", "c", "..", "."]), min_size=1, max_size=3).map("/".join)
SHORT_MEMBER = st.tuples(st.sampled_from(["file", "dir", "symlink", "symlink", "symlink", "hardlink"]),
                         st.tuples(st.sampled_from(["", "", "./"]), NAME, st.sampled_from(["", "", "/"])).map("".join),
                         TARGET, st.sampled_from([b"", b"PWNED"]))


def _archive(members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, link, data in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o4755 if len(data) % 3 == 1 else 0o644
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = link
            tar.addfile(info)
    return buf.getvalue()


def _plant_sentinels(top):
    """Files, directories and a link outside the layer with the names the generator uses, in its
    parent (top/layers) and grandparent (top), with old mtimes: any write, chmod or utime shows."""
    for here in (top, os.path.join(top, "layers")):
        for name in ("a", "victim", os.path.join("b", "victim"), os.path.join("outside", "victim"),
                     os.path.join("c", "a", "victim")):
            path = os.path.join(here, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"sentinel " + path.encode())
        os.symlink("b", os.path.join(here, "bin"))
    for here, dirs, files in os.walk(top):
        for name in dirs + files:
            os.utime(os.path.join(here, name), (1000, 1000), follow_symlinks=False)


def _outside_state(top, layer):
    """Everything under top but the layer's own contents, as (type, mode, mtime, bytes or target)."""
    state = {}
    for here, dirs, files in os.walk(top):
        if here == layer:
            dirs[:] = []
            continue
        for name in dirs + files:
            path = os.path.join(here, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                what = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as f:
                    what = f.read()
            else:
                what = None
            mtime = None if path == layer else info.st_mtime_ns  # the layer's own mtime changes
            state[os.path.relpath(path, top)] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), mtime, what)
    return state


def _extract_and_check(members):
    with tempfile.TemporaryDirectory() as tmp:
        top = os.path.join(tmp, "top")
        layer = os.path.join(top, "layers", "python")
        os.makedirs(layer)
        _plant_sentinels(top)
        archive = os.path.join(tmp, "python.tar.gz")
        with open(archive, "wb") as f:
            f.write(_archive(members))
        before = _outside_state(top, layer)
        try:
            extract(archive, layer, limits=UnpackLimits(max_bytes=1 << 20))
        except BuildpackError as e:
            assert e.message and e.hint
            assert os.listdir(layer) == []
        after = _outside_state(top, layer)
        assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
        assert sorted(os.listdir(tmp)) == ["python.tar.gz", "top"]
        root = os.path.realpath(layer)
        for dirpath, dirnames, filenames in os.walk(layer):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                real = os.path.realpath(path)
                assert real == root or real.startswith(root + os.sep), (path, real)
                info = os.lstat(path)
                assert stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode) or stat.S_ISLNK(info.st_mode), path
                assert not info.st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX), path


@BOUNDED
@given(st.lists(MEMBER, max_size=8))
def test_extracting_any_small_tar_stays_inside_the_layer(members):
    _extract_and_check(members)


@BOUNDED
@given(st.lists(SHORT_MEMBER, min_size=2, max_size=10))
def test_chains_of_links_over_few_names_stay_inside_the_layer(members):
    _extract_and_check(members)
