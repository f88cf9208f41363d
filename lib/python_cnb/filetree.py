"""Walking, making and removing trees a tampered cache, an archive or an app may have shaped:
deeper than Python's recursion limit (os.walk and shutil.rmtree recurse a frame a level before
3.12, os.makedirs always), with paths longer than PATH_MAX, with directories the build's user
cannot read or write (only root ignores those modes); links are never followed into."""
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
        if parent in ("", path):
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
    """path and everything under it, as rm -rf does. Raises the first OSError met, after trying
    everything else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        os.unlink(path)
        return
    where, name = os.path.split(os.path.abspath(path))
    parent = os.open(where, _PLACE)
    try:
        first = _remove_at(parent, name)
    finally:
        os.close(parent)
    if first is not None:
        raise first


def empty(path: str) -> None:
    """Everything in the directory path removed, as far as it can be: the caller is failing
    already, and its own error is the one to report."""
    try:
        fd = os.open(path, _DIRECTORY | os.O_NOFOLLOW)  # a link there is no directory to empty
    except OSError:
        return
    try:
        for name in os.listdir(fd):
            _remove_at(fd, name)
    except OSError:
        pass
    finally:
        os.close(fd)


# Directories are opened without following a link, and removal goes by names relative to an open
# directory: no path grows past PATH_MAX however long the tree's names are, and one directory is
# open at a time however deep the tree is (".." leads back up: each step down was no link).
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
# A directory only named through (as rm -rf, which needs no read permission on it): O_PATH.
_PLACE = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def _remove_at(parent: int, name: str) -> Optional[OSError]:
    """Remove the entry name of the open directory parent, and all under it; a directory that
    is not open to its owner is opened first (the build user made it, or unpacked it, so it owns
    it). The first OSError met, after trying everything else."""
    first = None  # type: Optional[OSError]
    fd = os.dup(parent)
    frames = [(name, [name])]  # type: List[Tuple[str, List[str]]]  # (directory, names left in it)
    try:
        while frames:
            here, left = frames[-1]
            if left:
                entry = left.pop()
                try:
                    below = _enter(fd, entry)
                    if below is None:
                        os.unlink(entry, dir_fd=fd)
                    else:
                        try:
                            names = os.listdir(below)
                        except OSError:
                            os.close(below)
                            raise
                        os.close(fd)
                        fd = below
                        frames.append((entry, names))
                except FileNotFoundError:
                    pass
                except OSError as e:
                    first = first or e
                continue
            frames.pop()
            if not frames:
                break
            up = os.open("..", _PLACE, dir_fd=fd)
            os.close(fd)
            fd = up
            try:
                os.rmdir(here, dir_fd=fd)
            except OSError as e:
                first = first or e
    except OSError as e:  # ".." could not be opened: nothing more can be reached
        first = first or e
    finally:
        os.close(fd)
    return first


def _enter(parent: int, name: str) -> Optional[int]:
    """The directory name in parent, opened (None: it is no directory)."""
    mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    if not stat.S_ISDIR(mode):
        return None
    if mode & 0o700 != 0o700:
        os.chmod(name, 0o700, dir_fd=parent)  # a directory a moment ago; the open below follows no link
    return os.open(name, _DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
