"""Property tests of requirements-file parsing: whatever a requirements file holds, the build gets
the list of its inputs or one BuildpackError, never another exception (a traceback for the user)."""
import os
import tempfile

from hypothesis import given, settings, strategies as st

from python_cnb.errors import BuildpackError
from python_cnb.project import requirement_files
from python_cnb.requirements import logical_lines, parse

BOUNDED = settings(max_examples=100, deadline=None)

# Pieces pip gives meaning to, so that random lines hit the parser's branches, not only its fallbacks.
PIECES = ["-r", "-c", "-e", "--requirement", "--constraint=", "--editable ", "--requirem", "-rbase.txt", " ", "\t",
          "\n", "\\\n", "#", " # ", "=", "'", '"', "base.txt", "sub/", "../", "./", ".", "/etc/passwd", "\0",
          "file:", "file:///", "git+file:///", "@", "#egg=x", "pkg @ ", "[extra]", ";", "flask==3.0",
          "--hash=sha256:ab", "requirements.txt", "https://example.org/r.txt", "localpkg", "\u00e9", "\ufeff"]


def check(files):
    """requirement_files over an app holding files (name -> bytes): inputs or a BuildpackError."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "sub"))
        os.makedirs(os.path.join(d, "localpkg"))
        with open(os.path.join(d, "localpkg", "setup.py"), "w") as f:
            f.write("")
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        try:
            found = requirement_files(d, "requirements.txt")
        except BuildpackError as e:
            assert e.message and "\n" not in e.message.strip()
            return
        assert found[0] == "requirements.txt"
        for name in found:
            assert os.path.isfile(os.path.join(d, name)), name
            assert not os.path.isabs(name) and not name.startswith("..")


@BOUNDED
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_pieces_of_pip_syntax_give_inputs_or_a_buildpack_error(pieces):
    text = "".join(pieces)
    check({"requirements.txt": text.encode("utf-8"), "base.txt": text.encode("utf-8")})


@BOUNDED
@given(st.binary(max_size=300))
def test_any_bytes_give_inputs_or_a_buildpack_error(data):
    check({"requirements.txt": data})


@BOUNDED
@given(st.text(max_size=200))
def test_logical_lines_take_any_text(text):
    lines = list(logical_lines(text))
    assert all(line and line == line.strip() for _, line in lines)
    assert [n for n, _ in lines] == sorted(n for n, _ in lines)


@BOUNDED
@given(st.text(alphabet=st.sampled_from("-rce=./ab\\#'\" \0"), max_size=40))
def test_include_lines_are_parsed_or_refused(line):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "requirements.txt"), "w", encoding="utf-8") as f:
            f.write(line + "\n")
        try:
            result = parse(d, "requirements.txt")
        except BuildpackError:
            return
        assert result.files[0] == "requirements.txt"
