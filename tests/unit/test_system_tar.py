"""The cache's plain tars unpacked by GNU tar (system_tar.py): the same tree archive.py's own
unpacking makes, and anything it would check, refuse or order with care left to it."""
import io
import os
import stat
import tarfile

import pytest

from python_cnb import archive, system_tar
from python_cnb.archive import UnpackLimits, extract
from python_cnb.errors import BuildpackError


def _tar(path, entries):
    with tarfile.open(str(path), "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


def _entry(name, kind=tarfile.REGTYPE, data=b"x", mode=0o644, linkname="", mtime=1000000):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, mtime, linkname
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    return info, None


def _tree(top):
    """Every entry under top: type, mode, mtime (files), bytes or link target."""
    found = {}
    for here, dirs, files in os.walk(str(top)):
        for name in dirs + files:
            path = os.path.join(here, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[os.path.relpath(path, str(top))] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[os.path.relpath(path, str(top))] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                with open(path, "rb") as f:
                    found[os.path.relpath(path, str(top))] = ("file", stat.S_IMODE(info.st_mode), info.st_mtime,
                                                              f.read())
    return found


# A layer as the cache's copies hold one: a single top directory, executables, a symlink to a
# file and one to a directory, a read-only directory, a file with a future mtime.
COPY = [_entry("dependencies", tarfile.DIRTYPE, mode=0o755),
        _entry("dependencies/bin/gunicorn", data=b"#!/bin/sh\n", mode=0o755),
        _entry("dependencies/lib/python3.12/site-packages/six.py", data=b"import sys\n" * 50),
        _entry("dependencies/lib/python3.12/site-packages/__pycache__/six.cpython-312.pyc", data=b"\0" * 300,
               mtime=4102444800),
        _entry("dependencies/lib/python3.12/site-packages/six-1.16.0.dist-info", tarfile.DIRTYPE, mode=0o555),
        _entry("dependencies/lib/python3.12/site-packages/six-1.16.0.dist-info/RECORD", data=b"six.py,,\n"),
        _entry("dependencies/bin/python", tarfile.SYMTYPE, linkname="gunicorn"),
        _entry("dependencies/site", tarfile.SYMTYPE, linkname="lib/python3.12/site-packages")]


def test_the_cache_copies_layout_is_unpacked_by_gnu_tar_as_the_checks_would(tmp_path, monkeypatch):
    plain = _tar(tmp_path / "dependencies.tar", COPY)
    by_checks = tmp_path / "checks"
    by_checks.mkdir()
    extract(plain, str(by_checks), "gz")  # tarfile reads any tar: the checks' own unpacking
    assert system_tar._gnu_tar(system_tar._PATH), "GNU tar is part of every build image this runs on"

    def not_here(*args):
        raise AssertionError("unpacked by archive.py, not GNU tar")
    monkeypatch.setattr(archive, "_extract_stream", not_here)
    by_tar = tmp_path / "tar"
    by_tar.mkdir()
    extract(plain, str(by_tar), "tar")
    assert _tree(by_tar) == _tree(by_checks)
    assert _tree(by_tar)["site"] == ("link", "lib/python3.12/site-packages")
    assert _tree(by_tar)["lib/python3.12/site-packages/six-1.16.0.dist-info"] == ("dir", 0o555)
    for top in (by_tar, by_checks):  # so pytest can remove them
        os.chmod(str(top / "lib/python3.12/site-packages/six-1.16.0.dist-info"), 0o755)


@pytest.mark.parametrize("entry", [
    _entry("lib/b", tarfile.LNKTYPE, linkname="lib/a"),  # a hard link: the checks order those
    _entry("lib/suid", mode=0o4755),  # the checks drop the bit
    _entry("./lib/dot"),
    _entry("lib//double"),
    _entry("lib/../up"),
    _entry("/abs"),
    _entry("lib/out", tarfile.SYMTYPE, linkname="../.."),
    _entry("lib/abs", tarfile.SYMTYPE, linkname="/etc"),
    _entry("lib/fifo", tarfile.FIFOTYPE),
    _entry("lib/a", data=b"again"),  # a second entry for a path
    _entry("lib/a/inside"),  # inside a file
    _entry("lib/link/through"),  # through a symlink
])
def test_what_gnu_tar_would_treat_otherwise_is_left_to_the_checks(tmp_path, entry):
    plain = _tar(tmp_path / "t.tar", [_entry("lib/a"), _entry("lib/link", tarfile.SYMTYPE, linkname="d"),
                                      _entry("lib/d/f"), entry])
    dest = tmp_path / "layer"
    dest.mkdir()
    assert not system_tar.unpacked(plain, str(dest), 100, 1 << 20)
    assert os.listdir(str(dest)) == []


@pytest.mark.parametrize("limits", [UnpackLimits(max_bytes=1 << 20, max_members=2), UnpackLimits(max_bytes=10)])
def test_an_archive_over_the_limits_is_refused_by_the_checks(tmp_path, limits):
    plain = _tar(tmp_path / "t.tar", [_entry("a", data=b"x" * 8), _entry("b", data=b"x" * 8), _entry("c")])
    dest = tmp_path / "layer"
    dest.mkdir()
    with pytest.raises(BuildpackError) as e:
        extract(plain, str(dest), "tar", limits)
    assert e.value.message.startswith("Refusing to unpack t.tar: it holds more than")
    assert os.listdir(str(dest)) == []


def _fake_tar(bin_dir, script):
    bin_dir.mkdir()
    tar = bin_dir / "tar"
    tar.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo "tar (GNU tar) 1.35"; exit 0; fi\n' + script)
    tar.chmod(0o755)
    return str(bin_dir)


def test_a_gnu_tar_that_fails_midway_leaves_nothing_and_the_checks_unpack(tmp_path, monkeypatch):
    # a full disk, say: tar wrote part of the layer and exited 2
    monkeypatch.setattr(system_tar, "_PATH", _fake_tar(tmp_path / "bin", 'for a; do d=$a; done\n'
                                                                        'echo partial > "$d/stray"\nexit 2\n'))
    plain = _tar(tmp_path / "dependencies.tar", COPY)
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(plain, str(dest), "tar")
    assert "stray" not in os.listdir(str(dest))
    assert (dest / "lib/python3.12/site-packages/six.py").read_bytes() == b"import sys\n" * 50
    os.chmod(str(dest / "lib/python3.12/site-packages/six-1.16.0.dist-info"), 0o755)


@pytest.mark.parametrize("version", ["tar (busybox) 1.36", ""])
def test_without_gnu_tar_the_checks_unpack(tmp_path, monkeypatch, version):
    bin_dir = tmp_path / "bin"
    if version:
        bin_dir.mkdir()
        (bin_dir / "tar").write_text('#!/bin/sh\necho "{}"\nexit 1\n'.format(version))
        (bin_dir / "tar").chmod(0o755)
    monkeypatch.setattr(system_tar, "_PATH", str(bin_dir))
    assert system_tar._gnu_tar(str(bin_dir)) is None
    plain = _tar(tmp_path / "t.tar", [_entry("bin/python3", data=b"py", mode=0o755)])
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(plain, str(dest), "tar")
    assert (dest / "bin" / "python3").read_bytes() == b"py"


def test_a_second_part_goes_beside_the_first_and_a_fallback_keeps_the_first(tmp_path):
    """The runtime's rest is unpacked into the layer its first part is in already."""
    dest = tmp_path / "layer"
    dest.mkdir()
    extract(_tar(tmp_path / "python.tar", [_entry("bin/python3", data=b"py", mode=0o755),
                                           _entry("lib/python3.12", tarfile.DIRTYPE, mode=0o755),
                                           _entry("lib/link", tarfile.SYMTYPE, linkname="python3.12")]),
            str(dest), "tar")
    first = _tree(dest)
    extract(_tar(tmp_path / "rest.tar", [_entry("lib/python3.12/data.txt", data=b"d"), _entry("include/Python.h")]),
            str(dest), "tar")
    assert _tree(dest) == dict(first, **{"lib/python3.12/data.txt": ("file", 0o644, 1000000, b"d"),
                                         "include": ("dir", 0o755), "include/Python.h": ("file", 0o644, 1000000, b"x")})
    # an entry through the first part's link: left to the checks, which keep the first part
    assert not system_tar.unpacked(_tar(tmp_path / "more.tar", [_entry("lib/link/more")]), str(dest), 100, 1 << 20)
    assert _tree(dest) == dict(first, **{"lib/python3.12/data.txt": ("file", 0o644, 1000000, b"d"),
                                         "include": ("dir", 0o755), "include/Python.h": ("file", 0o644, 1000000, b"x")})


def test_what_tar_unpacked_otherwise_than_listed_is_removed_and_the_first_part_kept(tmp_path, monkeypatch):
    dest = tmp_path / "layer"
    (dest / "bin").mkdir(parents=True)
    (dest / "bin" / "python3").write_bytes(b"py")
    monkeypatch.setattr(system_tar, "_PATH", _fake_tar(tmp_path / "bin", 'for a; do d=$a; done\n'
                                                                        'mkdir -p "$d/lib/other"\necho x > "$d/lib/other/f"\n'))
    assert not system_tar.unpacked(_tar(tmp_path / "rest.tar", [_entry("lib/python3.12/data.txt")]), str(dest), 100,
                                   1 << 20)
    assert sorted(os.listdir(str(dest))) == ["bin"] and (dest / "bin" / "python3").read_bytes() == b"py"


# -- archives tarfile and GNU tar would read differently (found in review) ------------------------

def _block(info, data=b"", fmt=tarfile.USTAR_FORMAT):
    header = bytearray(info.tobuf(fmt, "utf-8", "surrogateescape"))
    return header + (data + b"\0" * (-len(data) % 512) if data else b"")


def _checksummed(header):
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header[:512])
    return header


def _unreadable_to_tarfile(header):
    """A header tarfile stops at (devmajor not a number) and tar reads: tar only reads the
    field for devices."""
    header[329:337] = b"zzzzzzz\0"
    return _checksummed(header)


def _write(path, *blocks):
    path.write_bytes(b"".join(bytes(b) for b in blocks) + b"\0" * 10240)
    return str(path)


def _dest(tmp_path, name="layer"):
    dest = tmp_path / name
    dest.mkdir()
    (tmp_path / "victim").write_bytes(b"orig")
    return dest


def test_an_entry_tarfile_cannot_read_never_reaches_the_layer(tmp_path):
    archive = _write(tmp_path / "t.tar", _block(*_entry("bin/tool", data=b"ok\n", mode=0o755)),
                     _unreadable_to_tarfile(_block(*_entry("bin/tool", data=b"XX\n", mode=0o4755))))
    dest = _dest(tmp_path)
    assert not system_tar.unpacked(archive, str(dest), 100, 1 << 20)
    assert os.listdir(str(dest)) == []
    extract(archive, str(dest), "tar")  # the checks read what tarfile reads
    assert (dest / "bin" / "tool").read_bytes() == b"ok\n"
    assert stat.S_IMODE((dest / "bin" / "tool").stat().st_mode) == 0o755


@pytest.mark.parametrize("magic", [b"ustar  \0", b"\0" * 8])  # old GNU, v7
def test_a_header_that_is_not_posix_is_left_to_the_checks(tmp_path, magic):
    """tarfile puts a ustar prefix before any header's name, GNU tar only before a POSIX one's."""
    header = _block(*_entry("a/victim", data=b"pwned"))
    header[257:265] = magic
    header[345:346] = b"p"
    archive = _write(tmp_path / "t.tar", _block(*_entry("bin/python3")), _checksummed(header))
    dest = _dest(tmp_path)
    assert not system_tar.unpacked(archive, str(dest), 100, 1 << 20)
    assert os.listdir(str(dest)) == []


def test_a_second_part_never_goes_through_a_link_of_the_first_that_leads_up(tmp_path):
    """The first part's links resolve inside the layer; one of the second part's would make
    one of them lead out."""
    outside = tmp_path / "layers"
    dest = outside / "python"
    dest.mkdir(parents=True)
    (outside / "victim").write_bytes(b"orig")
    extract(_write(tmp_path / "python.tar", _block(*_entry("bin/python3", data=b"py", mode=0o755)),
                   _block(*_entry("b", tarfile.SYMTYPE, linkname="c/d")),
                   _block(*_entry("a", tarfile.SYMTYPE, linkname="b/../.."))), str(dest), "tar")
    for rest in ([_block(*_entry("lib/x", data=b"x"))],
                 [_block(*_entry("lib/x", data=b"x")), _block(*_entry("c", tarfile.DIRTYPE, mode=0o755)),
                  _block(*_entry("c/d", tarfile.SYMTYPE, linkname=".")), _block(*_entry("a/victim", data=b"pwned"))]):
        assert not system_tar.unpacked(_write(tmp_path / "rest.tar", *rest), str(dest), 100, 1 << 20)
    assert (outside / "victim").read_bytes() == b"orig"
    assert sorted(os.listdir(str(dest))) == ["a", "b", "bin"]


@pytest.mark.parametrize("entry", [_entry(".", tarfile.DIRTYPE, mode=0o777),
                                   _entry("lib/here", tarfile.SYMTYPE, linkname=".")])
def test_the_layer_itself_is_never_an_entry(tmp_path, entry):
    dest = _dest(tmp_path)
    dest.chmod(0o755)
    archive = _write(tmp_path / "t.tar", _block(*entry), _block(*_entry("bin/tool")))
    assert not system_tar.unpacked(archive, str(dest), 100, 1 << 20)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o755 and os.listdir(str(dest)) == []


def test_a_file_of_the_second_part_never_lands_on_one_of_the_first(tmp_path):
    """A hard link in the first part: archive.py writes through it, tar replaces the name."""
    dest = _dest(tmp_path)
    extract(_write(tmp_path / "python.tar", _block(*_entry("bin/python3", data=b"old!")),
                   _block(*_entry("bin/python3.12", tarfile.LNKTYPE, linkname="bin/python3"))), str(dest), "tar")
    rest = _write(tmp_path / "rest.tar", _block(*_entry("bin/python3.12", data=b"new!", mode=0o700)))
    assert not system_tar.unpacked(rest, str(dest), 100, 1 << 20)
    extract(rest, str(dest), "tar")
    assert (dest / "bin" / "python3").read_bytes() == (dest / "bin" / "python3.12").read_bytes() == b"new!"


@pytest.mark.parametrize("pax", [{"SCHILY.xattr.user.x": "1"}, {"GNU.sparse.realsize": "100"}, {"size": "1"}])
def test_pax_records_tar_may_apply_otherwise_are_left_to_the_checks(tmp_path, pax):
    info, data = _entry("bin/tool", data=b"x")
    info.pax_headers = pax
    archive = _write(tmp_path / "t.tar", _block(info, data, tarfile.PAX_FORMAT))
    assert not system_tar.unpacked(archive, str(_dest(tmp_path)), 100, 1 << 20)


def test_a_global_header_is_left_to_the_checks(tmp_path):
    with tarfile.open(str(tmp_path / "t.tar"), "w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "x"}) as tar:
        info, data = _entry("bin/tool")
        tar.addfile(info, io.BytesIO(data))
    assert not system_tar.unpacked(str(tmp_path / "t.tar"), str(_dest(tmp_path)), 100, 1 << 20)


def test_a_mode_tar_set_otherwise_than_listed_is_not_taken(tmp_path, monkeypatch):
    monkeypatch.setattr(system_tar, "_PATH", _fake_tar(tmp_path / "bin", 'for a; do d=$a; done\n'
                                                                        'mkdir -p "$d/bin"\nprintf x > "$d/bin/tool"\n'
                                                                        'chmod 600 "$d/bin/tool"\n'))
    archive = _tar(tmp_path / "t.tar", [_entry("bin/tool", data=b"x", mode=0o755)])
    dest = _dest(tmp_path)
    assert not system_tar.unpacked(archive, str(dest), 100, 1 << 20)
    assert os.listdir(str(dest)) == []
