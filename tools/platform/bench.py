#!/usr/bin/env python3
"""make bench: figures, not tests. One table (what, ours, reference, ratio, goal) printed and
written with every raw figure to build/bench/results.json. Medians of ROUNDS runs.

- bin/detect (POSIX sh) against a bare `python3 -I -S -c pass` (interleaved runs)
- cold and no-change `pack build` of examples/flask-hello, daemon mode (our default builder) and
  publish mode (the newest-lifecycle builder, to the project's registry), each against the floor:
  the same builds with a buildpack that writes one launch layer and a process; and against that
  floor writing our launch layers' files as its own (in daemon mode the lifecycle reads every
  reused launch layer in full from its launch cache, gzips and hashes it, and loads it into the
  engine: a cost that grows with the layers' size, whoever writes them)
- the cold runtime step split from the build log's timestamps: download (the runtime's and the
  toolset's wheels'), unpack, toolset (pip, setuptools, wheel unpacked, byte-compiled and checked)
- our launch layers against the slug heroku-buildpack-python v242 ships for a small Flask app
- container start to the first HTTP 200
- cold builds of the Flask and Django 4.0-era fixtures with each installer (pip, and uv by
  BP_PYTHON_PACKAGE_MANAGER=uv): pack build wall time and the dependencies step from the log;
  with pip, bin/build's own time against v242's bin/compile on the same apps (issue 12's run)
- the bootstrap's cost: the same Flask app through the builder whose build image has no python3
- rebuilds (BENCH_ONLY=rebuilds runs these alone): cold, no change and one requirement added, for
  Flask in daemon and publish mode with each way of keeping the runtime (the default: the
  runtime as pip needs it in the cache; BP_PYTHON_RUNTIME_CACHE=false: nothing of it; =true, with
  BENCH_ALL_OPTIONS=1: the whole runtime), for Django 4.0 (collectstatic), and for Flask with
  both layers kept in the cache (flask-cached: a bin/post_compile), interleaved; beside v242's
  bin/compile of the same apps in the same run (BENCH_V242_DIR)
- lock apps (BENCH_ONLY=locks runs these alone): uv.lock, poetry.lock, Pipfile.lock and
  pylock.toml fixtures, each installed by its own tool, cold then no change, beside the pip path:
  a no-change rebuild runs no installer
- the launch check (BENCH_ONLY=launch-check runs it alone): examples/flask-hello built cold and
  then with no change at each BP_LAUNCH_CHECK level, interleaved: the check's own time from the
  log, the serve level's time to the first response, and the no-change rebuild with the check on
  (server, the default) beside the same rebuild with it off (the build as it was before the
  check: the same code, minus the step)"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from typing import Dict, List, NamedTuple, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localplatform import SETTINGS, Mirror, Pack, free_port, run  # noqa: E402  (this script's own folder)
import v242  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
INSTALLER_APPS = {"flask": "flask_default_process", "django40": "django40_heroku_era"}
INSTALLERS = {"pip": {}, "uv": {"BP_PYTHON_PACKAGE_MANAGER": "uv"}}
_INSTALLED = re.compile(r"  Installed \d+ distributions in ([0-9.]+)s")
_TOOL_INSTALLED = re.compile(r"  Installed uv in ([0-9.]+)s")
FLOOR_BUILDER = "localhost/python-cnb-bench/builder:floor"
FLOOR_PUBLISH_BUILDER = "localhost/python-cnb-bench/builder:floor-publish"
APP_IMAGE = "localhost/python-cnb-bench/flask-hello"
PUBLISH_IMAGE = SETTINGS["REGISTRY"] + "/python-cnb-bench/flask-hello"
# v242's slug for a small Flask app, recorded in issue 12's run on 2026-11-2x (not measured here):
# the size that app ships with the classic buildpack (runtime, pip and the app's packages).
V242_FLASK_SLUG_BYTES = 73.6e6
COLD_GOALS = {"flask": 3.0, "django40": 2.0}
# Rebuilds: the ways of keeping the runtime measured side by side (retention.for_runtime).
RUNTIME_OPTIONS = {"default": {}, "BP_PYTHON_RUNTIME_CACHE=false": {"BP_PYTHON_RUNTIME_CACHE": "false"},
                   "BP_PYTHON_RUNTIME_CACHE=true": {"BP_PYTHON_RUNTIME_CACHE": "true"}}
GOAL_OPTION = "default"  # the goals are the default's; the other options are measured beside it
REBUILD_APPS = {"flask": os.path.join(ROOT, "examples", "flask-hello"),
                "django40": os.path.join(ROOT, "tests", "fixtures", "apps", "django40_heroku_era"),
                "flask-cached": os.path.join(ROOT, "examples", "flask-hello")}
# The trade-off beside the default: flask-hello with a bin/post_compile that does nothing, so both
# layers are kept in the cache too (retention.py) and a dependency change unpacks nothing; the
# lifecycle restores and exports them on every build instead (its no-change pack build).
HOOKED_APPS = {"flask-cached": ("bin/post_compile", "#!/bin/sh\nexit 0\n")}
# false: nothing of the runtime in the cache (the default before steps/pip_runtime.py), the
# no-change figure the default must stay within 0.1 s of; true: the whole runtime in the cache
# (BENCH_ALL_OPTIONS=1: the lifecycle restores and exports it on every build, docs/benchmarks.md).
REBUILD_CASES = [("flask", "daemon", "default"), ("flask", "daemon", "BP_PYTHON_RUNTIME_CACHE=false"),
                 ("flask", "publish", "default"), ("flask", "publish", "BP_PYTHON_RUNTIME_CACHE=false"),
                 ("django40", "daemon", "default"), ("flask-cached", "daemon", "default")]
if os.environ.get("BENCH_ALL_OPTIONS"):
    REBUILD_CASES.insert(2, ("flask", "daemon", "BP_PYTHON_RUNTIME_CACHE=true"))
REBUILD_KINDS = ("cold", "no_change", "one_requirement_added")
# BENCH_APPS=django40 (say) measures those apps' rebuilds alone.
_ONLY_APPS = [a for a in os.environ.get("BENCH_APPS", "").split(",") if a]
REBUILD_CASES = [c for c in REBUILD_CASES if not _ONLY_APPS or c[0] in _ONLY_APPS]
REBUILD_APPS = {a: path for a, path in REBUILD_APPS.items() if not _ONLY_APPS or a in _ONLY_APPS}
ADDED_REQUIREMENT = "six==1.16.0\n"
# Each lock installed by its own tool (issue 20), beside the pip path: cold, then a no-change
# rebuild, which must run no installer. BENCH_ONLY=locks measures these alone.
LOCK_APPS = {"pip": "flask_default_process", "uv": "uv_packaged", "poetry": "poetry_flask",
             "pipenv": "pipenv_locked", "pylock": "pylock_app"}
_INSTALLER_RAN = re.compile(r"^  Installing dependencies ", re.M)
REBUILD_GOALS = {("flask", "one_requirement_added"): 1.6, ("django40", "no_change"): 0.3,
                 ("django40", "one_requirement_added"): 3.5}


class Row(NamedTuple):
    what: str
    ours: str
    reference: str = ""
    ratio: Optional[float] = None
    goal: str = ""
    met: Optional[bool] = None


def floor_builders() -> None:
    """Builders like ours (same stack and lifecycles) whose only buildpack does the least: the
    floor a no-change `pack build` cannot go below on this machine, per mode."""
    env = dict(os.environ, BUILDPACK_URI=os.path.join(ROOT, "tools", "platform", "floor-buildpack"),
               BUILDPACK_ID="python-cnb/floor")
    for name, extra in ((FLOOR_BUILDER, {}), (FLOOR_PUBLISH_BUILDER, {"BUILDER_RUN_IMAGE": SETTINGS["REGISTRY_RUN_IMAGE"]})):
        lifecycle = SETTINGS["NEWEST_LIFECYCLE_TARBALL"] if extra else SETTINGS["LIFECYCLE_TARBALL"]
        made = subprocess.run([os.path.join(ROOT, "tools", "platform", "builder.sh"), name, lifecycle],
                              env=dict(env, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        if made.returncode != 0:
            sys.exit("bench: could not create the floor builder {}:\n{}".format(name, made.stdout))


def payload(image: str, work: str) -> str:
    """Our launch layers' files (python, dependencies) from the app image as one tar, a
    directory to mount into a floor build that writes them as a launch layer of its own."""
    out = os.path.join(work, "payload")
    cid = run(["docker", "create", image]).stdout.strip()
    try:
        copied = run(["docker", "cp", cid + ":/layers/python-cnb_python", os.path.join(work, "ours")])
        if copied.returncode != 0:
            sys.exit("bench: could not copy the launch layers out of {}:\n{}".format(image, copied.stdout))
    finally:
        run(["docker", "rm", "-f", cid])
    os.makedirs(out)
    subprocess.run(["tar", "-cf", os.path.join(out, "layers.tar"), "-C", os.path.join(work, "ours"),
                    "python", "dependencies"], check=True)
    shutil.rmtree(os.path.join(work, "ours"))
    for path in (out, os.path.join(out, "layers.tar")):
        os.chmod(path, 0o755)  # the build runs as the image's CNB user
    return out


def tar_unpack_seconds(archive: str) -> float:
    """GNU tar unpacking the same runtime archive, in the build image, into a fresh volume as the
    layers are: the floor for our unpack step (which also checks every entry)."""
    script = ("sleep 1; mkdir /layers/python; s=$(date +%s%N); tar -xzf /archive -C /layers/python; "
              "e=$(date +%s%N); echo $(( (e - s) / 1000 ))")
    runs = []
    for _ in range(ROUNDS):
        done = run(["docker", "run", "--rm", "--network", "none", "--user", "0", "--mount", "type=volume,dst=/layers",
                    "-v", "{}:/archive:ro".format(archive), "--entrypoint", "sh", SETTINGS["BUILD_IMAGE"], "-c", script])
        if done.returncode != 0:
            sys.exit("bench: tar in the build image failed:\n" + done.stdout)
        runs.append(int(done.stdout.strip().splitlines()[-1]) / 1e6)
    return statistics.median(runs)


def detect_times(runs: int = 300):
    """Median wall time of bin/detect and of a bare interpreter start, interleaved."""
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    app = tempfile.mkdtemp()
    open(os.path.join(app, "requirements.txt"), "w").close()
    env = {"PATH": os.path.dirname(python) + ":/usr/bin:/bin", "CNB_BUILD_PLAN_PATH": os.path.join(app, "plan.toml"),
           "CNB_BUILDPACK_DIR": ROOT}
    bare, detect = [], []  # type: List[float], List[float]
    for _ in range(runs):
        for cmd, out in (([python, "-I", "-S", "-c", "pass"], bare), ([os.path.join(ROOT, "bin", "detect")], detect)):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, check=True)
            out.append(time.perf_counter() - start)
    shutil.rmtree(app)
    return python, statistics.median(bare), statistics.median(detect)


_STAMP = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) (.*)$")


def runtime_split(log: str) -> Dict[str, float]:
    """Seconds from the cold build's timestamped log (`pack build --timestamps`): download (to the
    verified checksum), unpack (to the toolset's start), toolset (to its end, compile included,
    its wheels' download, which the log states, not)."""
    marks = {}  # type: Dict[str, float]
    for line in log.splitlines():
        m = _STAMP.match(line)
        if not m:
            continue
        at = datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
        for key, text in (("start", "Downloading Python"), ("verified", "Verified sha256"),
                          ("verified", "No published checksum"), ("toolset", "  Installing pip"),
                          ("done", "  Installed pip")):
            if text in m.group(2) and key not in marks:
                marks[key] = at
    if len(marks) < 4:
        return {}
    toolset = re.search(r"Installed pip .* in [\d.]+s \(download ([\d.]+)s, bytecode ([\d.]+)s\)", log)
    wheels_s = float(toolset.group(1)) if toolset else 0.0
    split = {"download_s": marks["verified"] - marks["start"], "unpack_s": marks["toolset"] - marks["verified"],
             "toolset_s": marks["done"] - marks["toolset"] - wheels_s, "toolset_download_s": wheels_s}
    if toolset:
        split["compile_s"] = float(toolset.group(2))
    split["after_download_s"] = split["unpack_s"] + split["toolset_s"]
    return split


def build_seconds(log: str) -> Optional[float]:
    m = re.search(r"Build finished in ([\d.]+)s", log)
    return float(m.group(1)) if m else None


def rounds(pack: Pack, app: str, image: str, extra: List[str]) -> Dict[str, List[dict]]:
    """ROUNDS pairs of a cold build then a no-change build."""
    out = {"cold": [], "no_change": []}  # type: Dict[str, List[dict]]
    for _ in range(ROUNDS):
        for kind, fresh in (("cold", True), ("no_change", False)):
            result = pack.build(app, image, fresh=fresh, extra=extra + ["--timestamps"])
            if result.returncode != 0:
                sys.exit("bench: pack build of {} failed:\n{}".format(image, result.stdout[-3000:]))
            out[kind].append({"pack_build_s": result.seconds, "bin_build_s": build_seconds(result.stdout),
                              "runtime": runtime_split(result.stdout) if fresh else {}})
    return out


def installers(mirror_dir: str, work: str) -> Dict[str, List[dict]]:
    """Cold builds of each app with each installer, interleaved, ROUNDS rounds."""
    out = {}  # type: Dict[str, List[dict]]
    pack = Pack(mirror_dir)
    for n in range(ROUNDS):
        for app, fixture in INSTALLER_APPS.items():
            for installer, env in INSTALLERS.items():
                app_dir = os.path.join(work, "{}-{}-{}".format(app, installer, n))
                shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "apps", fixture), app_dir)
                image = "localhost/python-cnb-bench/{}-{}".format(app, installer)
                built = pack.build(app_dir, image, env, fresh=True)
                if built.returncode != 0:
                    sys.exit("bench: {} with {} failed:\n{}".format(app, installer, built.stdout[-3000:]))
                tool = _TOOL_INSTALLED.search(built.stdout)
                install = _INSTALLED.search(built.stdout)
                out.setdefault("{} {}".format(app, installer), []).append({
                    "pack_build_s": built.seconds, "bin_build_s": build_seconds(built.stdout),
                    "tool_s": float(tool.group(1)) if tool else 0.0,
                    "dependencies_s": (float(install.group(1)) if install else 0.0) + (float(tool.group(1)) if tool else 0.0)})
                run(["docker", "image", "rm", "-f", image])
    return out


