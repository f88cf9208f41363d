"""Trees a tampered cache, an archive or an app may hold: deeper than Python's recursion limit,
and directories the build's user cannot read or write (the lifecycle runs the build as a user
of the image, never root; root ignores those modes, so these tests unpack without root's powers)."""
import ctypes
import io
import json
import os
import stat
import subprocess
import sys
import tarfile

import pytest

from python_cnb import filetree
from python_cnb.archive import extract
from python_cnb.cnb.layers import Layer
from python_cnb.errors import BuildpackError
from python_cnb.steps.collectstatic import _tree_digest

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "lib")
DEEP = 1200  # levels: os.walk, shutil.rmtree and os.makedirs recurse a frame a level


@pytest.fixture(autouse=True)
def no_deep_tree_left(tmp_path):
    """pytest's own clean-up (shutil.rmtree before 3.12) would meet the recursion limit."""
    yield
    filetree.empty(str(tmp_path))


def _tar(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, mode, data in entries:
            info = tarfile.TarInfo(name)
            info.type, info.mode = kind, mode
            if kind == tarfile.SYMTYPE:
                info.linkname = data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def _dir(name, mode=0o755):
    return name, tarfile.DIRTYPE, mode, b""


def _file(name, data=b"x"):
    return name, tarfile.REGTYPE, 0o644, data


def _link(name, target):
    return name, tarfile.SYMTYPE, 0o777, target


# Linux capabilities that let root pass over modes: DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER
_PASS_OVER_MODES = (1, 2, 3)
_PR_CAPBSET_DROP = 24


def _without_root_powers():
    """In the child: drop the capabilities to ignore modes, so that its exec runs as a user would
    (still root's uid, so it reaches the interpreter under /root; a user's tests drop nothing)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _PASS_OVER_MODES if os.geteuid() == 0 else ():
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _as_build_user(code):
    """Python code run in a process that modes bind, as the lifecycle's build user; its stdout
    and stderr. LIB is on its sys.path."""
    done = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, {!r})\n".format(LIB) + code],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          preexec_fn=_without_root_powers)
    return done.stdout.strip(), done.stderr


def _unpack_as_build_user(archive, dest):
    """extract(archive, dest) as the build user: (the BuildpackError's message or None, stderr)."""
    said, stderr = _as_build_user(
        "from python_cnb.archive import extract\nfrom python_cnb.errors import BuildpackError\n"
        "try:\n    extract({!r}, {!r}, compression='tar')\n"
        "except BuildpackError as e:\n    print(e.message)\n".format(archive, dest))
    return said or None, stderr


def _layer(tmp_path):
    dest = os.path.join(str(tmp_path), "python")
    os.mkdir(dest)
    return dest


def test_a_read_only_directory_under_the_top_one_moves_up_with_its_mode(tmp_path):
    """Moving a directory to another parent rewrites its "..": a read-only one could not move,
    and the build ended with a bare PermissionError."""
    archive = _tar(os.path.join(str(tmp_path), "t.tar"), [_dir("python/"), _dir("python/lib/", 0o555),
                                                    _file("python/lib/x"), _file("python/bin/python3")])
    dest = _layer(tmp_path)
    said, stderr = _unpack_as_build_user(archive, dest)
    assert (said, stderr) == (None, "")
    assert sorted(os.listdir(dest)) == ["bin", "lib"]
    assert stat.S_IMODE(os.stat(os.path.join(dest, "lib")).st_mode) == 0o555
    assert os.listdir(os.path.join(dest, "lib")) == ["x"]


def test_a_top_directory_the_build_cannot_write_is_still_stripped(tmp_path):
    archive = _tar(os.path.join(str(tmp_path), "t.tar"), [_dir("python/", 0o555), _file("python/bin/python3")])
    dest = _layer(tmp_path)
    assert _unpack_as_build_user(archive, dest) == (None, "")
    assert os.listdir(dest) == ["bin"]


def test_a_directory_the_build_cannot_list_is_refused_not_passed_over(tmp_path):
    """d/l -> ../.. is inside the layer under python/, and out of it once python/ is stripped;
    os.walk skipped the unreadable d/ (mode 0300), so the link was never checked."""
    archive = _tar(os.path.join(str(tmp_path), "t.tar"), [_dir("python/"), _file("python/bin/python3"),
                                                    _dir("python/d/", 0o300), _link("python/d/l", "../..")])
    dest = _layer(tmp_path)
    said, stderr = _unpack_as_build_user(archive, dest)
    assert said == ("Refusing to unpack t.tar: directory 'd' cannot be read (Permission denied), so the links in "
                    "it cannot be checked.") and stderr == ""
    assert os.listdir(dest) == []  # emptied, the unreadable directory too


def test_a_tree_deeper_than_the_recursion_limit_unpacks_and_is_checked(tmp_path):
    """Names without their directories' entries, DEEP levels down: every parent is made, the links
    are all found, and one pointing out once the top directory is stripped is refused."""
    deep = "python/" + "a/" * DEEP
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(_tar(str(tmp_path / "ok.tar"), [_file("python/bin/python3"), _file(deep + "x"), _link(deep + "l", "x"),
                                            _dir(deep + "d/")]), str(dest), compression="tar")
    assert os.readlink(str(dest) + "/" + "a/" * DEEP + "l") == "x"
    filetree.remove(str(dest))
    dest.mkdir()
    out = "../" * (DEEP + 1)  # inside the layer from python/..., out of it one level up
    with pytest.raises(BuildpackError) as e:
        extract(_tar(str(tmp_path / "out.tar"), [_file(deep + "x"), _link(deep + "l", out)]), str(dest),
                compression="tar")
    assert e.value.message == "Refusing to unpack out.tar: entry '{}l' is a symlink out of the layer.".format("a/" * DEEP)
    assert os.listdir(str(dest)) == []


def test_names_with_dot_dot_parts_make_no_directory_outside_the_layer(tmp_path):
    """Found in review: the name is checked where it ends, and tarfile made the parents of the
    raw name one by one: python/x/../../.. is the layer's parent, and escaped/ was made there."""
    layers = tmp_path / "layers"
    dest = layers / "python"
    dest.mkdir(parents=True)
    extract(_tar(str(tmp_path / "t.tar"), [_file("python/bin/python3"),
                                           _dir("python/x/../../../escaped/../python/python/d/")]),
            str(dest), compression="tar")
    assert os.listdir(str(layers)) == ["python"]
    # the name ends at python/python/d, which the top directory's strip makes d
    assert sorted(os.listdir(str(dest))) == ["bin", "d"]


@pytest.mark.parametrize("mtime", [str(1 << 70), "nan", "inf", "-1e30"])  # as a pax header says it
@pytest.mark.parametrize("kind", [tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.LNKTYPE])
def test_a_time_no_file_can_take_is_a_clear_refusal(tmp_path, mtime, kind):
    """Found in review: os.utime raised OverflowError or ValueError past the checks, and the
    cache's copies then ended the build with an internal error instead of a reinstall."""
    info = tarfile.TarInfo("python/x")
    info.type, info.pax_headers = kind, {"mtime": mtime}
    if kind == tarfile.LNKTYPE:
        info.linkname = "python/bin/python3"
    path = str(tmp_path / "t.tar")
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        first = tarfile.TarInfo("python/bin/python3")
        tar.addfile(first, io.BytesIO(b""))
        tar.addfile(info, io.BytesIO(b""))
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(path, str(dest), compression="tar")
    assert e.value.message.startswith("Refusing to unpack t.tar: entry 'python/x' is stamped with a time out of range (")
    assert os.listdir(str(dest)) == []


def test_a_chain_of_links_longer_than_realpath_follows_is_a_clear_refusal(tmp_path):
    """realpath follows links a frame a link before 3.13: each entry is checked through the
    chain before it, and a chain of DEEP links ended the build with a RecursionError."""
    entries = [_file("bin/python3"), _link("l0", "bin")] + [_link("l%d" % i, "l%d" % (i - 1)) for i in range(1, DEEP)]
    dest = tmp_path / "layer"
    dest.mkdir()
    chain = tmp_path / "chain"
    chain.mkdir()
    for name, _, _, target in entries[1:]:
        os.symlink(target, str(chain / name))
    try:
        os.path.realpath(str(chain / "l{}".format(DEEP - 1)))
        followed = True
    except RecursionError:
        followed = False
    archive = _tar(str(tmp_path / "t.tar"), entries)
    if followed:
        extract(archive, str(dest), compression="tar")
        assert os.path.realpath(str(dest / "l{}".format(DEEP - 1))) == str(dest / "bin")
    else:
        with pytest.raises(BuildpackError) as e:
            extract(archive, str(dest), compression="tar")
        assert e.value.message == "Refusing to unpack t.tar: it holds a chain of links too long to follow."
        assert os.listdir(str(dest)) == []


def test_a_deep_read_only_layer_restored_from_the_cache_is_removed(tmp_path):
    layers = tmp_path / "layers"
    here = layers / "pip-cache"
    for _ in range(DEEP):
        here = here / "a"
    filetree.make_dirs(str(here))
    (here / "f").write_text("")
    os.chmod(str(layers / "pip-cache" / "a"), 0o500)  # read-only
    os.chmod(str(layers / "pip-cache" / "a" / "a"), 0)  # unreadable too
    said, stderr = _as_build_user("from python_cnb.cnb.layers import Layer\nimport os\n"
                                  "layer = Layer({!r}, 'pip-cache')\nlayer.reset()\n"
                                  "print(os.listdir(layer.path))\n".format(str(layers)))
    assert (said, stderr) == ("[]", "")


def test_a_layer_whose_paths_are_longer_than_path_max_is_removed(tmp_path):
    """Found in review: removal by full paths fails past PATH_MAX (4096) where rmtree, by open
    directories, did not: 20 levels of 250-character names."""
    layers = tmp_path / "layers"
    (layers / "pip-cache").mkdir(parents=True)
    fd = os.open(str(layers / "pip-cache"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(20):
            os.mkdir("n" * 250, dir_fd=fd)
            below = os.open("n" * 250, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = below
        os.close(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    finally:
        os.close(fd)
    Layer(str(layers), "pip-cache").reset()
    assert os.listdir(str(layers / "pip-cache")) == []


def test_remove_needs_no_read_permission_on_the_parent_as_rm_does(tmp_path):
    """Found in review: opening the parent to read it asked more than rm -rf needs."""
    (tmp_path / "p" / "t" / "u").mkdir(parents=True)
    (tmp_path / "p").chmod(0o300)
    said, stderr = _as_build_user("import os\nfrom python_cnb import filetree\nfiletree.remove({!r})\n"
                                  "print(os.path.lexists({!r}))\n".format(str(tmp_path / "p" / "t"),
                                                                          str(tmp_path / "p" / "t")))
    (tmp_path / "p").chmod(0o755)
    assert (said, stderr) == ("False", "")


def test_empty_never_empties_what_a_link_in_the_place_of_the_directory_points_to(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "kept").write_text("")
    (tmp_path / "layer").symlink_to("elsewhere")
    filetree.empty(str(tmp_path / "layer"))
    assert os.listdir(str(tmp_path / "elsewhere")) == ["kept"]


def test_a_deep_app_tree_is_walked_not_a_recursion_error(tmp_path):
    here = tmp_path / "static"
    for _ in range(DEEP):
        here = here / "a"
    filetree.make_dirs(str(here))
    (here / "style.css").write_text("body {}")
    first = _tree_digest(str(tmp_path / "static"), [])
    (here / "style.css").write_text("body { color: red }")
    assert _tree_digest(str(tmp_path / "static"), []) != first


def test_walk_is_os_walk_top_down_for_the_build_user(tmp_path):
    for name in ("b/c/d", "a/e/g", "f"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "b" / "file").write_text("")
    (tmp_path / "link").symlink_to("b")  # listed with the directories, never entered
    (tmp_path / "a" / "e").chmod(0)  # listed in a, and passed over
    said, stderr = _as_build_user(
        "import json, os\nfrom python_cnb import filetree\n"
        "def pruned(walk):\n"
        "    out = []\n"
        "    for here, dirs, names in walk:\n"
        "        dirs[:] = [d for d in dirs if d != 'c']\n"
        "        out.append([here, dirs, names])\n"
        "    return out\n"
        "print(json.dumps([pruned(os.walk({top!r})), pruned(filetree.walk({top!r}))]))\n".format(top=str(tmp_path)))
    assert stderr == ""
    as_os, ours = json.loads(said)
    assert ours == as_os
    assert [os.path.relpath(here, str(tmp_path)) for here, _, _ in ours] == \
        [os.path.relpath(here, str(tmp_path)) for here, _, _ in as_os]
    assert sorted(os.path.relpath(here, str(tmp_path)) for here, _, _ in ours) == [".", "a", "b", "f"]


def test_make_dirs_makes_what_makedirs_makes(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    filetree.make_dirs("rel/b")
    filetree.make_dirs(str(tmp_path / "x" / ".." / "y" / "z"))
    filetree.make_dirs(str(tmp_path / "y"))  # there already
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError):
        filetree.make_dirs(str(tmp_path / "file" / "d"))
    assert sorted(os.listdir(str(tmp_path))) == ["file", "rel", "x", "y"]
    assert os.listdir(str(tmp_path / "rel")) == ["b"] and os.listdir(str(tmp_path / "y")) == ["z"]
