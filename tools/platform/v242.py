"""heroku-buildpack-python v242's bin/compile, run for make bench beside our builds in the same run:
in our build image (as root: it writes /app/.heroku), on the host network (PyPI, the Debian
archive for its sqlite3 step), with the same runtime archive from a loopback mirror laid out as
its S3 bucket. Its time is bin/compile's own, measured in the container, as ours is bin/build's.

The buildpack's tree is not ours to carry: BENCH_V242_DIR names a checkout of it at v242 (e.g.
`git -C heroku-buildpack-python archive archive/v242 | tar -x -C /tmp/v242`)."""
import os
import re
import shutil
import subprocess
from typing import NamedTuple, Optional, Tuple

from localplatform import SETTINGS, run, runtime_mirror  # localplatform puts tools/ on sys.path

STACK = "heroku-22"
VERSION = "3.12.1"
_SECONDS = re.compile(r"^V242_SECONDS (\d+)$", re.MULTILINE)


class Compiled(NamedTuple):
    seconds: float
    output: str


class Classic:
    """v242 builds of apps, each with a cache directory kept between its builds as Heroku keeps it."""

    def __init__(self, buildpack_dir: str, archive: str, work: str) -> None:
        # a copy: bin/compile writes its `export` file into the buildpack's own directory
        self.buildpack_dir = os.path.join(work, "v242-buildpack")
        shutil.copytree(buildpack_dir, self.buildpack_dir, symlinks=True)
        self.work = work
        bucket = os.path.join(work, "v242-bucket")
        runtimes = os.path.join(bucket, STACK, "runtimes")
        os.makedirs(runtimes, exist_ok=True)
        shutil.copyfile(archive, os.path.join(runtimes, os.path.basename(archive)))
        self.server = runtime_mirror.serve(bucket)

    def close(self) -> None:
        self.server.close()

    def compile(self, app_dir: str, name: str, fresh: bool) -> Compiled:
        """bin/compile of a fresh copy of app_dir (Heroku builds a fresh checkout each time) with
        name's cache (emptied when fresh)."""
        build, cache, env = (os.path.join(self.work, "v242-" + name, d) for d in ("build", "cache", "env"))
        for path in (build,) + ((cache,) if fresh else ()):
            shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(app_dir, build)
        # v242 takes full versions only: the same runtime ours resolves "3.12" to, from the same archive.
        with open(os.path.join(build, "runtime.txt"), "w") as f:
            f.write("python-{}\n".format(VERSION))
        os.makedirs(cache, exist_ok=True)
        os.makedirs(env, exist_ok=True)
        script = ('s=$(date +%s%N); /buildpack/bin/compile /tmp/build /tmp/cache /tmp/env; rc=$?; '
                  'e=$(date +%s%N); echo "V242_SECONDS $(( (e - s) / 1000000 ))"; exit $rc')
        done = run(["docker", "run", "--rm", "--network", "host", "--user", "0",
                    "-v", "{}:/buildpack".format(self.buildpack_dir), "-v", "{}:/tmp/build".format(build),
                    "-v", "{}:/tmp/cache".format(cache), "-v", "{}:/tmp/env:ro".format(env),
                    "-e", "STACK=" + STACK, "-e", "BUILDPACK_S3_BASE_URL=" + self.server.url,
                    "--entrypoint", "bash", SETTINGS["BUILD_IMAGE"], "-c", script])
        found = _SECONDS.search(done.stdout)
        if done.returncode != 0 or not found:
            raise RuntimeError("v242's bin/compile of {} failed:\n{}".format(name, done.stdout[-3000:]))
        return Compiled(int(found.group(1)) / 1000, done.stdout)


def checkout() -> Tuple[Optional[str], str]:
    """(BENCH_V242_DIR, "") when it holds v242's bin/compile, else (None, why not)."""
    path = os.environ.get("BENCH_V242_DIR", "")
    if not path:
        return None, "BENCH_V242_DIR is not set"
    compile_script = os.path.join(path, "bin", "compile")
    if not os.path.isfile(compile_script):
        return None, "{} has no bin/compile".format(path)
    found = subprocess.run(["grep", "-c", 'LATEST_312="python-3.12.1"', os.path.join(path, "bin", "default_pythons")],
                           stdout=subprocess.PIPE, universal_newlines=True)
    if found.stdout.strip() != "1":
        return None, "{} is not v242 (its default 3.12 is not 3.12.1)".format(path)
    return os.path.abspath(path), ""