def lock_rounds(mirror_dir: str, work: str) -> Dict[str, List[dict]]:
    """ROUNDS interleaved rounds of each LOCK_APPS app: a cold build, then a no-change one."""
    out = {}  # type: Dict[str, List[dict]]
    pack = Pack(mirror_dir)
    for n in range(ROUNDS):
        for installer, fixture in LOCK_APPS.items():
            app_dir = os.path.join(work, "lock-{}-{}".format(installer, n))
            shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "apps", fixture), app_dir)
            image = "localhost/python-cnb-bench/lock-{}".format(installer)
            for kind, fresh in (("cold", True), ("no_change", False)):
                built = pack.build(app_dir, image, fresh=fresh)
                if built.returncode != 0:
                    sys.exit("bench: {} ({}) failed:\n{}".format(fixture, kind, built.stdout[-3000:]))
                install = _INSTALLED.search(built.stdout)
                out.setdefault("{} {}".format(installer, kind), []).append({
                    "pack_build_s": built.seconds, "bin_build_s": build_seconds(built.stdout),
                    "dependencies_s": float(install.group(1)) if install else 0.0,
                    "installer_ran": bool(_INSTALLER_RAN.search(built.stdout))})
            run(["docker", "image", "rm", "-f", image])
    return out


def lock_table(runs: Dict[str, List[dict]]) -> List[Row]:
    rows = []  # type: List[Row]
    pip_again = median(runs["pip no_change"], "bin_build_s")
    for installer in LOCK_APPS:
        cold, again = runs["{} cold".format(installer)], runs["{} no_change".format(installer)]
        ran = sum(1 for r in again if r["installer_ran"])
        ours = median(again, "bin_build_s") or 0
        rows.append(Row("{} ({}): cold bin/build {:.1f} s (install {:.1f} s); no-change bin/build, installer ran "
                        "{}/{}".format(installer, LOCK_APPS[installer], median(cold, "bin_build_s") or 0,
                                       median(cold, "dependencies_s") or 0, ran, len(again)),
                        "{:.2f} s".format(ours), "pip no-change {:.2f} s".format(pip_again or 0),
                        ours / pip_again if pip_again else None, "no installer", ran == 0))
    return rows


