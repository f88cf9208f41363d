"""The app-file reader used for guesses (web entry inference): never fails, never hangs."""
import errno
import os

import pytest

from python_cnb import appfiles, local_packages
from python_cnb.errors import BuildpackError
from python_cnb.procfile import infer_web_entry


def test_a_guess_reads_the_start_of_a_big_file_and_skips_what_is_not_a_file(tmp_path):
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n" + "#" * (40 * 1024 * 1024))
    os.mkfifo(str(tmp_path / "wsgi.py"))
    os.symlink("/etc/hostname", str(tmp_path / "main.py"))
    assert appfiles.read_source(str(tmp_path), "wsgi.py") is None
    assert appfiles.read_source(str(tmp_path), "main.py") is None
    assert len(appfiles.read_source(str(tmp_path), "app.py")) == appfiles.SMALL * 4
    entry = infer_web_entry(str(tmp_path), frozenset(os.listdir(str(tmp_path))))
    assert (entry.target, entry.reason) == ("app:app", "app.py defines the WSGI app `app`")


def test_files_read_outside_the_readers_own_checks_are_never_opened_when_not_regular(tmp_path):
    """open_regular and digest serve reads of files the app controls anywhere (local packages'
    trees, git refs, digests of inputs): a FIFO is refused at once, never waited on."""
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)
    with pytest.raises(OSError) as e:
        appfiles.open_regular(fifo)
    assert e.value.errno == errno.EINVAL
    with pytest.raises(BuildpackError) as refused:
        appfiles.digest(fifo, "vendor/pipe")
    assert refused.value.message == "vendor/pipe is not a regular file."
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "setup.py").write_text("x = 1\n")
    os.mkfifo(str(tmp_path / "pkg" / "events"))
    assert len(local_packages.tree_digest(str(tmp_path / "pkg"))) == 64
