#!/usr/bin/env python3
"""make build APP=<dir> IMAGE=<name> [BUILD_ENV="NAME=value ..."]: build any app with pack and our
builder, the way `make demo` builds the example: runtimes from the loopback mirror of this
machine's CPython versions (this workplace reaches no runtime host), the app's packages from
PyPI. Then run it with `docker run --network host -e PORT=8080 <name>` (DOCKER_HOST as printed)."""
import os
import shlex
import subprocess
import sys
import tempfile

from localplatform import ENV, SETTINGS, Mirror, Pack  # (puts tools/ on the path for runtime_mirror)
import runtime_mirror  # noqa: E402


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: make build APP=<app dir> IMAGE=<image name> [BUILD_ENV=\"NAME=value ...\"]")
    app, image = os.path.abspath(sys.argv[1]), sys.argv[2]
    env = dict(pair.split("=", 1) for pair in shlex.split(sys.argv[3] if len(sys.argv) > 3 else "") if "=" in pair)
    if not os.path.isdir(app):
        sys.exit("make build: {} is not a directory".format(app))
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)
        with Mirror(runtime_mirror.pyenv_versions(), os.path.join(work, "mount")) as mirror:
            print("==> pack build {} from {} (runtimes {} from the loopback mirror)".format(
                image, app, ", ".join(runtime_mirror.pyenv_versions())), file=sys.stderr, flush=True)
            result = subprocess.run(Pack(mirror.mount_dir).command(app, image, env), env=ENV)
    if result.returncode != 0:
        sys.exit(result.returncode)
    print("\nRun it:\n  DOCKER_HOST={} docker run --rm --network host -e PORT=8080 {}".format(
        SETTINGS["DOCKER_HOST"], image))


if __name__ == "__main__":
    main()
