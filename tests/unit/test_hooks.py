"""How a hook runs: as a program when it is one, else with bash (the classic buildpack's rule)."""
import os
import shutil
import sys

import pytest

from python_cnb.errors import BuildpackError
from python_cnb.hooks import command

from fakes import write_file

ENV = {"PATH": "/usr/bin:/bin"}


def hook(tmp_path, data, mode=0o755):
    path = os.path.join(str(tmp_path), "bin", "post_compile")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("data, mode, runs", [
    (b"#!/bin/sh\necho hi\n", 0o755, "itself"),
    (b"echo no shebang\n", 0o755, "bash"),           # was `Exec format error`, an internal error
    (b"#!/bin/sh\necho hi\n", 0o644, "bash"),        # no exec bit: bash reads it, the #! line a comment
    (b"", 0o755, "bash"),                            # empty: bash runs nothing, successfully
    (b"#!/usr/bin/env sh\necho hi\n", 0o755, "itself"),
    (b"#!/usr/bin/env -S sh -e\necho hi\n", 0o755, "itself"),
])
def test_what_runs_the_hook(tmp_path, data, mode, runs):
    path = hook(tmp_path, data, mode)
    assert command(path, "post_compile", ENV) == ([path] if runs == "itself" else ["bash", path])


def test_a_binary_hook_runs_itself(tmp_path):
    path = os.path.join(str(tmp_path), "post_compile")
    shutil.copy(os.path.realpath(sys.executable), path)
    assert command(path, "post_compile", ENV) == [path]


@pytest.mark.parametrize("data, message", [
    (b"#!/bin/sh\r\necho hi\r\n", "bin/post_compile has Windows (CRLF) line endings: neither bash nor the interpreter "
                                  "its first line names can run it as it is."),
    (b"echo hi\r\n", "bin/post_compile has Windows (CRLF) line endings: neither bash nor the interpreter its first "
                     "line names can run it as it is."),
    (b"#!/opt/nowhere/bash\necho hi\n", "bin/post_compile runs with /opt/nowhere/bash, which the build image does not "
                                        "have."),
    (b"#!/usr/bin/env nowhere-shell\n", "bin/post_compile runs with nowhere-shell, which is not on the build's PATH."),
    (b"#!\n", "bin/post_compile starts with #! but names no interpreter."),
])
def test_hooks_that_cannot_run_are_named(tmp_path, data, message):
    with pytest.raises(BuildpackError) as e:
        command(hook(tmp_path, data), "post_compile", ENV)
    assert e.value.message == message


def test_env_finds_the_interpreter_on_the_builds_path(tmp_path):
    write_file(os.path.join(str(tmp_path), "tools", "mytool"), "#!/bin/sh\n", 0o755)
    path = hook(tmp_path, b"#!/usr/bin/env mytool\n")
    assert command(path, "post_compile", {"PATH": os.path.join(str(tmp_path), "tools")}) == [path]
