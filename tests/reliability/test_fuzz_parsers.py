"""Property tests of everything that parses app input or writes TOML: any input either parses or
is a BuildpackError with a message (never another exception), and every TOML the buildpack writes
reads back exactly, with the vendored reader and with tomllib where the interpreter has it.
Bounded (examples per test, no deadline) so the suite stays quick; runs on hypothesis 6.31 (the
last for Python 3.6) and on current releases."""
import json
import os
import string
import tempfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from probes import toml_parsers
from python_cnb.settings import Settings
from python_cnb.cnb import tomlfile
from python_cnb.errors import BuildpackError
from python_cnb.procfile import parse_procfile
from python_cnb.project import analyse
from python_cnb.versions import parse_request, parse_specifier

FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f"
# Text with more than its share of what breaks parsers and writers: control characters,
# backslashes, quotes, brackets, TOML and JSON punctuation.
# No lone surrogates: no file holds them (and old hypothesis releases draw them).
CHARACTERS = st.characters(blacklist_categories=("Cs",))
tricky_text = st.text(alphabet=st.one_of(CHARACTERS,
                                         st.sampled_from(CONTROL + "\\\"'[]{}=#.,:\n\r\t ")), max_size=60)


def analysed(files, env=None):
    """analyse() over an app dir holding files ({name: bytes}): a Project or a BuildpackError."""
    with tempfile.TemporaryDirectory() as app:
        for name, data in files.items():
            with open(os.path.join(app, name), "wb") as f:
                f.write(data)
        try:
            return analyse(app, Settings.from_env(env or {}))
        except BuildpackError as e:
            assert e.message and isinstance(e.message, str)
            return e


# -- version requests ---------------------------------------------------------------------------

version_like = st.from_regex(r"\A\s*(python-?|Python)?[0-9\u0663]{1,12}(\.([0-9]{1,12}|x|\*)){0,3}\s*\Z")


@FUZZ
@given(st.one_of(tricky_text, version_like))
def test_a_version_request_parses_or_is_a_buildpack_error(text):
    try:
        request = parse_request(text, "runtime.txt")
    except BuildpackError as e:
        assert e.message.startswith("runtime.txt asks for Python ")
    else:
        assert 1 <= len(request.parts) <= 3 and all(isinstance(p, int) for p in request.parts)


@FUZZ
@given(st.one_of(tricky_text, st.from_regex(r"\A(>=|<=|==|~=|!=|<|>)?[0-9]{1,3}(\.[0-9*]{1,3}){0,2}(,\s*<[0-9.]{1,5})?\Z")))
def test_a_requires_python_parses_or_is_a_buildpack_error(text):
    try:
        request = parse_specifier(text, "requires-python in pyproject.toml")
    except BuildpackError as e:
        assert e.message.startswith("requires-python in pyproject.toml ")
    else:
        assert request.specifier or request.parts


@FUZZ
@given(st.binary(max_size=80), st.binary(max_size=80), st.one_of(st.none(), tricky_text))
def test_version_files_and_bp_python_version_through_the_analysis(runtime_txt, python_version, env_value):
    env = {} if env_value is None else {"BP_PYTHON_VERSION": env_value}
    result = analysed({"runtime.txt": runtime_txt, ".python-version": python_version}, env)
    if not isinstance(result, BuildpackError):
        assert result.version_request is not None
        assert result.version_request.source in ("BP_PYTHON_VERSION", "runtime.txt")


# -- Procfile -----------------------------------------------------------------------------------

process_type = st.from_regex(r"\A[A-Za-z0-9_.-]{1,12}\Z")
command = st.text(alphabet=CHARACTERS, min_size=1, max_size=40).map(
    lambda c: c.replace("\n", " ").replace("\r", " ").replace("\x00", " ")).filter(lambda c: c.strip())


@FUZZ
@given(tricky_text)
def test_any_procfile_parses_or_is_a_buildpack_error(text):
    try:
        entries = parse_procfile(text)
    except BuildpackError as e:
        assert e.message.startswith("Procfile ")
    else:
        assert entries and len({e.type for e in entries}) == len(entries)


@FUZZ
@given(st.dictionaries(process_type, command, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_a_written_procfile_reads_back_entry_for_entry(processes, newline):
    text = "# processes\n" + newline.join("{}: {}".format(t, c) for t, c in processes.items()) + newline
    assert [(e.type, e.command) for e in parse_procfile(text)] == [(t, c.strip()) for t, c in processes.items()]


# -- pyproject.toml, Pipfile, Pipfile.lock ------------------------------------------------------

toml_scalar = st.one_of(tricky_text, st.booleans(), st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1))
toml_value = st.recursive(
    toml_scalar,
    lambda inner: st.one_of(st.lists(toml_scalar.filter(lambda v: isinstance(v, str)), max_size=3),
                            st.dictionaries(st.sampled_from(["project", "requires-python", "packages", "requires",
                                                             "python_version", "source", "name", "x y"]),
                                            inner, max_size=4)),
    max_leaves=12)
toml_document = st.dictionaries(st.sampled_from(["project", "tool", "packages", "dev-packages", "requires",
                                                 "source", "build-system"]), toml_value, max_size=4)


@FUZZ
@given(st.one_of(toml_document.map(lambda d: tomlfile.dumps(d).encode()), tricky_text.map(str.encode),
                 st.binary(max_size=60)))
def test_any_pyproject_toml_is_analysed_or_a_buildpack_error(data):
    result = analysed({"pyproject.toml": data})
    if not isinstance(result, BuildpackError):
        assert result.installer == "pip-project"


@FUZZ
@given(st.one_of(toml_document.map(lambda d: tomlfile.dumps(d).encode()), tricky_text.map(str.encode)))
def test_any_pipfile_is_analysed_or_a_buildpack_error(data):
    result = analysed({"Pipfile": data})
    if not isinstance(result, BuildpackError):
        assert result.installer == "pipenv"


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), tricky_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["_meta", "requires", "python_version",
                                                             "python_full_version", "default", "x"]), inner,
                                            max_size=4)),
    max_leaves=15)


