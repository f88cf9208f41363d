import os

import pytest

from python_cnb.errors import BuildpackError
from python_cnb.local_packages import LocalSource, digests, git_commit, tree_digest
from python_cnb.project import requirement_files
from python_cnb.requirements import logical_lines, parse

from apptree import write_app


def app(tmp_path, files):
    return write_app(tmp_path, files)


def error_of(d, first="requirements.txt"):
    with pytest.raises(BuildpackError) as e:
        parse(d, first)
    return e.value


@pytest.mark.parametrize("line", [
    "-rbase.txt", "-r base.txt", "-r  base.txt", "--requirement base.txt", "--requirement=base.txt",
    "--requirem base.txt", "-r base.txt  # the shared pins", "-r \\\n  base.txt", "--requirement\t base.txt",
    "-c base.txt", "-cbase.txt", "--constraint=base.txt", "--cons base.txt", "--pre -r base.txt",
    "-r 'base.txt'",
])
def test_every_include_form_pip_accepts_keys_the_layer(tmp_path, line):
    d = app(tmp_path, {"requirements.txt": "flask\n{}\n".format(line), "base.txt": "six\n"})
    assert parse(d, "requirements.txt").files == ("requirements.txt", "base.txt")


@pytest.mark.parametrize("line", [
    "# -r base.txt", "flask -r base.txt", "flask==3.0.0 --hash=sha256:abc -r base.txt", "#-r base.txt",
    "--require-hashes",
])
def test_lines_pip_does_not_read_as_includes(tmp_path, line):
    d = app(tmp_path, {"requirements.txt": line + "\n", "base.txt": "six\n"})
    assert parse(d, "requirements.txt").files == ("requirements.txt",)


def test_logical_lines_join_continuations_and_drop_comments():
    text = "flask==3.0.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n# note \\\nsix  # why\n\n./pkg#egg=pkg\n"
    assert list(logical_lines(text)) == [
        (1, "flask==3.0.0     --hash=sha256:aa     --hash=sha256:bb"), (5, "six"), (7, "./pkg#egg=pkg")]


def test_includes_are_read_depth_first_relative_to_the_including_file(tmp_path):
    d = app(tmp_path, {
        "requirements.txt": "-r requirements/prod.txt\n--constraint=constraints.txt\nflask\n-e .\n",
        "requirements/prod.txt": "-r base.txt\n-r common.txt\ngunicorn\n",
        "requirements/base.txt": "-r common.txt\n",  # the same file twice is no loop
        "requirements/common.txt": "six\n",
        "constraints.txt": "flask<4\n",
        "setup.py": "",
    })
    assert requirement_files(d, "requirements.txt") == [
        "requirements.txt", "requirements/prod.txt", "requirements/base.txt", "requirements/common.txt",
        "constraints.txt", "setup.py"]


@pytest.mark.parametrize("files, message, hint", [
    ({"requirements.txt": "-r a\0b.txt\n"},
     "requirements.txt includes a path with a NUL character ('-r a\\x00b.txt').",
     "Remove the NUL character from that line."),
    ({"requirements.txt": "-r /etc/passwd\n"},
     "requirements.txt includes /etc/passwd, an absolute path outside the app.",
     "Requirement files must be inside the app directory: include them by a path relative to the including file."),
    ({"requirements.txt": "-r ../outside.txt\n"},
     "requirements.txt includes ../outside.txt, which is outside the app.",
     "Requirement files must be inside the app directory."),
    ({"requirements.txt": "-r base.txt\n", "base.txt": "-r requirements.txt\n"},
     "requirements.txt includes itself: requirements.txt -> base.txt -> requirements.txt.",
     "pip would follow the includes forever: remove one of these -r/-c lines."),
    ({"requirements.txt": "-r requirements.txt\n"},
     "requirements.txt includes itself: requirements.txt -> requirements.txt.",
     "pip would follow the includes forever: remove one of these -r/-c lines."),
    ({"requirements.txt": "-r base.txt\n"},
     "requirements.txt includes base.txt, which does not exist.", "Fix the -r/-c line or commit the file."),
    ({"requirements.txt": "-r sub/../sub/x.txt\n", "sub/y.txt": ""},
     "requirements.txt includes sub/x.txt, which does not exist.", "Fix the -r/-c line or commit the file."),
    ({"requirements.txt": "-r=base.txt\n", "base.txt": ""},
     "requirements.txt has `-r=base.txt`: pip reads that as the file '=base.txt'.",
     "Write `-r base.txt` (a space, no '=')."),
    ({"requirements.txt": "-r https://example.org/base.txt\n"},
     "requirements.txt includes https://example.org/base.txt, a URL: the build only follows requirement files in "
     "the app.", "Download the file into the app and include it by its path, so a change to it rebuilds the "
                 "dependencies."),
    ({"requirements.txt": "flask\n-r\n"},
     "requirements.txt, line 2: -r needs a value.",
     "Write the file or requirement after it, e.g. `-r base.txt` "
     "(https://pip.pypa.io/en/stable/reference/requirements-file-format/)."),
    ({"requirements.txt": "-r 'base.txt\n"},
     "requirements.txt, line 1: No closing quotation.",
     "Fix the quoting on that line (https://pip.pypa.io/en/stable/reference/requirements-file-format/)."),
    ({"requirements.txt": "-r sub\n", "sub/requirements.txt": ""},
     "requirements.txt includes sub, which is a directory, not a requirements file.",
     "Include a file, e.g. `-r sub/requirements.txt`."),
    ({"requirements.txt": "-e ./localpkg\n"},
     "requirements.txt installs ./localpkg, which does not exist.",
     "Commit the package, or fix the path (relative paths start at the app's root)."),
    ({"requirements.txt": "-e /\n"},
     "requirements.txt installs / in editable mode, but it is outside the app: the image would not have its code.",
     "Move the package into the app (e.g. `-e ./`), or install it without -e."),
    ({"requirements.txt": "pkg @ git+file:///nonexistent/repo@v1\n"},
     "requirements.txt installs pkg @ git+file:///nonexistent/repo@v1, but /nonexistent/repo is not a git "
     "repository.", "Fix the path in the git+file: URL."),
])
def test_bad_requirement_files_are_clear_errors(tmp_path, files, message, hint):
    e = error_of(app(tmp_path, files))
    assert (e.message, e.hint) == (message, hint)


