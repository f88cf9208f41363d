"""Byte-compiling installed packages with the runtime that will run them, reproducibly: the same
inputs give the same bytes, so image layers are reused and two builds of an app match.
- Unchecked-hash pycs (Python 3.7+, PEP 552) embed no source mtimes.
- PYTHONHASHSEED=0: marshal writes a set constant's items in hash order.
- PYTHONDONTWRITEBYTECODE=1: what the compiling interpreter itself imports at start-up (a .pth
  such as setuptools' distutils hack) must not leave a timestamp pyc that compileall then keeps.
- Fixed shards: marshal flags a constant by its reference count, which depends on what the
  process compiled before. So each of SHARDS processes compiles a fixed, sorted slice of the
  files; never a worker pool (which takes files in no fixed order) and never a count taken from
  the machine's CPUs (another machine would slice differently and write other bytes)."""
import os
from typing import List, Mapping, Sequence

from . import filetree
from .runner import Runner

SHARDS = 4

# Run by a runtime's own interpreter (3.7+) over its directory (argv[1]): each timestamp pyc that
# is current for its source (the mtime and size it records are the source's) gets a checked-hash
# header in place; the code after the header is unchanged. Checked: Python compares the source's
# hash instead of its time, so a source changed later (a damaged cache) still wins. Why: the lifecycle writes every layer
# file with the mtime 1980-01-01, so an archive's timestamp pycs (the standard library's) are
# stale in the cache and in the image, and every start compiled what it imported again (0.25 s
# for the reuse probe, 0.3 s for a Django app's first start; every start when the user cannot
# write the pyc). Prints how many it changed.
_HASHED_HEADERS = r'''
import os, sys, struct, importlib.util
magic, changed = importlib.util.MAGIC_NUMBER, 0
for top, dirs, names in os.walk(sys.argv[1]):
    dirs.sort()
    if os.path.basename(top) != "__pycache__":
        continue
    for name in sorted(names):
        pyc, source = os.path.join(top, name), os.path.join(os.path.dirname(top), name.split(".")[0] + ".py")
        try:
            with open(pyc, "rb") as f:
                head = f.read(16)
            st = os.stat(source)
            if len(head) < 16 or head[:4] != magic or head[4:8] != b"\0\0\0\0" or os.path.islink(pyc) \
                    or struct.unpack("<II", head[8:16]) != (int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF):
                continue
            with open(source, "rb") as f:
                digest = importlib.util.source_hash(f.read())
            with open(pyc, "r+b") as f:
                f.write(magic + b"\3\0\0\0" + digest)
            changed += 1
        except OSError:
            continue
sys.stdout.write(str(changed))
'''


def hash_based_headers(python: str, release: Sequence[int], root: str, env: Mapping[str, str], runner: Runner) -> str:
    """The runtime's own timestamp pycs under root as checked-hash ones (_HASHED_HEADERS): how
    many, or "" where Python has none (before 3.7) or the run failed (the pycs then stay as they
    were: slower starts, never wrong)."""
    if tuple(release[:2]) < (3, 7):
        return ""
    done = runner.capture([python, "-I", "-B", "-c", _HASHED_HEADERS, root], env)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip().isdigit() else ""


def compile_command(python: str, release: Sequence[int]) -> List[str]:
    """compileall reading the files to compile from stdin, one per line."""
    args = [python, "-m", "compileall", "-q"]
    if tuple(release[:2]) >= (3, 7):
        args += ["--invalidation-mode", "unchecked-hash"]
    return args + ["-i", "-"]


def sources(paths: Sequence[str]) -> List[str]:
    """The .py files compileall would find under paths, in sorted order: it skips __pycache__ and
    does not descend into linked directories. A name with a newline cannot be listed one per
    line; it stays uncompiled (Python compiles it in memory on import)."""
    found = []  # type: List[str]
    for top in sorted(paths):
        if os.path.isfile(top):
            found.append(top)
            continue
        for dirpath, dirnames, filenames in filetree.walk(top):
            dirnames[:] = [d for d in dirnames if d != "__pycache__" and not os.path.islink(os.path.join(dirpath, d))]
            found += [os.path.join(dirpath, f) for f in filenames if f.endswith(".py")]
    return sorted(f for f in found if "\n" not in f)


def shards(files: Sequence[str], count: int = SHARDS) -> List[List[str]]:
    """Consecutive slices of files of about equal source size (compile time follows size)."""
    sizes = [_size(f) for f in files]
    total, filled = sum(sizes), 0
    out = []  # type: List[List[str]]
    current = []  # type: List[str]
    for path, size in zip(files, sizes):
        current.append(path)
        filled += size
        if filled * count >= total * (len(out) + 1) and len(out) < count - 1:
            out.append(current)
            current = []
    return [s for s in out + [current] if s]


def compile_paths(python: str, release: Sequence[int], paths: Sequence[str], env: Mapping[str, str],
                  runner: Runner) -> int:
    """0, or compileall's exit code (1 when a file does not compile; its output is in the log then)."""
    files = sources(paths)
    if not files:
        return 0
    compile_env = dict(env, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    if release[0] >= 3:  # stdin carries file names: any bytes a file system allows (2.7 reads bytes)
        compile_env["PYTHONIOENCODING"] = "utf-8:surrogateescape"
    command = compile_command(python, release)
    codes = runner.run_together([(command, b"".join(os.fsencode(f) + b"\n" for f in shard)) for shard in shards(files)],
                                compile_env)
    return max(codes)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