def _fresh_app(app: str, work: str, name: str) -> str:
    path = os.path.join(work, name)
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(REBUILD_APPS[app], path)
    if app in HOOKED_APPS:
        hook, text = HOOKED_APPS[app]
        hook = os.path.join(path, hook)
        os.makedirs(os.path.dirname(hook), exist_ok=True)
        with open(hook, "w") as f:
            f.write(text)
        os.chmod(hook, 0o755)
    return path


def _add_requirement(app_dir: str) -> None:
    with open(os.path.join(app_dir, "requirements.txt"), "a") as f:
        f.write(ADDED_REQUIREMENT)


def _rebuild_figures(log: str, seconds: Optional[float] = None) -> dict:
    return {"pack_build_s": seconds, "bin_build_s": build_seconds(log),
            "runtime_installed": "Downloading Python" in log or "  Installing pip" in log,
            "runtime_unpacked": "  Unpacked the cache's copy of Python" in log,  # steps/pip_runtime.py
            "dependencies_unpacked": "  Unpacked the cache's copy of the last build's dependencies" in log,
            "collectstatic": "reused" if "Reusing collectstatic's output" in log else
            "ran" if "Running python manage.py collectstatic" in log else ""}


def rebuild_rounds(mirror: Mirror, work: str) -> Dict[str, List[dict]]:
    """ROUNDS interleaved rounds of each case (cold, no change, one requirement added), then
    v242's bin/compile of the same apps the same way, when BENCH_V242_DIR names it."""
    out = {}  # type: Dict[str, List[dict]]
    classic_dir, why_not = v242.checkout()
    classic = None
    if classic_dir:
        classic = v242.Classic(classic_dir, os.path.join(mirror.cache, "runtimes", "python-3.12.1.tar.gz"), work)
    else:
        out["v242_not_measured"] = [{"why": why_not}]
    try:
        for _ in range(ROUNDS):
            for app, mode, option in REBUILD_CASES:
                builder = SETTINGS["BUILDER"] if mode == "daemon" else SETTINGS["NEWEST_BUILDER"]
                prefix = APP_IMAGE if mode == "daemon" else PUBLISH_IMAGE
                image = "{}-{}-{}".format(prefix, app, re.sub(r"[^a-z0-9]+", "-", option.lower()).strip("-"))
                extra = ["--publish"] if mode == "publish" else []
                app_dir = _fresh_app(app, work, "rebuild-app")
                for kind in REBUILD_KINDS:
                    if kind == "one_requirement_added":
                        _add_requirement(app_dir)
                    built = Pack(mirror.mount_dir, builder).build(app_dir, image, RUNTIME_OPTIONS[option],
                                                            fresh=kind == "cold", extra=extra)
                    if built.returncode != 0:
                        sys.exit("bench: {} {} {} ({}) failed:\n{}".format(app, mode, option, kind, built.stdout[-3000:]))
                    out.setdefault("{} {} {} {}".format(app, mode, option, kind), []).append(
                        _rebuild_figures(built.stdout, built.seconds))
            for app in [a for a in REBUILD_APPS if a not in HOOKED_APPS] if classic else ():
                app_dir = _fresh_app(app, work, "rebuild-app")
                for kind in REBUILD_KINDS:
                    if kind == "one_requirement_added":
                        _add_requirement(app_dir)
                    try:
                        compiled = classic.compile(app_dir, app, fresh=kind == "cold")
                    except RuntimeError as e:  # v242's own failure: recorded, and our figures still count
                        out.setdefault("v242 failures", []).append({"app": app, "kind": kind, "output": str(e)[-2000:]})
                        break
                    out.setdefault("{} v242 {}".format(app, kind), []).append({"bin_compile_s": compiled.seconds})
    finally:
        if classic:
            classic.close()
    return out


