#!/usr/bin/env python3
"""make demo: build examples/flask-hello with pack and our builder (`make platform` set the
platform up first), run it, show its first HTTP response, stop it."""
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from localplatform import ENV, ROOT, Mirror, Pack, free_port, run

IMAGE = "localhost/python-cnb-demo/flask-hello"


def say(text: str) -> None:
    print("==> " + text, file=sys.stderr, flush=True)


def first_response(url: str, deadline: float = 30.0) -> str:
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                headers = "".join("{}: {}\n".format(k, v) for k, v in r.getheaders())
                return "HTTP {} {}\n{}\n{}".format(r.status, r.reason, headers, r.read().decode())
        except (urllib.error.URLError, OSError):
            if time.monotonic() > end:
                raise SystemExit("demo: no answer from {} in {:.0f} s".format(url, deadline))
            time.sleep(0.2)


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)
        with Mirror(["3.12.1"], os.path.join(work, "mount")) as mirror:
            say("pack build {} (runtimes from the loopback mirror {})".format(IMAGE, mirror.server.url))
            command = Pack(mirror.mount_dir).command(os.path.join(ROOT, "examples", "flask-hello"), IMAGE)
            result = subprocess.run(command, env=ENV)  # the build log, as it happens
            if result.returncode != 0:
                raise SystemExit("demo: pack build failed (exit {})".format(result.returncode))
    port = free_port()
    container = run(["docker", "run", "-d", "--network", "host", "-e", "PORT={}".format(port), IMAGE])
    if container.returncode != 0:
        raise SystemExit("demo: docker run failed: " + container.stdout)
    cid = container.stdout.strip().splitlines()[-1]
    try:
        url = "http://127.0.0.1:{}/".format(port)
        response = first_response(url)
        say("serving at " + url)
        print("\n".join(response.splitlines()[:8]) + "\n")
    finally:
        say("stopping the container")
        run(["docker", "rm", "-f", cid])


if __name__ == "__main__":
    main()