def test_the_first_file_is_named_when_it_cannot_be_read(tmp_path):
    d = app(tmp_path, {})
    e = error_of(d)
    assert (e.message, e.hint) == ("requirements.txt does not exist.", "Commit the file, or remove the broken symlink.")
    os.symlink("/etc/hostname", os.path.join(d, "requirements.txt"))
    e = error_of(d)
    assert (e.message, e.hint) == (
        "requirements.txt is a symlink to /etc/hostname, outside the app.",
        "Requirement files must be inside the app directory: move the file into the app and include it by a "
        "relative path.")
    (tmp_path / "bytes.txt").write_bytes(b"\xff\xfe\x00flask")
    assert error_of(d, "bytes.txt").message == "bytes.txt is not UTF-8 text."


def test_an_included_symlink_out_of_the_app_is_refused(tmp_path):
    d = app(tmp_path, {"requirements.txt": "-r base.txt\n"})
    os.symlink("/etc/hostname", os.path.join(d, "base.txt"))
    assert error_of(d).message == "requirements.txt includes base.txt, which is a symlink to /etc/hostname, outside the app."
    os.remove(os.path.join(d, "base.txt"))
    os.symlink("/etc", os.path.join(d, "conf"))
    (tmp_path / "requirements.txt").write_text("-r conf/hostname\n")
    assert error_of(d).message == "requirements.txt includes conf/hostname, which resolves to /etc/hostname, outside the app."


def test_an_absolute_include_inside_the_app_is_read_like_a_relative_one(tmp_path):
    d = app(tmp_path, {"requirements/prod.txt": "-r {}\n".format(tmp_path / "base.txt"), "base.txt": "six\n"})
    assert parse(d, "requirements/prod.txt").files == ("requirements/prod.txt", "base.txt")


def test_local_sources_editable_paths_wheels_and_git(tmp_path):
    d = app(tmp_path, {
        "requirements.txt": "-e ./localpkg\n./vendor/tool-1.0-py3-none-any.whl\n"
                            "other @ file://{}/otherpkg\nflask==3.0.0\n-e git+https://example.org/x.git#egg=x\n"
                            "-e file:./localpkg#egg=localpkg\n".format(tmp_path),
        "localpkg/setup.py": "", "localpkg/localpkg.py": "", "vendor/tool-1.0-py3-none-any.whl": "zip",
        "otherpkg/pyproject.toml": "",
    })
    parsed = parse(d, "requirements.txt")
    assert parsed.sources == (
        LocalSource("./localpkg", "localpkg", True, None),
        LocalSource("./vendor/tool-1.0-py3-none-any.whl", "vendor/tool-1.0-py3-none-any.whl", False, None),
        LocalSource("other @ file://{}/otherpkg".format(tmp_path), "otherpkg", False, None),
        LocalSource("file:./localpkg#egg=localpkg", "localpkg", True, None),
    )
    assert requirement_files(d, "requirements.txt") == ["requirements.txt", "localpkg/setup.py"]
    keys = digests(d, list(parsed.sources))
    assert sorted(keys) == ["localpkg/setup.py", "otherpkg/", "vendor/tool-1.0-py3-none-any.whl"]