LAUNCH_LEVELS = ("off", "server", "app", "serve")
_CHECK_PASSED = re.compile(r"  Passed \(level \w+\) in ([0-9.]+)s")
_SERVED = re.compile(r"  serve: web answered HTTP (\d+) in ([0-9.]+)s")
LAUNCH_CHECK_GOAL = 0.5  # seconds, level server on the Flask example (issue 21)


def launch_check_rounds(mirror: Mirror, work: str) -> Dict[str, List[dict]]:
    """ROUNDS interleaved rounds: for each level, a cold build then a no-change build."""
    out = {}  # type: Dict[str, List[dict]]
    pack = Pack(mirror.mount_dir)
    for _ in range(ROUNDS):
        for level in LAUNCH_LEVELS:
            app_dir = os.path.join(work, "launch-check-app")
            shutil.rmtree(app_dir, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, "examples", "flask-hello"), app_dir)
            image = APP_IMAGE + "-launch-check-" + level
            for kind in ("cold", "no_change"):
                built = pack.build(app_dir, image, {"BP_LAUNCH_CHECK": level}, fresh=kind == "cold")
                if built.returncode != 0:
                    sys.exit("bench: launch check {} ({}) failed:\n{}".format(level, kind, built.stdout[-3000:]))
                checked, served = _CHECK_PASSED.search(built.stdout), _SERVED.search(built.stdout)
                out.setdefault("{} {}".format(level, kind), []).append({
                    "pack_build_s": built.seconds, "bin_build_s": build_seconds(built.stdout),
                    "check_s": float(checked.group(1)) if checked else None,
                    "reused": "Reusing the last build's result" in built.stdout,
                    "first_response_s": float(served.group(2)) if served else None,
                    "status": int(served.group(1)) if served else None})
            run(["docker", "image", "rm", "-f", image])
    return out


