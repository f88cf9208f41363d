"""Fakes beside the real runner and downloader (as packit keeps fakes/), so a layer's decisions and
the commands it runs are fast unit tests; phase and e2e tests keep the real ones."""
import os
import subprocess
from typing import Callable, Dict, List, Mapping, Optional, Tuple


class RecordingRunner:
    """Records each command with its env; answers with what `answer(cmd)` returns:
    (exit code, stdout), default (0, "")."""

    def __init__(self, answer: Optional[Callable[[List[str]], Tuple[int, str]]] = None) -> None:
        self.answer = answer or (lambda cmd: (0, ""))
        self.commands: List[List[str]] = []
        self.envs: List[Dict[str, str]] = []
        self.stdins: Dict[int, bytes] = {}  # by index in commands, for run_together's jobs

    def run_together(self, jobs, env: Mapping[str, str]) -> List[int]:
        codes = []
        for cmd, stdin in jobs:
            self.stdins[len(self.commands)] = stdin
            codes.append(self.run(cmd, env))
        return codes

    def run(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None, quiet: bool = False,
            keep: Optional[List[str]] = None) -> int:
        self.commands.append(list(cmd))
        self.envs.append(dict(env))
        code, out = self.answer(list(cmd))
        if keep is not None:
            keep.extend(out.splitlines())
        return code

    def capture(self, cmd: List[str], env: Mapping[str, str], cwd: Optional[str] = None) -> subprocess.CompletedProcess:
        self.commands.append(list(cmd))
        self.envs.append(dict(env))
        code, out = self.answer(list(cmd))
        return subprocess.CompletedProcess(cmd, code, out, "")


class FakeDownloader:
    """Serves files from {url: bytes} and records what was asked (url, sha256)."""

    def __init__(self, files: Dict[str, bytes]) -> None:
        self.files = files
        self.fetched: List[Tuple[str, str]] = []

    def fetch(self, url: str, dest: str, sha256: str) -> str:
        self.fetched.append((url, sha256))
        with open(dest, "wb") as f:
            f.write(self.files[url])
        return sha256


def write_file(path: str, text: str, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
