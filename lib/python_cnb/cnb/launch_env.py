"""The environment a process of the image gets at launch, built in the build container from this
buildpack's launch layers the way the CNB launcher builds it (lifecycle's launch/launcher.go):
the run image's PATH; every launch layer's bin/ and lib/, in order of name, prepended to PATH and
LD_LIBRARY_PATH; then every layer's env/ and env.launch/ files, in the same order (so a venv's
PATH.prepend puts its bin/ before every layer's); then each layer's exec.d programs, whose TOML
output overrides (that is where WEB_CONCURRENCY comes from). The launch check
(steps/launch_check.py) starts processes in it, so what it sees is what the container will."""
import os
import subprocess
from typing import Dict, List, Mapping, Sequence

from . import tomlfile

# The PATH a CNB run image sets (the Paketo and heroku run images alike).
RUN_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
EXEC_D_TIMEOUT = 30.0


def launch_layers(layers_dir: str, unmarked: Sequence[str] = ()) -> List[str]:
    """The names of the layers this build marked launch = true, whose contents are here, and of
    the unmarked ones that stand in for a launch layer until the build ends (a runtime's copy)."""
    names = [name for name in unmarked if os.path.isdir(os.path.join(layers_dir, name))]
    for entry in sorted(os.listdir(layers_dir)):
        if not entry.endswith(".toml") or entry in ("launch.toml", "build.toml", "store.toml"):
            continue
        name = entry[:-len(".toml")]
        try:
            types = tomlfile.read(os.path.join(layers_dir, entry)).get("types", {})
        except tomlfile.UnreadableToml:
            continue
        if isinstance(types, dict) and types.get("launch") is True and os.path.isdir(os.path.join(layers_dir, name)):
            names.append(name)
    return sorted(set(names))


def environment(layers_dir: str, base: Mapping[str, str], unmarked: Sequence[str] = ()) -> Dict[str, str]:
    """base: what the run image and the platform set (HOME, the user's runtime variables)."""
    env = dict(base)
    env.setdefault("PATH", RUN_IMAGE_PATH)
    layers = [os.path.join(layers_dir, name) for name in launch_layers(layers_dir, unmarked)]
    for path in layers:
        for variable, sub in (("PATH", "bin"), ("LD_LIBRARY_PATH", "lib")):
            if os.path.isdir(os.path.join(path, sub)):
                env[variable] = os.path.join(path, sub) + (":" + env[variable] if env.get(variable) else "")
    for path in layers:
        for sub in ("env", "env.launch"):
            apply_env_dir(env, os.path.join(path, sub))
    for path in layers:
        env.update(exec_d(os.path.join(path, "exec.d"), env))
    return env


def apply_env_dir(env: Dict[str, str], directory: str) -> None:
    """The spec's env files: NAME (or NAME.override), NAME.default, NAME.prepend / NAME.append
    joined by NAME.delim (nothing when there is none)."""
    names = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
    files = {name: _read(os.path.join(directory, name)) for name in names
             if os.path.isfile(os.path.join(directory, name))}
    for name, value in files.items():
        variable, _, how = name.rpartition(".") if "." in name else (name, "", "override")
        if how == "override" or (how == "default" and not env.get(variable)):
            env[variable] = value
        elif how in ("prepend", "append"):
            current, delim = env.get(variable, ""), files.get(variable + ".delim", "")
            env[variable] = (value + delim + current if how == "prepend" else current + delim + value) \
                if current else value


def exec_d(directory: str, env: Mapping[str, str]) -> Dict[str, str]:
    """What the exec.d programs in directory set: each gets fd 3 to write TOML to (here, its stdout
    while its own stdout goes nowhere)."""
    out: Dict[str, str] = {}
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        program = os.path.join(directory, name)
        if not os.access(program, os.X_OK) or not os.path.isfile(program):
            continue
        try:
            done = subprocess.run(["sh", "-c", '"$0" 3>&1 >/dev/null', program], env=dict(env, **out),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True,
                                  timeout=EXEC_D_TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            continue  # the launcher would fail the same way at start: the check then reports the process
        if done.returncode == 0:
            try:
                values = tomlfile.parse(done.stdout)
            except tomlfile.UnreadableToml:
                continue
            out.update({k: v for k, v in values.items() if isinstance(v, str)})
    return out


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()