def launch_check_table(runs: Dict[str, List[dict]]) -> List[Row]:
    rows = []  # type: List[Row]
    for level in LAUNCH_LEVELS[1:]:
        cold = runs["{} cold".format(level)]
        check = median([r for r in cold if r["check_s"] is not None], "check_s")
        served = median([r for r in cold if r["first_response_s"] is not None], "first_response_s")
        goal = LAUNCH_CHECK_GOAL if level == "server" else None
        rows.append(Row("launch check {}, flask-hello cold build: the check's time{}".format(
            level, ", first HTTP {} in {:.2f} s".format(cold[-1]["status"], served) if served else ""),
            "{:.2f} s".format(check or 0), "", None, "<= {} s".format(goal) if goal else "",
            (check or 0) <= goal if goal else None))
    off = runs["off no_change"]
    for level in LAUNCH_LEVELS[1:]:
        on = runs["{} no_change".format(level)]
        ours, floor = median(on, "bin_build_s"), median(off, "bin_build_s")
        rows.append(Row("flask-hello no change, check {} (reused {}/{}): bin/build (pack build {:.1f} s against "
                        "{:.1f} s)".format(level, sum(1 for r in on if r["reused"]), len(on), median(on, "pack_build_s")
                                           or 0, median(off, "pack_build_s") or 0),
                        "{:.2f} s".format(ours or 0), "check off {:.2f} s".format(floor or 0),
                        (ours / floor) if ours and floor else None))
    return rows


