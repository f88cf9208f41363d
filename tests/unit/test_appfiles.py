"""The app-file reader used for guesses (web entry inference): never fails, never hangs."""
import os

from python_cnb import appfiles
from python_cnb.process import infer_web_entry


def test_a_guess_reads_the_start_of_a_big_file_and_skips_what_is_not_a_file(tmp_path):
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n" + "#" * (40 * 1024 * 1024))
    os.mkfifo(str(tmp_path / "wsgi.py"))
    os.symlink("/etc/hostname", str(tmp_path / "main.py"))
    assert appfiles.read_source(str(tmp_path), "wsgi.py") is None
    assert appfiles.read_source(str(tmp_path), "main.py") is None
    assert len(appfiles.read_source(str(tmp_path), "app.py")) == appfiles.SMALL * 4
    entry = infer_web_entry(str(tmp_path), frozenset(os.listdir(str(tmp_path))))
    assert (entry.target, entry.reason) == ("app:app", "app.py defines the WSGI app `app`")