def test_a_tree_digest_ignores_what_a_build_writes_into_the_tree(tmp_path):
    d = app(tmp_path, {"pkg/pyproject.toml": "", "pkg/pkg/__init__.py": "x = 1\n"})
    before = tree_digest(os.path.join(d, "pkg"))
    app(tmp_path, {"pkg/build/lib/pkg/__init__.py": "", "pkg/pkg.egg-info/PKG-INFO": "",
                   "pkg/pkg/__pycache__/__init__.cpython-312.pyc": ""})
    assert tree_digest(os.path.join(d, "pkg")) == before
    app(tmp_path, {"pkg/pkg/__init__.py": "x = 2\n"})
    assert tree_digest(os.path.join(d, "pkg")) != before


def test_git_commit_reads_branches_tags_and_head_from_the_repository_files(tmp_path):
    a, b = "a" * 40, "b" * 40
    app(tmp_path, {"repo/.git/HEAD": "ref: refs/heads/main\n", "repo/.git/refs/heads/main": a + "\n",
                   "repo/.git/packed-refs": "# pack-refs with: peeled\n{} refs/tags/v1\n".format(b)})
    repo = str(tmp_path / "repo")
    assert git_commit(repo, "") == a
    assert git_commit(repo, "main") == a + ";-"
    assert git_commit(repo, "v1") == "-;" + b
    assert git_commit(repo, "c" * 40) == "c" * 40
    unknown = git_commit(repo, "nosuch")
    assert unknown.startswith("refs:")
    (tmp_path / "repo/.git/refs/heads/main").write_text(b + "\n")
    assert git_commit(repo, "") == b and git_commit(repo, "nosuch") != unknown


# -- ${NAME} in requirements, expanded as pip expands it, before anything is classified -------

def test_a_vcs_url_from_a_variable_is_not_a_missing_local_path(tmp_path):
    """`-e git+${PKG_URL}@0.44.0#egg=x` was read as the local path 'git+${PKG_URL}@0.44.0#egg=x'."""
    d = app(tmp_path, {"requirements.txt": "-e git+${PKG_URL}@0.44.0#egg=x\n"})
    env = {"PKG_URL": "https://github.com/org/x"}
    assert parse(d, "requirements.txt", env).sources == ()
    assert "does not exist" in error_of(d).message  # without the variable, pip too would fail


@pytest.mark.parametrize("line, env, expanded", [
    ("${PKG_URL}", {"PKG_URL": "https://h/x"}, "https://h/x"),
    ("git+https://${GH_TOKEN}@github.com/o/r", {"GH_TOKEN": "t0k"}, "git+https://t0k@github.com/o/r"),
    ("${A}${B}", {"A": "x", "B": "y"}, "xy"),
    ("${lower}", {"lower": "x"}, "${lower}"),          # pip's names: upper case, digits, '_'
    ("${UNSET}/pkg", {}, "${UNSET}/pkg"),               # unset: left as written
    ("${EMPTY}/pkg", {"EMPTY": ""}, "${EMPTY}/pkg"),    # empty: left as written, as pip does
    ("$PKG_URL", {"PKG_URL": "x"}, "$PKG_URL"),         # only the braced form
    ("${A-B}", {"A-B": "x"}, "${A-B}"),
])
def test_expand_follows_pips_rule(line, env, expanded):
    from python_cnb.requirements import expand
    assert expand(line, env) == expanded


def test_expanded_paths_and_includes_are_what_the_layer_is_keyed_on(tmp_path):
    d = app(tmp_path, {"requirements.txt": "-r ${REQS}/base.txt\n-e ./${PKG}\n", "reqs/base.txt": "six\n",
                       "localpkg/setup.py": ""})
    env = {"REQS": "reqs", "PKG": "localpkg"}
    parsed = parse(d, "requirements.txt", env)
    assert parsed.files == ("requirements.txt", "reqs/base.txt")
    assert parsed.sources == (LocalSource("./localpkg", "localpkg", True, None),)
    assert requirement_files(d, "requirements.txt", env) == ["requirements.txt", "reqs/base.txt", "localpkg/setup.py"]


def test_an_expanded_git_file_url_names_its_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git" / "refs" / "heads").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    d = app(tmp_path / "app", {"requirements.txt": "gitpkg @ git+file://${REPO}@main\n"})
    (source,) = parse(d, "requirements.txt", {"REPO": str(repo)}).sources
    assert (source.path, source.git_ref) == (str(repo), "main")