def rebuild_table(runs: Dict[str, List[dict]]) -> List[Row]:
    rows = []  # type: List[Row]
    for app, mode, option in REBUILD_CASES:
        for kind in REBUILD_KINDS:
            mine = runs["{} {} {} {}".format(app, mode, option, kind)]
            ours, pack_s = median(mine, "bin_build_s"), median(mine, "pack_build_s")
            classic = median(runs.get("{} v242 {}".format(app, kind), []), "bin_compile_s")
            installed = sum(1 for r in mine if r["runtime_installed"])
            statics = sorted(set(r["collectstatic"] for r in mine if r["collectstatic"]))
            notes = ["runtime installed {}/{}".format(installed, len(mine))] if kind != "cold" else []
            unpacked = sum(1 for r in mine if r.get("runtime_unpacked"))
            notes += ["cache's copy for pip unpacked {}/{}".format(unpacked, len(mine))] if unpacked else []
            over = sum(1 for r in mine if r.get("dependencies_unpacked"))
            notes += ["last dependencies unpacked {}/{}".format(over, len(mine))] if over else []
            notes += ["collectstatic " + "/".join(statics)] if statics else []
            goal = REBUILD_GOALS.get((app, kind))
            rows.append(Row("{} {}, {}, {}: bin/build (pack build {:.1f} s; {})".format(
                app, kind.replace("_", " "), mode, option, pack_s or 0, ", ".join(notes) or "-"),
                "{:.2f} s".format(ours or 0), "v242 bin/compile {:.2f} s".format(classic) if classic else "",
                (ours / classic) if ours and classic else None,
                "<= {} s".format(goal) if goal and option == GOAL_OPTION else "",
                (ours or 0) <= goal if goal and option == GOAL_OPTION else None))
    return rows


def median(runs: List[dict], key: str, sub: str = "") -> Optional[float]:
    values = [(r[sub] if sub else r).get(key) for r in runs]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def layer_sizes(image: str) -> Dict[str, int]:
    du = run(["docker", "run", "--rm", "--entrypoint", "du", image, "-sk", "/layers/python-cnb_python/python",
              "/layers/python-cnb_python/dependencies", "/layers/python-cnb_python/launch-config", "/workspace"])
    return {os.path.basename(p): int(k) * 1024 for k, p in (line.split() for line in du.stdout.split("\n") if line.strip())}


def first_200(image: str) -> float:
    port = free_port()
    start = time.perf_counter()
    cid = run(["docker", "run", "-d", "--network", "host", "-e", "PORT={}".format(port), image]).stdout.strip()
    try:
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:{}/".format(port), timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.02)
            if time.perf_counter() - start > 60:
                sys.exit("bench: no HTTP 200 within 60 s")
    finally:
        run(["docker", "rm", "-f", cid])


