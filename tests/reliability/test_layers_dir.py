"""The layers directory as a lifecycle may hand it over: a layer TOML garbled, of the wrong
types, a directory or a FIFO; a layer's directory a plain file; the directory read-only or its disk
full. A TOML that cannot be trusted means "rebuild this layer", with the reason in the log; a
write that fails is one [Error] block, and leaves no temporary file and no TOML for anything
half-written."""
import os
import subprocess

import pytest

from probes import error_block, layer_files, restore_runtime, run, toml_parsers, warnings


def python_toml(p):
    return p.read("python.toml")


def rewrite(p, name, change):
    path = os.path.join(p.layers, name)
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(change(text))


def built_app(phase):
    """The fixture app with a web process and its runtime restored from the cache. The launch
    check is off: with no result of a previous check it would need the runtime at hand, and the
    runtime kept in the image only is what these tests keep (tests/phase/test_launch_check.py
    has the check's own layer)."""
    p = phase("no_run_command")
    p.write("Procfile", "web: python cli.py\n")
    p.set_env("BP_LAUNCH_CHECK", "off")
    restore_runtime(p)
    return p


CORRUPT_PYTHON_TOML = [
    ("garbled", lambda p: rewrite(p, "python.toml", lambda t: t.replace("launch = true", "launch = tru")),
     "python.toml is unreadable (invalid literal for int() with base 0: 'tru' (line 3 column 1 char 22))"),
    ("metadata a string", lambda p: rewrite(p, "python.toml", lambda t: 'metadata = "3.12.1"\n'),
     "python.toml is not what this buildpack writes ([metadata] is a string, not a table)"),
    ("version an integer", lambda p: rewrite(p, "python.toml", lambda t: t.replace('version = "3.12.1"', "version = 3")),
     "python.toml is not what this buildpack writes (version is an integer, not a string)"),
    ("a directory", lambda p: (os.remove(os.path.join(p.layers, "python.toml")),
                               os.mkdir(os.path.join(p.layers, "python.toml"))),
     "python.toml is unreadable (not a regular file)"),
    ("a fifo", lambda p: (os.remove(os.path.join(p.layers, "python.toml")),
                          os.mkfifo(os.path.join(p.layers, "python.toml"))),
     "python.toml is unreadable (not a regular file)"),
]


@pytest.mark.parametrize("what, corrupt, reason", CORRUPT_PYTHON_TOML, ids=[c[0] for c in CORRUPT_PYTHON_TOML])
def test_an_untrustworthy_python_toml_rebuilds_the_runtime_with_the_reason(phase, what, corrupt, reason):
    p = built_app(phase)
    good = python_toml(p)
    corrupt(p)
    result = run(p, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stdout
    assert "  Replacing the cached runtime: {}\n".format(reason) in result.stdout
    assert "  Downloading Python 3.12.1 from " in result.stdout
    assert python_toml(p) == good  # written anew, exactly as before
    again = run(p)
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout


def test_an_untrustworthy_dependencies_toml_rebuilds_the_dependencies_with_the_reason(phase):
    p = built_app(phase)
    p.write("requirements.txt", "six==1.16.0\n")
    first = run(p)
    assert first.returncode == 0, first.stdout
    rewrite(p, "dependencies.toml", lambda t: t.replace("[metadata.inputs]", "[metadata.inputs"))
    result = run(p)
    assert result.returncode == 0, result.stdout
    assert ("  Rebuilding dependencies: dependencies.toml is unreadable (Key group not on a line by itself. "
            "(line 12 column 1 char 177))\n") in result.stdout, result.stdout
    assert "Traceback" not in result.stdout
    for parse in toml_parsers():
        assert parse(p.read("dependencies.toml"))["metadata"]["installer"] == "pip"


@pytest.mark.parametrize("layer", ["python", "launch-config"])
def test_a_plain_file_where_a_layer_directory_belongs(phase, layer):
    p = built_app(phase)
    path = os.path.join(p.layers, layer)
    subprocess.run(["rm", "-rf", path], check=True)
    with open(path, "w") as f:
        f.write("not a directory\n")
    result = run(p, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stdout
    if layer == "python":
        # the runtime is kept in the image only (retention.py): the file is no layer and is gone,
        # and the TOML tells the lifecycle to keep the previous image's runtime layer
        assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in result.stdout
        assert not os.path.lexists(path)
    else:
        assert os.path.isdir(path)
    assert layer_files(p) == ["launch-config.toml", "launch.toml", "python.sbom.cdx.json", "python.sbom.spdx.json",
                              "python.toml"]


def test_a_leftover_temporary_toml_is_replaced_not_written_through(phase, tmp_path):
    p = built_app(phase)
    outside = str(tmp_path / "elsewhere.toml")
    with open(outside, "w") as f:
        f.write("untouched\n")
    os.symlink(outside, os.path.join(p.layers, "python.toml.tmp"))  # a killed build's leftover
    result = run(p)
    assert result.returncode == 0, result.stdout
    with open(outside) as f:
        assert f.read() == "untouched\n"
    assert layer_files(p) == ["launch-config.toml", "launch.toml", "python.sbom.cdx.json", "python.sbom.spdx.json",
                              "python.toml"]


# -- the layers dir on its own file system: read-only, or full -------------------------------

@pytest.fixture
def tmpfs(request):
    mounted = []

    def mount(path, options):
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], check=True)
        mounted.append(path)

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", path], check=True)


