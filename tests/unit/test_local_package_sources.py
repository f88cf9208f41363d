import pytest

from python_cnb.errors import BuildpackError
from python_cnb.steps import nltk
from python_cnb.local_packages import LocalSource, from_manifest

from apptree import write_app


def app(tmp_path, files):
    return write_app(tmp_path, files)


PKG = {"localpkg/pyproject.toml": "", "otherpkg/setup.py": ""}


def test_pipfile_path_and_git_sources(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git" / "refs").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    d = app(tmp_path / "app", dict(PKG, Pipfile='[packages]\nflask = "*"\nlocalpkg = {path = "./localpkg", editable = true}\n'
                                              'otherpkg = {path = "otherpkg"}\n'
                                              'gitpkg = {git = "file://%s", ref = "v1"}\n' % repo))
    assert from_manifest(d, "pipenv") == [
        LocalSource("./localpkg", "localpkg", True, None),
        LocalSource("./otherpkg", "otherpkg", False, None),
        LocalSource("git+file://{}@v1".format(repo), str(repo), False, "v1"),
    ]


def test_poetry_and_uv_path_sources(tmp_path):
    poetry = app(tmp_path / "p", dict(PKG, **{"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\n'
                                             'localpkg = {path = "localpkg", develop = true}\n'}))
    assert from_manifest(poetry, "poetry") == [LocalSource("localpkg", "localpkg", True, None)]
    uv = app(tmp_path / "u", dict(PKG, **{"pyproject.toml": '[project]\ndependencies = ["localpkg", "otherpkg"]\n'
                                         '[tool.uv.sources]\nlocalpkg = { path = "localpkg", editable = true }\n'
                                         'otherpkg = [{ path = "otherpkg", marker = "sys_platform == \'linux\'" }]\n'}))
    assert from_manifest(uv, "uv") == [LocalSource("localpkg", "localpkg", True, None),
                                       LocalSource("./otherpkg", "otherpkg", False, None)]


def test_a_manifest_path_that_is_missing_is_named(tmp_path):
    d = app(tmp_path, {"pyproject.toml": '[tool.uv.sources]\nlocalpkg = { path = "localpkg", editable = true }\n'})
    with pytest.raises(BuildpackError) as e:
        from_manifest(d, "uv")
    assert e.value.message == "pyproject.toml installs localpkg, which does not exist."


def test_nltk_txt_names_are_whitespace_separated_with_comments(tmp_path):
    d = app(tmp_path, {"nltk.txt": "punkt\n# the usual\nstopwords wordnet  \n\n"})
    corpora = nltk.wanted(d, "3.9.1", "https://mirror.example.org/index.xml")
    assert corpora.names == ("punkt", "stopwords", "wordnet")
    assert corpora.index_url == "https://mirror.example.org/index.xml"
    assert sorted(corpora.metadata._fields) == ["index_url", "nltk_txt", "nltk_version"]
    (tmp_path / "nltk.txt").write_text("punkt\0\n")
    with pytest.raises(BuildpackError) as e:
        nltk.wanted(d, "3.9.1", {})
    assert (e.value.message, e.value.hint) == ("nltk.txt has a NUL character.",
                                               "Save it as plain text: corpus names, one per line.")


@pytest.mark.parametrize("key, old, new, reason", [
    ("nltk_txt", "a", "b", "nltk.txt changed"),
    ("index_url", "", "https://m.example.org/index.xml",
     "the index URL changed (nltk's default -> https://m.example.org/index.xml)"),
    ("nltk_version", "3.9.1", "3.9.3", "nltk version changed (3.9.1 -> 3.9.3)"),
])
def test_nltk_reasons(key, old, new, reason):
    assert nltk._describe(key, old, new) == reason