def table(results: dict) -> List[Row]:
    d, rows = results["detect"], []  # type: dict, List[Row]
    rows.append(Row("bin/detect vs python3 -I -S -c pass (median of 300)", "{:.1f} ms".format(d["bin_detect_ms"]),
                    "{:.1f} ms".format(d["bare_python_ms"]), d["ratio"], "<= 1.3x", d["ratio"] <= 1.3))
    for mode in ("daemon", "publish"):
        b = results["builds"][mode]
        cold, floor_cold = median(b["ours"]["cold"], "pack_build_s"), median(b["floor"]["cold"], "pack_build_s")
        again, floor_again = median(b["ours"]["no_change"], "pack_build_s"), median(b["floor"]["no_change"], "pack_build_s")
        rows.append(Row("cold pack build, {} (bin/build {:.1f} s)".format(mode, median(b["ours"]["cold"], "bin_build_s") or 0),
                        "{:.1f} s".format(cold), "floor {:.1f} s".format(floor_cold), cold / floor_cold))
        rows.append(Row("no-change pack build, {} (bin/build {:.2f} s)".format(
            mode, median(b["ours"]["no_change"], "bin_build_s") or 0), "{:.1f} s".format(again),
            "floor {:.1f} s".format(floor_again), again / floor_again, "<= 1.3x floor", again / floor_again <= 1.3))
        same = median(b["floor_same_bytes"]["no_change"], "pack_build_s")
        rows.append(Row("  same, floor writing our launch layers' files ({:.0f} MB) as its own".format(
            results["sizes"]["payload_bytes"] / 1e6), "{:.1f} s".format(again), "floor {:.1f} s".format(same),
            again / same, "<= 1.3x floor", again / same <= 1.3))
    cold_runs = results["builds"]["daemon"]["ours"]["cold"]
    for key, what in (("download_s", "download (loopback mirror)"),
                      ("toolset_download_s", "download of the toolset's wheels"), ("unpack_s", "unpack"), ("toolset_s", "toolset: pip, setuptools, wheel (after their download)"),
                      ("compile_s", "  of which bytecode")):
        value = median(cold_runs, key, "runtime")
        if value is not None and key == "unpack_s":
            tar_s = results["tar_unpack_s"]
            rows.append(Row("cold runtime step: unpack (checked, four files at a time)", "{:.2f} s".format(value),
                            "GNU tar -xzf {:.2f} s".format(tar_s), value / tar_s))
        elif value is not None:
            rows.append(Row("cold runtime step: " + what, "{:.2f} s".format(value)))
    after = median(cold_runs, "after_download_s", "runtime")
    if after is not None:
        rows.append(Row("cold runtime step after download", "{:.2f} s".format(after), "", None, "< 2 s", after < 2))
    sizes = results["sizes"]["layers_bytes"]
    launch = sizes.get("python", 0) + sizes.get("dependencies", 0) + sizes.get("launch-config", 0)
    rows.append(Row("launch layers: python {:.1f} + dependencies {:.1f} MB".format(
        sizes.get("python", 0) / 1e6, sizes.get("dependencies", 0) / 1e6), "{:.1f} MB".format(launch / 1e6),
        "v242 slug {:.1f} MB (recorded 2026-11)".format(V242_FLASK_SLUG_BYTES / 1e6), launch / V242_FLASK_SLUG_BYTES,
        "< v242",
        launch < V242_FLASK_SLUG_BYTES))
    rows.append(Row("container start to first HTTP 200", "{:.2f} s".format(results["start_to_first_200_s"])))
    for app in INSTALLER_APPS:
        pip_runs, uv_runs = results["installers"]["{} pip".format(app)], results["installers"]["{} uv".format(app)]
        pip_s, uv_s = median(pip_runs, "pack_build_s"), median(uv_runs, "pack_build_s")
        rows.append(Row("cold {} with uv (dependencies step {:.1f} s, uv itself {:.1f} s)".format(
            app, median(uv_runs, "dependencies_s") or 0, median(uv_runs, "tool_s") or 0), "{:.1f} s".format(uv_s),
            "pip {:.1f} s (dependencies step {:.1f} s)".format(pip_s, median(pip_runs, "dependencies_s") or 0),
            uv_s / pip_s))
    for app in INSTALLER_APPS:
        ours = median(results["installers"]["{} pip".format(app)], "bin_build_s")
        classic = median(results["rebuilds"].get("{} v242 cold".format(app), []), "bin_compile_s")
        if ours and classic:
            rows.append(Row("cold {} bin/build with pip, vs v242's bin/compile (same run)".format(app),
                            "{:.1f} s".format(ours), "v242 {:.1f} s".format(classic), ours / classic,
                            "v242 >= {:.0f}x ours".format(COLD_GOALS[app]), classic / ours >= COLD_GOALS[app]))
    boot = results["bootstrap"]
    for kind in ("cold", "no_change"):
        ours, base = median(boot[kind], "pack_build_s"), median(results["builds"]["daemon"]["ours"][kind], "pack_build_s")
        rows.append(Row("{} pack build, build image without python3 (bootstrap)".format(kind.replace("_", "-")),
                        "{:.1f} s".format(ours), "with python3 {:.1f} s".format(base), ours / base))
    return (rows + rebuild_table(results["rebuilds"]) + lock_table(results["locks"])
            + launch_check_table(results["launch_check"]))


def render(rows: List[Row]) -> str:
    head = ("what", "ours", "reference", "ratio", "goal", "")
    cells = [head] + [(r.what, r.ours, r.reference, "" if r.ratio is None else "{:.2f}x".format(r.ratio), r.goal,
                       {True: "met", False: "NOT MET", None: ""}[r.met]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(cell, widths)).rstrip() for cell in cells)


