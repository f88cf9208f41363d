"""make lint: every commit subject since BASE is at most LIMIT characters (the story goes in the
body). BASE is the last landed commit before the rule (issue 19): published history cannot be
reworded. In a clone without BASE (shallow), HEAD's subject alone is checked; outside git,
nothing is."""
import subprocess
import sys

BASE = "43b06b31ec33ce0eed6b3a74a0c425ac2e26bfd8"
LIMIT = 72


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(("git",) + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True)


def main() -> int:
    if git("rev-parse", "--git-dir").returncode != 0:
        print("commit subjects: not a git checkout, nothing to check")
        return 0
    span = [BASE + "..HEAD"] if git("cat-file", "-e", BASE + "^{commit}").returncode == 0 else ["-1", "HEAD"]
    log = git("log", "--no-merges", "--format=%h %s", *span)
    long = [line for line in log.stdout.splitlines() if len(line.partition(" ")[2]) > LIMIT]
    for line in long:
        commit, _, subject = line.partition(" ")
        print("{}: subject is {} characters (at most {}): {}".format(commit, len(subject), LIMIT, subject))
    if long:
        print("Shorten them (git rebase -i, reword): the detail goes in the body.")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
