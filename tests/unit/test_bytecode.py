"""Sharded byte-compiling: which files each process compiles, and that the bytes do not depend on
the run (the e2e reproducibility test checks whole layers)."""
import hashlib
import io
import os
import shutil
import sys

from fakes import write_file
from python_cnb import bytecode
from python_cnb.log import Log
from python_cnb.runner import Runner


def tree(root):
    for name, text in {"pkg/__init__.py": "X = {1, 2, 'a', 'b'}\n", "pkg/big.py": "Y = 1\n" * 4000,
                       "pkg/sub/mod.py": "def f():\n    return 'ok'\n", "pkg/__pycache__/old.py": "",
                       "pkg/data.txt": "not python\n", "other/z.py": "Z = (1, 2)\n" * 500}.items():
        write_file(os.path.join(root, name), text)
    os.symlink(os.path.join(root, "other"), os.path.join(root, "pkg", "linked"))
    for dirpath, _, filenames in os.walk(root):  # Python < 3.7 writes the source's mtime in a pyc
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (1, 1))


def test_sources_are_what_compileall_would_find_sorted(tmp_path):
    root = str(tmp_path)
    tree(root)
    assert bytecode.sources([os.path.join(root, "pkg"), os.path.join(root, "other", "z.py")]) == [
        os.path.join(root, p) for p in ("other/z.py", "pkg/__init__.py", "pkg/big.py", "pkg/sub/mod.py")]


def test_shards_are_consecutive_slices_of_about_equal_size(tmp_path):
    files = []
    for i, size in enumerate([100, 100, 100, 100, 400, 100, 100, 100, 100, 1]):
        files.append(os.path.join(str(tmp_path), "m{:02}.py".format(i)))
        write_file(files[-1], "#" * size)
    parts = bytecode.shards(files, 4)
    assert [f for part in parts for f in part] == files
    assert [len(p) for p in parts] == [4, 1, 2, 3]  # cut where a quarter of the bytes is reached
    assert bytecode.shards(files[:1], 4) == [files[:1]]
    assert bytecode.shards([], 4) == []


def digests(root):
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".pyc"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    out[os.path.relpath(os.path.join(dirpath, name), root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def test_compiling_twice_gives_the_same_bytes_and_every_file_its_pyc(tmp_path):
    results = []
    root = os.path.join(str(tmp_path), "app")  # a pyc names its source's path: the same in both runs
    for _ in range(2):
        tree(root)
        runner = Runner(Log(io.StringIO()))
        assert bytecode.compile_paths(sys.executable, sys.version_info[:3], [os.path.join(root, "pkg")],
                                      dict(os.environ), runner) == 0
        results.append(digests(root))
        shutil.rmtree(root)
    assert results[0] == results[1]
    assert sorted(os.path.dirname(os.path.dirname(p)) for p in results[0]) == ["pkg", "pkg", "pkg/sub"]


def test_a_file_that_does_not_compile_fails_its_shard_and_shows_why(tmp_path):
    root = str(tmp_path)
    write_file(os.path.join(root, "good.py"), "A = 1\n")
    write_file(os.path.join(root, "bad.py"), "def (:\n")
    out = io.StringIO()
    code = bytecode.compile_paths(sys.executable, sys.version_info[:3], [root], dict(os.environ), Runner(Log(out)))
    assert code == 1
    assert "bad.py" in out.getvalue() and "SyntaxError" in out.getvalue()
    assert os.listdir(os.path.join(root, "__pycache__")) == ["good.{}.pyc".format(sys.implementation.cache_tag)]
