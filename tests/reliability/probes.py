"""What the app-input, layers-dir, launch.toml and signal probes share: running a phase with a
timeout (a hang is a failure, not a stuck test run), and reading what a build left behind."""
import atexit
import os
import shutil
import subprocess
import tempfile
import time

from phasekit import ROOT

# Run as root without the capabilities that let root read any file: an unreadable file is then
# unreadable to the build, as it is to an unprivileged build user.
WITHOUT_DAC_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                        "--inh-caps=-dac_override,-dac_read_search", "--"]


def run(p, phase="build", timeout=180, prefix=(), env=None):
    """bin/<phase> over p's directories, as phasekit's Phase.build/detect do, with a timeout."""
    if phase == "build":
        with open(os.path.join(p.root, "plan.toml"), "w") as f:
            f.write('[[entries]]\nname = "python"\n')
    full_env = p.env()
    full_env.update(env or {})
    return subprocess.run(list(prefix) + [os.path.join(ROOT, "bin", phase)], cwd=p.app, env=full_env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout)


def error_block(result) -> str:
    """The [Error] block a failed phase ends with (from its "[Error]" line to the end)."""
    assert "Traceback" not in result.stdout, result.stdout
    index = result.stdout.rfind("\n[Error] ")
    assert index >= 0, result.stdout
    return result.stdout[index + 1:]


def layer_files(p):
    """The files directly in the layers dir: <layer>.toml, launch.toml, and any leftover."""
    return sorted(n for n in os.listdir(p.layers) if not os.path.isdir(os.path.join(p.layers, n))
                  or n.endswith(".toml"))


def warnings(result):
    """The WARNING lines of a phase's output, each with its hint lines."""
    out = []
    for line in result.stdout.splitlines():
        if line.startswith("  WARNING: "):
            out.append(line)
        elif line.startswith("           ") and out:
            out[-1] += "\n" + line
    return out


_RUNTIME = {}  # type: dict


def restore_runtime(p) -> None:
    """Put a finished build's python layer and python.toml into p's layers dir, as the lifecycle
    restores a cached layer: the build then reuses Python 3.12.1 instead of spending seconds
    installing it. The first call builds it, once per test process."""
    if "layers" not in _RUNTIME:
        from phasekit import Phase

        root = tempfile.mkdtemp(prefix="python-cnb-runtime-")
        atexit.register(shutil.rmtree, root, True)
        seed = Phase(os.path.join(root, "seed"), "no_run_command", p.env()["BP_PYTHON_RUNTIME_CATALOG"])
        result = run(seed)
        assert result.returncode == 0, result.stdout
        _RUNTIME["layers"] = seed.layers
    shutil.copytree(os.path.join(_RUNTIME["layers"], "python"), os.path.join(p.layers, "python"), symlinks=True)
    shutil.copyfile(os.path.join(_RUNTIME["layers"], "python.toml"), os.path.join(p.layers, "python.toml"))


def toml_parsers():
    """The TOML readers a written file must satisfy: the vendored one (what the buildpack reads
    back) and, on Python 3.11+, tomllib (as strict as the lifecycle's Go reader)."""
    from python_cnb.cnb import tomlfile

    parsers = [tomlfile.parse]
    try:
        import tomllib
        parsers.append(tomllib.loads)
    except ImportError:  # Python < 3.11: the vendored reader alone
        pass
    return parsers


# -- the process tree a build leaves (for the signal probes) ---------------------------------------

def children(pid):
    """Pids whose parent is pid (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/{}/stat".format(entry)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def descendants(pid):
    """Every pid below pid, children first."""
    found, frontier = [], [pid]
    while frontier:
        below = children(frontier.pop())
        found += below
        frontier += below
    return found


def alive(pid):
    """Whether pid runs (a zombie waiting for a reaper does not)."""
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids, seconds):
    end = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True
