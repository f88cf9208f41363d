"""Whatever the app directory holds where the buildpack expects a file (a directory, a FIFO, a
device, a dangling or escaping symlink, an unreadable, huge or non-UTF-8 file, a manifest of the
wrong shape), bin/build ends with one [Error] block naming the file and the fix: no traceback, no
hang, and no layer for anything it did not finish."""
import json
import os
import shutil
import stat
import sys
import time

import pytest

from phasekit import ROOT
from probes import WITHOUT_DAC_OVERRIDE, error_block, layer_files, restore_runtime, run, toml_parsers, warnings


def fifo(p, name):
    os.mkfifo(os.path.join(p.app, name))


def replace(p, name, make):
    path = os.path.join(p.app, name)
    if os.path.lexists(path):
        os.remove(path)
    make(path)


# (what is at runtime.txt, the [Error] block)
RUNTIME_TXT = [
    ("directory", lambda path: os.mkdir(path),
     "[Error] runtime.txt is a directory, not a file.\n"
     "  python-cnb reads runtime.txt as a file: replace it with one, or remove it.\n"),
    ("fifo", lambda path: os.mkfifo(path),
     "[Error] runtime.txt is a named pipe (FIFO), not a file.\n"
     "  python-cnb reads runtime.txt as a file: replace it with one, or remove it.\n"),
    ("character device", lambda path: os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5)),
     "[Error] runtime.txt is a character device, not a file.\n"
     "  python-cnb reads runtime.txt as a file: replace it with one, or remove it.\n"),
    ("dangling symlink", lambda path: os.symlink("python-3.12.txt", path),
     "[Error] runtime.txt is a symbolic link to python-3.12.txt, which does not exist.\n"
     "  Fix or remove the link, then build again.\n"),
    ("symlink loop", lambda path: os.symlink("runtime.txt", path),
     "[Error] runtime.txt is a symbolic link that loops.\n  Fix or remove the link.\n"),
    ("not UTF-8", lambda path: open(path, "wb").write(b"python-3.12\xff\xfe\n"),
     "[Error] runtime.txt is not UTF-8 text.\n  Save it as UTF-8 and build again.\n"),
    ("too large", lambda path: open(path, "w").write("python-3.12\n" + "#" * 70000),
     "[Error] runtime.txt is larger than 64 KB: that is not the file python-cnb expects there.\n"
     "  Check what runtime.txt holds (a build artefact committed by mistake?).\n"),
    ("not a version", lambda path: open(path, "w").write("\x00\x1b[31mpython\n"),
     "[Error] runtime.txt asks for Python '\\x00\\x1b[31mpython', which is not a Python version.\n"
     "  Write a version such as python-3.12.1, or python-3.12 for the newest 3.12 patch the stack offers.\n"),
]


@pytest.mark.parametrize("what, make, expected", RUNTIME_TXT, ids=[c[0] for c in RUNTIME_TXT])
def test_runtime_txt_that_is_not_a_readable_text_file(phase, what, make, expected):
    p = phase("no_run_command")
    replace(p, "runtime.txt", make)
    result = run(p, timeout=60)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == expected
    assert layer_files(p) == []


def test_runtime_txt_linked_outside_the_app(phase):
    p = phase("no_run_command")
    outside = os.path.join(p.root, "runtime.txt")
    with open(outside, "w") as f:
        f.write("python-3.12\n")
    replace(p, "runtime.txt", lambda path: os.symlink(outside, path))
    result = run(p)
    assert result.returncode == 1
    assert error_block(result) == (
        "[Error] runtime.txt is a symbolic link to {}, outside the app.\n"
        "  Commit the file itself: the build only sees the app's directory.\n".format(os.path.realpath(outside)))


def test_runtime_txt_the_build_user_cannot_read(phase):
    p = phase("no_run_command")
    path = os.path.join(p.app, "runtime.txt")
    os.chown(path, 65534, 65534)
    os.chmod(path, 0)
    result = run(p, prefix=WITHOUT_DAC_OVERRIDE)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == (
        "[Error] runtime.txt cannot be read by the build's user (uid 0): permission denied.\n"
        "  Make it readable by everyone (chmod a+r runtime.txt), then build again.\n")
    assert layer_files(p) == []


