"""How the launch check (launch_check.py) runs what it starts: bounded in time, in a process
group of its own that is stopped whole (a server's workers too), with the output kept to show
when it fails."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ..runner import stop_group

STOP_GRACE = 10.0     # seconds a stopped server gets before SIGKILL
EXCERPT_LINES = 15


class Outcome(NamedTuple):
    ok: bool
    output: str        # what the process printed
    what: str = ""     # what failed, in words
    status: int = 0    # serve: the first response's HTTP status
    seconds: float = 0.0


def python_of(env: Mapping[str, str]) -> str:
    """The interpreter a process of the image gets for `python3` (`python` on a 2.7 line)."""
    path = env.get("PATH", "")
    return shutil.which("python3", path=path) or shutil.which("python", path=path) or "python3"


def bounded(command: Sequence[str], env: Mapping[str, str], cwd: str, timeout: float) -> Outcome:
    start = time.monotonic()
    proc = subprocess.Popen(list(command), env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc, 0.0)
        out, _ = proc.communicate()
        return Outcome(False, _text(out), "it did not finish within {:g} s".format(timeout))
    except BaseException:
        stop_group(proc, 0.0)
        raise
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        return Outcome(False, _text(out), "it exited with code {}".format(proc.returncode), seconds=seconds)
    return Outcome(True, _text(out), seconds=seconds)


def probe(command: List[str], env: Mapping[str, str], cwd: str,
          timeout: float) -> Tuple[Optional[Outcome], List[Any]]:
    """Run launch_probe.py (command, without its report path): (a failure of the probe itself,
    else None; the report, one entry per check)."""
    with tempfile.TemporaryDirectory(prefix="python-cnb-") as tmp:
        report_path = os.path.join(tmp, "report.json")
        outcome = bounded(command + [report_path], env, cwd, timeout)
        try:
            with open(report_path, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, ValueError):
            return outcome._replace(ok=False), []
    return (None if outcome.ok else outcome), report if isinstance(report, list) else []


def serve(command: Sequence[str], env: Mapping[str, str], cwd: str, timeout: float) -> Outcome:
    """Start the process with PORT set to a free loopback port; wait for its first HTTP response,
    timeout seconds at most."""
    port = _free_port()
    start = time.monotonic()
    # No proxy from the build's environment: the request is for this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(list(command), env=dict(env, PORT=str(port)), cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            result = _first_response(proc, opener, port, start, timeout)
        finally:
            stop_group(proc, STOP_GRACE)
        out.seek(0)
        output = _text(out.read())
    return result._replace(output=output)


def _first_response(proc: subprocess.Popen, opener: urllib.request.OpenerDirector, port: int,
                    start: float, timeout: float) -> Outcome:
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            return Outcome(False, "", "it exited with code {} before answering HTTP".format(proc.returncode))
        try:
            with opener.open("http://127.0.0.1:{}/".format(port), timeout=5) as response:
                return Outcome(True, "", status=response.status, seconds=time.monotonic() - start)
        except urllib.error.HTTPError as e:  # any status is an answer
            return Outcome(True, "", status=e.code, seconds=time.monotonic() - start)
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            time.sleep(0.05)
    return Outcome(False, "", "it gave no HTTP response on port $PORT within {:g} s".format(timeout))


def excerpt(output: str) -> List[str]:
    """What a process printed from its traceback on (else from its start): all of it when short,
    else its first lines and its last ones, where Python names the app's frame and the error."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Traceback")), 0)
    lines = lines[start:]
    if len(lines) <= EXCERPT_LINES:
        return lines
    return lines[:2] + ["..."] + lines[-(EXCERPT_LINES - 3):]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _text(data: Optional[bytes]) -> str:
    return (data or b"").decode("utf-8", "replace")
