"""pip's requirements file format, read the way pip reads it (continuation lines, comments, an
options part after the requirement, -r/-c/-e in every spelling pip accepts), for two answers:
which files the install reads (they key the dependencies layer) and which requirements install
from this machine rather than an index (local_packages.py). Nothing here writes."""
import os
import re
import shlex
from typing import Iterator, List, Mapping, NamedTuple, Optional, Tuple

from . import appfiles
from .errors import BuildpackError
from .local_packages import LocalSource, inside, local_path_of_url, local_source

FORMAT_URL = "https://pip.pypa.io/en/stable/reference/requirements-file-format/"
_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's own: a '#' starts a comment only after whitespace
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# pip's ENV_VAR_RE: ${NAME}, upper-case letters, digits and '_' only (POSIX names, portable).
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")

# pip's long options in a requirements file (SUPPORTED_OPTIONS and the per-requirement ones):
# optparse accepts any unambiguous prefix of them, so `--requirem base.txt` is an include.
_LONG_WITH_VALUE = ("--index-url", "--extra-index-url", "--constraint", "--requirement", "--editable",
                    "--find-links", "--no-binary", "--only-binary", "--trusted-host", "--use-feature",
                    "--global-option", "--hash", "--config-settings")
_LONG_FLAGS = ("--no-index", "--prefer-binary", "--require-hashes", "--pre")
_SHORT = {"-i": "--index-url", "-c": "--constraint", "-r": "--requirement", "-e": "--editable",
          "-f": "--find-links"}
_INCLUDES = {"--requirement": "-r", "--constraint": "-c"}


class Line(NamedTuple):
    number: int                          # the first physical line of a continued line
    requirement: str                     # the requirement part ("" for an options-only line)
    options: Tuple[Tuple[str, str], ...]  # (long option, value) pairs of an options-only line


class RequirementFiles(NamedTuple):
    files: Tuple[str, ...]               # app-relative: the first file, then its includes as pip reads them
    sources: Tuple[LocalSource, ...]     # requirements that install from a path or a git+file repository


def logical_lines(text: str) -> Iterator[Tuple[int, str]]:
    """(first line number, text) of each line once continuations are joined and comments removed,
    as pip's join_lines and ignore_comments do."""
    pending = []  # type: List[str]
    first = 0
    for number, line in enumerate(text.splitlines() + [""], 1):  # the "" ends a last continued line
        if line.endswith("\\") and not _COMMENT.match(line):
            if not pending:
                first = number
            pending.append(line.strip("\\"))
            continue
        if _COMMENT.match(line):
            line = " " + line
        if pending:
            pending.append(line)
            line, number = "".join(pending), first
            pending = []
        line = _COMMENT.sub("", line).strip()
        if line:
            yield number, line


def expand(line: str, env: Mapping[str, str]) -> str:
    """${NAME} replaced by its value, as pip's expand_env_variables does after joining lines and
    removing comments: a variable unset or empty stays as written."""
    return _ENV_VAR.sub(lambda m: env.get(m.group(1)) or m.group(0), line)


def parse_line(number: int, line: str, where: str) -> Line:
    """Split a logical line as pip does: the requirement up to the first token starting with '-',
    then options. Only an options-only line's options act (pip ignores -r after a requirement)."""
    tokens = line.split(" ")
    split = next((i for i, t in enumerate(tokens) if t.startswith("-")), len(tokens))
    requirement = " ".join(tokens[:split]).strip()
    if requirement:
        return Line(number, requirement, ())
    try:
        words = shlex.split(" ".join(tokens[split:]))
    except ValueError as e:
        raise BuildpackError("{}, line {}: {}.".format(where, number, str(e).rstrip(".")),
                             hint="Fix the quoting on that line ({}).".format(FORMAT_URL))
    return Line(number, "", tuple(_options(words, number, where)))


def _options(words: List[str], number: int, where: str) -> Iterator[Tuple[str, str]]:
    remaining = iter(words)
    for word in remaining:
        if word.startswith("--"):
            name, eq, rest = word.partition("=")
            name, value = _long_option(name), (rest if eq else None)
        elif word[:2] in _SHORT:
            name, value = _SHORT[word[:2]], (word[2:] or None)
        else:
            continue  # a positional word, or an option pip does not know: pip itself reports those
        if name not in _LONG_WITH_VALUE:
            continue
        if value is None:
            value = next(remaining, None)
        if value is None:
            raise BuildpackError("{}, line {}: {} needs a value.".format(where, number, word),
                                 hint="Write the file or requirement after it, e.g. `-r base.txt` ({}).".format(
                                     FORMAT_URL))
        yield name, value