def test_a_symlink_to_a_file_inside_the_app_is_followed(phase):
    p = phase("no_run_command")
    os.mkdir(os.path.join(p.app, "config"))
    with open(os.path.join(p.app, "config", "python.txt"), "w") as f:
        f.write("python-3.12.1\n")
    replace(p, "runtime.txt", lambda path: os.symlink(os.path.join("config", "python.txt"), path))
    restore_runtime(p)
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (from runtime.txt)\n" in result.stdout


# Other files the build reads: each through the same reader, with its own name in the message.
OTHER_FILES = [
    ("no_run_command", ".python-version", lambda p: (os.remove(os.path.join(p.app, "runtime.txt")),
                                                     os.mkdir(os.path.join(p.app, ".python-version"))),
     "[Error] .python-version is a directory, not a file.\n"
     "  python-cnb reads .python-version as a file: replace it with one, or remove it.\n"),
    ("flask_procfile", "Procfile", lambda p: replace(p, "Procfile", os.mkfifo),
     "[Error] Procfile is a named pipe (FIFO), not a file.\n"
     "  python-cnb reads Procfile as a file: replace it with one, or remove it.\n"),
    ("pinned_runtime_txt", "requirements.txt", lambda p: replace(p, "requirements.txt", os.mkfifo),
     "[Error] requirements.txt is a named pipe (FIFO), not a file.\n"
     "  python-cnb reads requirements.txt as a file: replace it with one, or remove it.\n"),
    ("no_run_command", "poetry.lock", lambda p: (p.write("pyproject.toml", '[project]\nname = "x"\n'),
                                                 fifo(p, "poetry.lock")),
     "[Error] poetry.lock is a named pipe (FIFO), not a file.\n"
     "  python-cnb reads poetry.lock as a file: replace it with one, or remove it.\n"),
    ("pinned_runtime_txt", "base.txt", lambda p: (p.write("requirements.txt", "-r base.txt\n"), fifo(p, "base.txt")),
     "[Error] base.txt is a named pipe (FIFO), not a file.\n"
     "  python-cnb reads base.txt as a file: replace it with one, or remove it.\n"),
    ("no_run_command", "Procfile", lambda p: p.write("Procfile", "web: gunicorn app:app\n" * 50000),
     "[Error] Procfile is larger than 1 MB: that is not the file python-cnb expects there.\n"
     "  Check what Procfile holds (a build artefact committed by mistake?).\n"),
    ("no_run_command", "Procfile", lambda p: p.write("Procfile", "web: gunicorn\x00 app:app\n"),
     "[Error] Procfile line 1 contains a NUL character, which no command line can hold.\n"
     "  Remove it (the file may have been saved in UTF-16: save it as UTF-8).\n"),
]


@pytest.mark.parametrize("fixture, name, setup, expected", OTHER_FILES,
                         ids=["{}-{}".format(c[1], i) for i, c in enumerate(OTHER_FILES)])
def test_other_app_files_that_are_not_readable_text(phase, fixture, name, setup, expected):
    p = phase(fixture)
    setup(p)
    result = run(p, timeout=60)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == expected
    assert layer_files(p) == []


