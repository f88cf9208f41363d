"""heroku's build hooks: bin/pre_compile runs before the dependencies are installed,
bin/post_compile after, both in the app directory with the build's environment (the
dependencies' console scripts on PATH).

A hook runs as the classic buildpack's bash ran it: a program (a #! script or a binary, with its
executable bit) is executed; anything else, a script without a #! line or without the bit, is
read by bash, as bash does with a file the kernel refuses to execute (ENOEXEC)."""
import os
import shutil
from typing import List, Mapping

from .errors import BuildpackError
from .layers import StepContext

_ELF = b"\x7fELF"


def run(step: StepContext, name: str) -> None:
    app_dir, log = step.app_dir, step.log
    path = os.path.join(app_dir, "bin", name)
    if not os.path.isfile(path):
        return
    log.header("Hook: bin/" + name)
    timer = log.timer()
    code = step.runner.run(command(path, name, step.env), step.env, cwd=app_dir)
    if code != 0:
        raise BuildpackError("bin/{} failed (exit {}); its output is above.".format(name, code),
                             hint="Fix the hook, or run it locally with the same environment to see why.")
    log.info("bin/{} finished in {}".format(name, timer.elapsed()))


def command(path: str, name: str, env: Mapping[str, str]) -> List[str]:
    """The command that runs the hook at path; an error when its #! line names an interpreter
    the build cannot start, which the kernel would only report as "not found"."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise BuildpackError("bin/{} cannot be read: {}.".format(name, e.strerror or e),
                             hint="Commit it as a regular, readable file.")
    if head.startswith(_ELF):
        return [path] if os.access(path, os.X_OK) else ["bash", path]
    if b"\r\n" in head:
        raise BuildpackError(
            "bin/{} has Windows (CRLF) line endings: neither bash nor the interpreter its first line names can "
            "run it as it is.".format(name),
            hint="Save it with Unix (LF) line endings, e.g. `dos2unix bin/{}`, and set `git config core.autocrlf "
                 "input` before committing it.".format(name))
    if not os.access(path, os.X_OK) or not head.startswith(b"#!"):
        return ["bash", path]
    _check_interpreter(head[2:].split(b"\n", 1)[0], name, env)
    return [path]


def _check_interpreter(line: bytes, name: str, env: Mapping[str, str]) -> None:
    text = line.decode("utf-8", "replace")
    words = text.split()
    if not words:
        raise BuildpackError("bin/{} starts with #! but names no interpreter.".format(name),
                             hint="Write the interpreter after #!, e.g. #!/usr/bin/env bash, or remove the line.")
    interpreter = words[0]
    if os.path.basename(interpreter) == "env" and len(words) > 1 and not words[1].startswith("-"):
        if os.access(interpreter, os.X_OK) and shutil.which(words[1], path=env.get("PATH", "")) is None:
            raise BuildpackError("bin/{} runs with {}, which is not on the build's PATH.".format(name, words[1]),
                                 hint="Use an interpreter the build image or an earlier step provides (bash, sh, "
                                      "python), or install it in an earlier buildpack.")
        return
    if not os.access(interpreter, os.X_OK):
        raise BuildpackError("bin/{} runs with {}, which the build image does not have.".format(name, interpreter),
                             hint="Use an interpreter the build image has (e.g. #!/usr/bin/env bash, or "
                                  "#!/usr/bin/env python for the app's Python).")