@FUZZ
@given(st.one_of(json_value.map(lambda v: json.dumps(v).encode()), tricky_text.map(str.encode),
                 st.integers(min_value=1, max_value=5000).map(lambda n: b"[" * n + b"]" * n)))
def test_any_pipfile_lock_is_analysed_or_a_buildpack_error(data):
    result = analysed({"Pipfile": b"", "Pipfile.lock": data})
    if not isinstance(result, BuildpackError):
        assert result.installer == "pipenv"


# -- the TOML writer ----------------------------------------------------------------------------

any_string = st.one_of(st.text(alphabet=CHARACTERS, max_size=40), st.text(alphabet=st.sampled_from(CONTROL + "\\\"'u0x,[]"), max_size=40))


def vendored_can_read(text):
    """The vendored reader takes any string that starts with two quotes for a multi-line one:
    the writer then uses a literal string, which cannot hold a ' or a control character or end
    with a backslash. Those few strings are checked with tomllib (and as JSON literals) only."""
    return not (text == '"' or text.startswith('""')) or tomlfile.vendored_literal_ok(text)


def readers_for(data):
    """The readers that must read data back exactly."""
    strings = []
    collect_strings(data, strings)
    parsers = toml_parsers()
    return parsers if all(vendored_can_read(s) for s in strings) else parsers[1:]


def collect_strings(value, out):
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(k)
            collect_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            collect_strings(v, out)
# Keys as the buildpack writes them: bare words, and file names (quoted: "requirements.txt").
# The vendored reader does not unescape quoted keys, so keys with quotes, backslashes or
# control characters are checked against tomllib and JSON only (test_any_key_round_trips).
key = st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{1,10}\Z"),
                st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(
                    lambda k: not any(c in k for c in "\"'\\")))
leaf = st.one_of(any_string, st.booleans(), st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1))
array = st.one_of(st.lists(any_string, max_size=4), st.lists(st.booleans(), max_size=4),
                  st.lists(st.integers(min_value=0, max_value=2 ** 31), max_size=4))


def tables(children):
    return st.dictionaries(key, children, max_size=4)


# A document of the shapes the buildpack writes: values, arrays, tables, arrays of tables, nested.
document = st.recursive(
    tables(st.one_of(leaf, array)),
    lambda inner: tables(st.one_of(leaf, array, inner, st.lists(inner, min_size=1, max_size=3))),
    max_leaves=20)


@FUZZ
@given(any_string)
def test_any_string_round_trips(text):
    data = {"s": text, "a": [text, text], "t": {"k": text}}
    for parse in readers_for(data):
        assert parse(tomlfile.dumps(data)) == data


@FUZZ
@given(document)
def test_any_document_of_our_shapes_round_trips(data):
    text = tomlfile.dumps(data)
    assert text.endswith("\n") or not data
    for parse in readers_for(data):
        assert parse(text) == data


@FUZZ
@given(any_string)
@example('""\t')  # found by CI on 3.6: the property said only quotes go literal, the writer does not
@example('""x')
def test_every_string_is_also_a_json_string_literal(text):
    """Reader-independent: a TOML basic string with only the escapes TOML and JSON share, or, for a
    string that is one quote or starts with two (the vendored reader takes it for a multi-line
    one), a literal string that every reader gets back exactly."""
    written = tomlfile.string(text)
    if written.startswith("'"):
        assert written == "'" + text + "'" and (text == '"' or text.startswith('""'))
        for parse in toml_parsers():
            assert parse("k = " + written + "\n") == {"k": text}
    else:
        assert json.loads(written) == text


@FUZZ
@given(st.dictionaries(any_string.filter(len), st.dictionaries(any_string.filter(len), any_string, max_size=3),
                       max_size=3))
def test_any_key_round_trips(data):
    text = tomlfile.dumps(data)
    for name in data:
        if not tomlfile._BARE_KEY.match(name):
            written = tomlfile._key(name)
            assert (json.loads(written) if written.startswith('"') else written[1:-1]) == name
    for parse in toml_parsers()[1:]:  # tomllib, where the interpreter has it
        assert parse(text) == data


@FUZZ
@given(st.lists(st.tuples(process_type, st.lists(any_string, min_size=1, max_size=4)), max_size=5))
def test_launch_toml_of_any_commands_round_trips(processes):
    data = {"processes": [{"type": t, "command": c, "args": [], "default": i == 0}
                          for i, (t, c) in enumerate(processes)]}
    for parse in readers_for(data):
        assert parse(tomlfile.dumps(data)) == data


def test_the_escapes_are_the_short_ones_where_toml_has_them():
    assert tomlfile.string("\b\t\n\f\r\"\\\x00\x1b\x7f" + string.ascii_letters[:3]) == \
        '"\\b\\t\\n\\f\\r\\"\\\\\\u0000\\u001B\\u007Fabc"'