def test_read_only_layers_dir_on_a_cold_build(phase, tmpfs):
    p = phase("no_run_command")
    tmpfs(p.layers, "ro,size=1m")
    result = run(p)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == (
        "[Error] Could not clear the layer python: the layers directory is not writable (Read-only file system: "
        "{}/python).\n"
        "  The platform must give the buildpack a writable CNB_LAYERS_DIR; this is a problem of the build's "
        "environment, not of the app.\n".format(p.layers))


def test_read_only_layers_dir_with_a_restored_runtime_keeps_the_previous_toml(phase, tmpfs):
    p = phase("no_run_command")
    tmpfs(p.layers, "size=300m")
    restore_runtime(p)
    before = python_toml(p)
    subprocess.run(["mount", "-o", "remount,ro", p.layers], check=True)
    result = run(p)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == (
        "[Error] Could not write python.toml: the layers directory is not writable (Read-only file system: "
        "{}/python.toml.tmp).\n"
        "  The platform must give the buildpack a writable CNB_LAYERS_DIR; this is a problem of the build's "
        "environment, not of the app.\n".format(p.layers))
    assert python_toml(p) == before
    assert layer_files(p) == ["python.toml"]


def fill(directory):
    """Write zeros into directory until its file system is full."""
    with open(os.path.join(directory, "filler"), "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_disk_full_when_the_layer_toml_is_written_leaves_no_temporary_file(phase, tmpfs):
    p = phase("no_run_command")
    tmpfs(p.layers, "size=300m")
    restore_runtime(p)
    before = python_toml(p)
    fill(p.layers)
    result = run(p)
    assert result.returncode == 1, result.stdout
    assert error_block(result) == (
        "[Error] Could not write python.toml: the disk is full (No space left on device).\n"
        "  Free disk space where the build runs (or give it more), then build again.\n")
    assert python_toml(p) == before  # the previous, complete layer's TOML: the layer is unchanged
    assert layer_files(p) == ["filler", "python.toml"]
    os.remove(os.path.join(p.layers, "filler"))
    again = run(p)
    assert again.returncode == 0, again.stdout
    assert warnings(again) == ["  WARNING: No run command: there is no Procfile, and no Django project or WSGI app "
                               "(app.py, main.py, wsgi.py ...) to start with gunicorn.\n           Set one: add a "
                               "Procfile (`web: <command>`), or set the platform's run command (e.g. `pack build "
                               "--default-process`, or the App Platform run command)."]
