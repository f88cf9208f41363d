"""Cold `pack build`s of the Flask and Django 4.0-era fixtures with each installer (pip, and uv by
BP_PYTHON_PACKAGE_MANAGER=uv), interleaved, ROUNDS rounds, fresh cache every time. This checkout's
buildpack runs on the default builder (pack --buildpack, as tests/e2e/test_uv_installer.py does).

Prints, per app and installer, the median and each run of: pack build wall time, and the
dependencies step from the build log (uv's own install + the dependencies' install and bytecode).
Writes build/bench-uv.json. Usage: python tools/platform/bench_uv.py [ROUNDS] [IMAGE_PREFIX]"""
import json
import os
import re
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from localplatform import SETTINGS, Mirror, Pack, run  # noqa: E402

APPS = {"flask": ("flask_default_process", {}),
        "django40": ("django40_heroku_era", {})}
INSTALLERS = {"pip": {}, "uv": {"BP_PYTHON_PACKAGE_MANAGER": "uv"}}
_INSTALLED = re.compile(r"  Installed \d+ distributions in ([0-9.]+)s")
_TOOL = re.compile(r"  Installed uv in ([0-9.]+)s")


def dependencies_seconds(log: str) -> dict:
    install = float(_INSTALLED.search(log).group(1))
    tool = _TOOL.search(log)
    return {"tool": float(tool.group(1)) if tool else 0.0, "install": install,
            "step": install + (float(tool.group(1)) if tool else 0.0)}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    prefix = sys.argv[2] if len(sys.argv) > 2 else "localhost/python-cnb-uvpip/bench"
    from test_uv_installer import buildpack_copy  # the e2e test's copy of this checkout's buildpack
    work = tempfile.mkdtemp(prefix="bench-uv-")
    results = {}  # type: dict
    try:
        bp = buildpack_copy(os.path.join(work, "python-cnb"))
        extra = ["--buildpack", bp, "--lifecycle-image", SETTINGS["LIFECYCLE_IMAGE"]]
        with Mirror(["3.12.1"], os.path.join(work, "mirror")) as mirror:
            pack = Pack(mirror.mount_dir)
            for n in range(rounds):
                for app, (fixture, env) in APPS.items():
                    for installer, setting in INSTALLERS.items():
                        app_dir = os.path.join(work, "{}-{}-{}".format(app, installer, n))
                        shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "apps", fixture), app_dir)
                        image = "{}-{}-{}".format(prefix, app, installer)
                        built = pack.build(app_dir, image, dict(env, **setting), fresh=True, extra=extra)
                        if built.returncode != 0:
                            raise SystemExit("{} with {} failed:\n{}".format(app, installer, built.stdout[-3000:]))
                        deps = dependencies_seconds(built.stdout)
                        results.setdefault("{} {}".format(app, installer), []).append(
                            dict(deps, wall=round(built.seconds, 2)))
                        print("round {} {:8} {:3}: wall {:6.1f}s  dependencies step {:5.2f}s (uv itself {:4.2f}s)".format(
                            n + 1, app, installer, built.seconds, deps["step"], deps["tool"]), flush=True)
            for image in ("{}-{}-{}".format(prefix, a, i) for a in APPS for i in INSTALLERS):
                run(["docker", "image", "rm", "-f", image])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| app | installer | pack build wall (median; runs) | dependencies step (median; runs) | of which uv itself |")
    print("|---|---|---|---|---|")
    for key, runs in results.items():
        app, installer = key.split()
        print("| {} | {} | {:.1f} s ({}) | {:.2f} s ({}) | {} |".format(
            app, installer, statistics.median(r["wall"] for r in runs), ", ".join("{:.1f}".format(r["wall"]) for r in runs),
            statistics.median(r["step"] for r in runs), ", ".join("{:.2f}".format(r["step"]) for r in runs),
            "{:.2f} s".format(statistics.median(r["tool"] for r in runs)) if installer == "uv" else "-"))
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-uv.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
