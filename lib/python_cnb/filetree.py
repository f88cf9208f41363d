"""Walking and removing trees a tampered cache or archive may have shaped: deeper than Python's
recursion limit (os.walk and shutil.rmtree recurse a frame a level before 3.12), with directories
the build user cannot read or write (only root ignores those modes), with links never followed."""
import os
import stat
from typing import Iterator, List, Optional, Tuple


def walk(top: str) -> Iterator[Tuple[str, List[str], List[str]]]:
    """os.walk(top) as it walks by default: top-down, links to directories listed with the
    directories and not entered, a directory that cannot be listed passed over, and the caller
    may prune or sort the directories it is given."""
    pending = [top]
    while pending:
        here = pending.pop()
        dirs, names = [], []  # type: List[str], List[str]
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else names).append(entry.name)
        except OSError:
            continue
        yield here, dirs, names
        below = (os.path.join(here, name) for name in dirs)
        pending.extend(reversed([path for path in below if not os.path.islink(path)]))


def make_dirs(path: str) -> None:
    """os.makedirs(path, exist_ok=True), which recurses a frame a level."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            if not os.path.isdir(path):
                raise


def symlinks_under(top: str) -> Iterator[str]:
    """Every symlink under top, as a path. A directory that cannot be listed raises its OSError:
    os.walk would skip it, and a link in it would go unchecked."""
    pending = [top]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    yield entry.path
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)


def remove(path: str) -> None:
    """path and everything under it, as rm -rf does; a directory that is not open to its owner is
    opened first (the build user made it, or unpacked it, so it owns it). Tries everything, then
    raises the first OSError met."""
    first: Optional[OSError] = None
    pending = [(path, False)]  # type: List[Tuple[str, bool]]  # (path, its entries already listed)
    while pending:
        here, listed = pending.pop()
        try:
            if listed:
                os.rmdir(here)
                continue
            mode = os.lstat(here).st_mode
            if not stat.S_ISDIR(mode):
                os.unlink(here)
                continue
            if mode & 0o700 != 0o700:
                os.chmod(here, 0o700)  # lstat said a directory, so this follows no link
            pending.append((here, True))
            pending.extend((os.path.join(here, name), False) for name in os.listdir(here))
        except FileNotFoundError:
            continue
        except OSError as e:
            first = first or e
    if first is not None:
        raise first


def empty(path: str) -> None:
    """Everything in the directory path removed, as far as it can be: the caller is failing
    already, and its own error is the one to report."""
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        try:
            remove(os.path.join(path, name))
        except OSError:
            pass
