#!/usr/bin/env python3
"""make bench: figures, not tests. Printed as a table and written to build/bench/results.json.

- bin/detect (POSIX sh) wall time against a bare `python3 -I -S -c pass` (interleaved runs)
- cold `pack build` of the demo app against a no-change rebuild, and bin/build's own time in each;
  the same two builds with a floor builder whose buildpack writes one launch layer and a process
- the app image's size and our layers' sizes
- container start to the first HTTP 200"""
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localplatform import Mirror, Pack, free_port, run  # noqa: E402  (this script's own folder)


FLOOR_BUILDER = "localhost/python-cnb-bench/builder:floor"


def floor_builder() -> None:
    """A builder like ours (same stack and lifecycle) whose only buildpack does the least: the
    floor a no-change `pack build` cannot go below on this machine."""
    env = dict(os.environ, BUILDPACK_URI=os.path.join(ROOT, "tools", "platform", "floor-buildpack"),
               BUILDPACK_ID="python-cnb/floor")
    made = subprocess.run([os.path.join(ROOT, "tools", "platform", "builder.sh"), FLOOR_BUILDER], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if made.returncode != 0:
        sys.exit("bench: could not create the floor builder:\n" + made.stdout)


def detect_times(runs=300):
    """Median wall time of bin/detect and of a bare interpreter start, interleaved."""
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    app = tempfile.mkdtemp()
    open(os.path.join(app, "requirements.txt"), "w").close()
    env = {"PATH": os.path.dirname(python) + ":/usr/bin:/bin", "CNB_BUILD_PLAN_PATH": os.path.join(app, "plan.toml"),
           "CNB_BUILDPACK_DIR": ROOT}
    bare, detect = [], []
    for _ in range(runs):
        for cmd, out in (([python, "-I", "-S", "-c", "pass"], bare), ([os.path.join(ROOT, "bin", "detect")], detect)):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, check=True)
            out.append(time.perf_counter() - start)
    shutil.rmtree(app)
    return python, statistics.median(bare), statistics.median(detect)


def build_seconds(log):
    m = re.search(r"Build finished in ([\d.]+)s", log)
    return float(m.group(1)) if m else None


def main():
    results = {}
    python, bare, detect = detect_times()
    results["detect"] = {"python": python, "bare_python_ms": bare * 1000, "bin_detect_ms": detect * 1000,
                         "ratio": detect / bare}

    image = "localhost/python-cnb-bench/flask-hello"
    work = tempfile.mkdtemp()
    os.chmod(work, 0o755)
    app = os.path.join(work, "app")
    shutil.copytree(os.path.join(ROOT, "examples", "flask-hello"), app)
    floor_builder()
    with Mirror(["3.12.1"], os.path.join(work, "mount")) as mirror:
        timings = {}
        for builder, prefix in ((None, ""), (FLOOR_BUILDER, "floor_")):
            pack = Pack(mirror.mount_dir, builder)
            for name, fresh in (("cold", True), ("no_change", False)):
                result = pack.build(app, image + ("-floor" if builder else ""), fresh=fresh)
                if result.returncode != 0:
                    sys.exit("bench: pack build failed:\n" + result.stdout[-3000:])
                timings[prefix + name] = {"pack_build_s": result.seconds, "bin_build_s": build_seconds(result.stdout)}
    timings["ratio_no_change_to_cold"] = timings["no_change"]["pack_build_s"] / timings["cold"]["pack_build_s"]
    timings["ratio_no_change_to_floor"] = timings["no_change"]["pack_build_s"] / timings["floor_no_change"]["pack_build_s"]
    results["build"] = timings

    size = int(run(["docker", "image", "inspect", image, "--format", "{{.Size}}"]).stdout.strip())
    du = run(["docker", "run", "--rm", "--entrypoint", "du", image, "-sk", "/layers/python-cnb_python/python",
              "/layers/python-cnb_python/dependencies", "/layers/python-cnb_python/launch-config", "/workspace"])
    layers = {os.path.basename(p): int(k) * 1024 for k, p in (line.split() for line in du.stdout.split("\n") if line.strip())}
    results["sizes"] = {"image_bytes": size, "layers_bytes": layers}

    port = free_port()
    start = time.perf_counter()
    cid = run(["docker", "run", "-d", "--network", "host", "-e", "PORT={}".format(port), image]).stdout.strip()
    try:
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:{}/".format(port), timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
            if time.perf_counter() - start > 60:
                sys.exit("bench: no HTTP 200 within 60 s")
        results["start_to_first_200_s"] = time.perf_counter() - start
    finally:
        run(["docker", "rm", "-f", cid])
    shutil.rmtree(work, ignore_errors=True)

    out_dir = os.path.join(ROOT, "build", "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    mb = lambda n: "{:.1f} MB".format(n / 1e6)  # noqa: E731
    rows = [
        ("bin/detect (median)", "{:.1f} ms".format(results["detect"]["bin_detect_ms"])),
        ("python3 -I -S -c pass (median)", "{:.1f} ms".format(results["detect"]["bare_python_ms"])),
        ("detect / bare python", "{:.2f}x".format(results["detect"]["ratio"])),
        ("cold pack build", "{:.1f} s (bin/build {} s)".format(timings["cold"]["pack_build_s"], timings["cold"]["bin_build_s"])),
        ("no-change pack build", "{:.1f} s (bin/build {} s)".format(timings["no_change"]["pack_build_s"], timings["no_change"]["bin_build_s"])),
        ("no-change / cold", "{:.2f}".format(timings["ratio_no_change_to_cold"])),
        ("floor: cold / no-change pack build", "{:.1f} s / {:.1f} s".format(
            timings["floor_cold"]["pack_build_s"], timings["floor_no_change"]["pack_build_s"])),
        ("no-change / floor no-change", "{:.2f}x".format(timings["ratio_no_change_to_floor"])),
        ("app image", mb(size)),
    ] + [("layer " + k, mb(v)) for k, v in sorted(layers.items())] + [
        ("container start to first 200", "{:.2f} s".format(results["start_to_first_200_s"])),
    ]
    width = max(len(r[0]) for r in rows)
    print("\n".join("{:<{}}  {}".format(a, width, b) for a, b in rows))
    print("\nwritten to build/bench/results.json")


if __name__ == "__main__":
    main()
