"""Trees a tampered cache, an archive or an app may hold: deeper than Python's recursion limit,
and directories the build's user cannot read or write (the lifecycle runs the build as a user
of the image, never root; root ignores those modes, so these tests unpack without root's powers)."""
import ctypes
import io
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


def _unpack_as_build_user(archive, dest):
    """extract(archive, dest) in a process that modes bind, as the lifecycle's build user; returns
    (the BuildpackError's message or None, the process's stderr)."""
    code = ("import sys; sys.path.insert(0, {lib!r})\n"
            "from python_cnb.archive import extract\nfrom python_cnb.errors import BuildpackError\n"
            "try:\n    extract({archive!r}, {dest!r}, compression='tar')\n"
            "except BuildpackError as e:\n    print(e.message)\n").format(lib=LIB, archive=archive, dest=dest)
    done = subprocess.run([sys.executable, "-I", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, preexec_fn=_without_root_powers)
    return done.stdout.strip() or None, done.stderr


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


def test_a_deep_layer_restored_from_the_cache_is_removed(tmp_path):
    layers = tmp_path / "layers"
    here = layers / "pip-cache"
    for _ in range(DEEP):
        here = here / "a"
    _makedirs_without_recursion(str(here))
    os.chmod(str(layers / "pip-cache" / "a"), 0o500)  # read-only: only root writes in it
    layer = Layer(str(layers), "pip-cache")
    layer.reset()
    assert os.listdir(layer.path) == []


def test_a_deep_app_tree_is_walked_not_a_recursion_error(tmp_path):
    here = tmp_path / "static"
    for _ in range(DEEP):
        here = here / "a"
    _makedirs_without_recursion(str(here))
    (here / "style.css").write_text("body {}")
    first = _tree_digest(str(tmp_path / "static"), [])
    (here / "style.css").write_text("body { color: red }")
    assert _tree_digest(str(tmp_path / "static"), []) != first


def test_walk_is_os_walk_top_down(tmp_path):
    for name in ("b/c/d", "a/e", "f"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "b" / "file").write_text("")
    (tmp_path / "link").symlink_to("b")  # listed with the directories, never entered
    (tmp_path / "a" / "e").chmod(0)
    as_os = [(h, sorted(d), sorted(n)) for h, d, n in os.walk(str(tmp_path))]
    ours = [(h, sorted(d), sorted(n)) for h, d, n in filetree.walk(str(tmp_path))]
    assert sorted(ours) == sorted(as_os)
    pruned = []
    for here, dirs, _ in filetree.walk(str(tmp_path)):
        dirs[:] = sorted(d for d in dirs if d != "b")
        pruned.append(os.path.relpath(here, str(tmp_path)))
    assert pruned == [".", "a", "a/e", "f"]


def _makedirs_without_recursion(path):
    filetree.make_dirs(path)
    assert os.path.isdir(path)