def write(results: dict, rows: List[Row], name: str) -> None:
    results["table"] = [r._asdict() for r in rows]
    results["machine"] = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    out_dir = os.path.join(ROOT, "build", "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(results, f, indent=2)
    print(render(rows))
    print("\nmedians of {} rounds, {}; every run in build/bench/{}".format(
        ROUNDS, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), name))
    if "v242_not_measured" in results.get("rebuilds", {}):
        print("v242 not measured: {}".format(results["rebuilds"]["v242_not_measured"][0]["why"]))


# BENCH_ONLY=<name>: one family of rounds, its results key, its rounds (given the mirror and a work
# dir), its table and its file under build/bench.
ONLY = {
    "rebuilds": ("rebuilds", rebuild_rounds, rebuild_table),
    "locks": ("locks", lambda mirror, work: lock_rounds(mirror.mount_dir, work), lock_table),
    "launch-check": ("launch_check", launch_check_rounds, launch_check_table),
}


def only(name: str) -> None:
    key, run_rounds, make_table = ONLY[name]
    results = {"rounds": ROUNDS, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # type: dict
    work = tempfile.mkdtemp()
    os.chmod(work, 0o755)
    try:
        with Mirror(["3.12.1"], os.path.join(work, "mount")) as mirror:
            results[key] = run_rounds(mirror, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(results, make_table(results[key]), name + ".json")


def main() -> None:
    if os.environ.get("BENCH_ONLY"):
        if os.environ["BENCH_ONLY"] not in ONLY:
            sys.exit("BENCH_ONLY={} is not one of: {}".format(os.environ["BENCH_ONLY"], ", ".join(ONLY)))
        return only(os.environ["BENCH_ONLY"])
    results = {"rounds": ROUNDS, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # type: dict
    python, bare, detect = detect_times()
    results["detect"] = {"python": python, "bare_python_ms": bare * 1000, "bin_detect_ms": detect * 1000,
                         "ratio": detect / bare}
    work = tempfile.mkdtemp()
    os.chmod(work, 0o755)
    app = os.path.join(work, "app")
    shutil.copytree(os.path.join(ROOT, "examples", "flask-hello"), app)
    floor_builders()
    with Mirror(["3.12.1"], os.path.join(work, "mount")) as mirror:
        results["builds"] = {}
        same_bytes = []  # type: List[str]
        for mode, builder, floor, image, extra in (
                ("daemon", SETTINGS["BUILDER"], FLOOR_BUILDER, APP_IMAGE, []),
                ("publish", SETTINGS["NEWEST_BUILDER"], FLOOR_PUBLISH_BUILDER, PUBLISH_IMAGE, ["--publish"])):
            results["builds"][mode] = {
                "ours": rounds(Pack(mirror.mount_dir, builder), app, image, extra),
                "floor": rounds(Pack(mirror.mount_dir, floor), app, image + "-floor", extra)}
            if not same_bytes:  # our launch layers, from the first image built
                mounted = payload(image, work)
                results["sizes"] = {"payload_bytes": os.path.getsize(os.path.join(mounted, "layers.tar"))}
                same_bytes = ["--volume", "{}:/floor-payload:ro".format(mounted),
                              "--env", "FLOOR_PAYLOAD=/floor-payload/layers.tar"]
            results["builds"][mode]["floor_same_bytes"] = rounds(
                Pack(mirror.mount_dir, floor), app, image + "-floor-same-bytes", extra + same_bytes)
        boot = rounds(Pack(mirror.mount_dir, SETTINGS["NO_PYTHON3_BUILDER"]), app, APP_IMAGE + "-no-python3", [])
        results["bootstrap"] = boot
        results["installers"] = installers(mirror.mount_dir, work)
        results["rebuilds"] = rebuild_rounds(mirror, work)
        results["locks"] = lock_rounds(mirror.mount_dir, work)
        results["launch_check"] = launch_check_rounds(mirror, work)
        results["tar_unpack_s"] = tar_unpack_seconds(os.path.join(mirror.cache, "runtimes", "python-3.12.1.tar.gz"))
    size = int(run(["docker", "image", "inspect", APP_IMAGE, "--format", "{{.Size}}"]).stdout.strip())
    results["sizes"].update({"image_bytes": size, "layers_bytes": layer_sizes(APP_IMAGE),
                             "v242_flask_slug_bytes": V242_FLASK_SLUG_BYTES})
    results["start_to_first_200_s"] = first_200(APP_IMAGE)
    shutil.rmtree(work, ignore_errors=True)

    write(results, table(results), "results.json")


if __name__ == "__main__":
    main()