def _long_option(name: str) -> str:
    """The long option `name` abbreviates (optparse's rule), or `name` itself."""
    known = _LONG_WITH_VALUE + _LONG_FLAGS
    if name in known:
        return name
    matches = [o for o in known if o.startswith(name)]
    return matches[0] if len(matches) == 1 else name


def read_text(app_dir: str, rel: str, included_by: str) -> str:
    """The text of requirement file rel (app-relative), refusing what pip must not read."""
    subject = "{} includes {}, which".format(included_by, rel) if included_by else rel
    path = os.path.join(app_dir, rel)
    real = os.path.realpath(path)
    if not inside(app_dir, real):
        how = "is a symlink to {}".format(os.readlink(path)) if os.path.islink(path) else "resolves to {}".format(real)
        raise BuildpackError("{} {}, outside the app.".format(subject, how),
                             hint="Requirement files must be inside the app directory: move the file into the app "
                                  "and include it by a relative path.")
    if not os.path.exists(path):
        raise BuildpackError("{} does not exist.".format(subject),
                             hint="Fix the -r/-c line or commit the file." if included_by
                             else "Commit the file, or remove the broken symlink.")
    if os.path.isdir(path):
        raise BuildpackError("{} is a directory, not a requirements file.".format(subject),
                             hint="Include a file, e.g. `-r {}/requirements.txt`.".format(rel) if included_by
                             else "Put the requirements in a file named requirements.txt.")
    return appfiles.read_text(app_dir, rel)  # a FIFO, an unreadable or an outsized file: its own error


def parse(app_dir: str, first: str, env: Optional[Mapping[str, str]] = None) -> RequirementFiles:
    """first (app-relative) and every file it includes with -r/-c, depth first as pip reads them
    (each file once), and the local sources their requirements name; ${NAME} expanded from env
    (the build's environment, which pip gets) before anything is classified."""
    files = []  # type: List[str]
    sources = []  # type: List[LocalSource]

    def add(source: Optional[LocalSource]) -> None:
        if source is not None and source not in sources:
            sources.append(source)

    def walk(rel: str, chain: List[str]) -> None:
        if rel in chain:
            loop = chain[chain.index(rel):] + [rel]
            raise BuildpackError("{} includes itself: {}.".format(rel, " -> ".join(loop)),
                                 hint="pip would follow the includes forever: remove one of these -r/-c lines.")
        text = read_text(app_dir, rel, chain[-1] if chain else "")
        if rel not in files:
            files.append(rel)
        for line in (parse_line(n, expand(l, env or {}), rel) for n, l in logical_lines(text)):
            if line.requirement:
                add(local_source(app_dir, line.requirement, False, rel))
            for option, value in line.options:
                if option == "--editable":
                    add(local_source(app_dir, value, True, rel))
                elif option in _INCLUDES:
                    walk(_include_path(app_dir, rel, value, option), chain + [rel])

    walk(os.path.normpath(first), [])
    return RequirementFiles(tuple(files), tuple(sources))


def _include_path(app_dir: str, including: str, value: str, option: str) -> str:
    """The app-relative path of an include, resolved against the including file's directory as
    pip does; anything that cannot be a file inside the app is refused here."""
    written = "{} {}".format(_INCLUDES[option], value)
    if "\0" in value:
        raise BuildpackError("{} includes a path with a NUL character ({!r}).".format(including, written),
                             hint="Remove the NUL character from that line.")
    if value.startswith("="):
        raise BuildpackError("{} has `{}{}`: pip reads that as the file '{}'.".format(
            including, _INCLUDES[option], value, value),
            hint="Write `{} {}` (a space, no '=').".format(_INCLUDES[option], value[1:]))
    if value.lower().startswith("file:"):
        value = local_path_of_url(value)
    elif _URL.match(value):
        raise BuildpackError("{} includes {}, a URL: the build only follows requirement files in the app.".format(
            including, value), hint="Download the file into the app and include it by its path, so a change "
                                    "to it rebuilds the dependencies.")
    if os.path.isabs(value):
        if not inside(app_dir, os.path.realpath(value)):
            raise BuildpackError("{} includes {}, an absolute path outside the app.".format(including, value),
                                 hint="Requirement files must be inside the app directory: include them by a "
                                      "path relative to the including file.")
        value = os.path.relpath(os.path.realpath(value), os.path.join(os.path.realpath(app_dir),
                                                                      os.path.dirname(including)))
    rel = os.path.normpath(os.path.join(os.path.dirname(including), value))
    if rel == ".." or rel.startswith(".." + os.sep):
        raise BuildpackError("{} includes {}, which is outside the app.".format(including, value),
                             hint="Requirement files must be inside the app directory.")
    return rel