# Manifests and lock files: not parseable, nested without end, or of the wrong shape.
TOML_FIX = "  Fix the file (a TOML linter shows where), then build again.\n"
LOCK_FIX = "  Regenerate it with `pipenv lock` and commit it.\n"
PIPFILE_FIX = "  Fix the Pipfile (a TOML linter shows where), run `pipenv lock`, and commit both.\n"
MANIFESTS = [
    ("pyproject project string", {"pyproject.toml": 'project = "x"\n'},
     "[Error] pyproject.toml: project is a string, not a table.\n" + TOML_FIX),
    ("pyproject project array", {"pyproject.toml": "project = []\n"},
     "[Error] pyproject.toml: project is an array, not a table.\n" + TOML_FIX),
    ("pyproject project false", {"pyproject.toml": "project = false\n"},
     "[Error] pyproject.toml: project is a boolean, not a table.\n" + TOML_FIX),
    ("pyproject requires-python int", {"pyproject.toml": "[project]\nrequires-python = 3\n"},
     "[Error] pyproject.toml: project.requires-python is an integer, not a string.\n" + TOML_FIX),
    ("pyproject form feed key", {"pyproject.toml": "\f="},
     "[Error] pyproject.toml is not valid TOML: the TOML parser fails on it (IndexError: string index out "
     "of range).\n" + TOML_FIX),
    ("pyproject nested 200k deep", {"pyproject.toml": "x = " + "[" * 200000},
     "[Error] pyproject.toml is not valid TOML: arrays or tables nested more than 100 deep.\n" + TOML_FIX),
    ("pyproject not TOML", {"pyproject.toml": "[project\n"},
     "[Error] pyproject.toml is not valid TOML: Key group not on a line by itself. (line 1 column 1 char 0).\n"
     + TOML_FIX),
    ("Pipfile.lock nested 200k deep", {"Pipfile": "", "Pipfile.lock": "[" * 200000},
     "[Error] Pipfile.lock is not valid JSON: it nests too deeply.\n" + LOCK_FIX),
    ("Pipfile.lock an array", {"Pipfile": "", "Pipfile.lock": "[]"},
     "[Error] Pipfile.lock holds an array, not an object.\n" + LOCK_FIX),
    ("Pipfile.lock requires a string", {"Pipfile": "", "Pipfile.lock": json.dumps({"_meta": {"requires": "3.12"}})},
     "[Error] Pipfile.lock: _meta.requires is a string, not an object.\n" + LOCK_FIX),
    ("Pipfile.lock python_version a number",
     {"Pipfile": "", "Pipfile.lock": json.dumps({"_meta": {"requires": {"python_version": 3.12}}})},
     "[Error] Pipfile.lock: _meta.requires.python_version is a float, not a string.\n" + LOCK_FIX),
    ("Pipfile not TOML", {"Pipfile": "[packages\nflask = '*'\n"},
     "[Error] Pipfile is not valid TOML: Key group not on a line by itself. (line 1 column 1 char 0).\n"
     + PIPFILE_FIX),
    ("Pipfile package an integer", {"Pipfile": "[packages]\nflask = 3\n"},
     "[Error] Pipfile: packages.flask is an integer, not a string or a table.\n" + PIPFILE_FIX),
    ("Pipfile source a table", {"Pipfile": "[source]\nurl = 'https://pypi.org/simple'\n"},
     "[Error] Pipfile: source is a table, not an array.\n" + PIPFILE_FIX),
]


@pytest.mark.parametrize("what, files, expected", MANIFESTS, ids=[c[0] for c in MANIFESTS])
def test_manifests_and_locks_of_the_wrong_shape(phase, what, files, expected):
    p = phase("no_run_command")
    os.remove(os.path.join(p.app, "runtime.txt"))  # so that the lock or pyproject.toml pins the version
    for name, text in files.items():
        p.write(name, text)
    started = time.monotonic()
    result = run(p, timeout=60)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == expected
    assert "pipenv" not in result.stdout.replace("`pipenv lock`", "")  # caught before any tool ran
    assert layer_files(p) == []
    assert time.monotonic() - started < 20


def a_web_process(p):
    """The fixture's app, given a Procfile (so that the only warnings are the ones under test)
    and the cached runtime (so that the build takes a second)."""
    p.write("Procfile", "web: python cli.py\n")
    restore_runtime(p)


def test_python_version_that_disagrees_with_runtime_txt_is_named(phase):
    p = phase("no_run_command")
    a_web_process(p)
    p.write(".python-version", "3.11\n")
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert warnings(result) == [
        "  WARNING: .python-version asks for Python 3.11, but runtime.txt asks for 3.12 and comes first: "
        "using 3.12. Make them agree, or delete .python-version."]
    assert "  Using Python 3.12.1 (newest match for 3.12 on Debian-12, from runtime.txt)\n" in result.stdout


def test_python_version_that_disagrees_with_bp_python_version_is_named(phase):
    p = phase("no_run_command")
    os.remove(os.path.join(p.app, "runtime.txt"))
    p.write("Procfile", "web: python cli.py\n")
    p.write(".python-version", "# pinned by pyenv\n3.12.1\n")
    p.set_env("BP_PYTHON_VERSION", "3.11")
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert warnings(result) == [
        "  WARNING: .python-version asks for Python 3.12.1, but BP_PYTHON_VERSION asks for 3.11 and comes first: "
        "using 3.11. Make them agree, or delete .python-version."]
    assert "  Using Python 3.11.7 (newest match for 3.11 on Debian-12, from BP_PYTHON_VERSION)\n" in result.stdout


def test_an_unusable_python_version_behind_runtime_txt_is_a_warning_not_a_failure(phase):
    p = phase("no_run_command")
    a_web_process(p)
    os.mkdir(os.path.join(p.app, ".python-version"))
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert warnings(result) == [
        "  WARNING: .python-version is ignored (runtime.txt comes first), and it is not usable: "
        ".python-version is a directory, not a file."]


def test_an_agreeing_python_version_is_not_a_warning(phase):
    p = phase("no_run_command")
    a_web_process(p)
    p.write(".python-version", "3.12.1\n")
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert warnings(result) == []


def test_procfile_without_web_warns_and_names_the_way_out(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "worker: python cli.py\nclock: python cli.py --tick\n")
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert warnings(result) == [
        "  WARNING: The Procfile has no `web` process, so the image has no default process (it defines worker, "
        "clock).\n           Name the web server's line `web:` in the Procfile, or choose the default when building "
        "(e.g. `pack build --default-process worker`)."]
    assert "default = true" not in p.read("launch.toml")


def test_a_procfile_of_40000_processes_builds_in_seconds(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: python cli.py\n" + "".join("p{}: run {}\n".format(i, i) for i in range(40000)))
    started = time.monotonic()
    result = run(p, timeout=120)
    assert result.returncode == 0, result.stdout
    assert time.monotonic() - started < 60
    launch = toml_parsers()[-1](p.read("launch.toml"))["processes"]
    assert len(launch) == 40001
    assert launch[-1] == {"type": "p39999", "command": ["bash", "-c", "run 39999"], "args": [],
                          "default": False}


# -- bin/detect ---------------------------------------------------------------------------------

def test_detect_never_opens_app_files(phase):
    p = phase("no_run_command")
    replace(p, "runtime.txt", os.mkfifo)
    result = run(p, "detect", timeout=20)
    assert (result.returncode, result.stdout) == (0, "Python app: found runtime.txt\n")


def broken_buildpack(tmp_path):
    """A copy of the buildpack whose buildpack.toml is garbled: a packaging bug, not the app's."""
    copy = str(tmp_path / "buildpack")
    os.mkdir(copy)
    for name in ("bin", "lib", "stacks"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(copy, name), symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(copy, "buildpack.toml"), "w") as f:
        f.write('[buildpack]\nid = "python-cnb/python"\nversion = "9.9.9"\nname = \n')
    return copy


@pytest.mark.parametrize("debug", [False, True], ids=["default", "debug"])
def test_build_reports_an_unexpected_error_as_internal_with_the_traceback_on_request(phase, tmp_path, debug):
    p = phase("no_run_command")
    copy = broken_buildpack(tmp_path)
    env = {"CNB_BUILDPACK_DIR": copy}
    if debug:
        p.set_env("BP_LOG_LEVEL", "DEBUG")
    result = run(p, env=env)  # bin/build runs the lib and reads buildpack.toml of CNB_BUILDPACK_DIR
    assert result.returncode == 70, result.stdout
    error = result.stdout[result.stdout.rfind("\n[Error] ") + 1:]
    problem = "UnreadableToml: Empty value is invalid (line 4 column 1 char 55)"
    report = ("[Error] Internal buildpack error in bin/build ({problem}).\n"
              "  This is a bug in python-cnb, not in your app. Please report it at "
              "https://github.com/python-cnb/python-cnb/issues with these lines:\n"
              "    python-cnb 9.9.9, bin/build, Python {version} on linux\n"
              "    {problem}\n").format(problem=problem, version=".".join(str(v) for v in sys.version_info[:3]))
    if debug:
        assert error.startswith(report + "  Traceback (most recent call last):\n")
        assert error.endswith("  python_cnb.cnb.tomlfile.{}\n".format(problem))
    else:
        assert "Traceback" not in result.stdout
        assert error == report + "  Build with BP_LOG_LEVEL=DEBUG to add the traceback to the report.\n"


def test_detect_writes_its_plan_at_a_non_ascii_path_under_any_locale(phase):
    p = phase("no_run_command")
    plan = os.path.join(p.root, "pl\u00e4n.toml")
    result = run(p, "detect", timeout=20, env={"CNB_BUILD_PLAN_PATH": plan})
    assert (result.returncode, result.stdout) == (0, "Python app: found runtime.txt\n")
    with open(plan) as f:
        assert f.read() == '[[provides]]\nname = "python"\n\n[[requires]]\nname = "python"\n'
