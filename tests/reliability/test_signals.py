"""Stopping a build: SIGTERM (the platform's stop) or SIGINT (Ctrl-C) reaches the tool the build
is running, in its own process group, then the build ends with one [Error] line; SIGKILL, which
cannot be forwarded, still takes the tool with it (parent-death signal). Either way, no layer
whose contents were being written has a TOML, so nothing half-done is trusted."""
import http.server
import os
import signal
import socketserver
import subprocess
import threading
import time

import pytest

from phasekit import ROOT
from probes import alive, children, gone_within, layer_files, restore_runtime

STOPPED = ("\n[Error] The build was stopped ({}).\n"
           "  Nothing it left half-done is kept: the next build starts those steps again.\n")


class SlowServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def slow_source():
    """A loopback server whose every download trickles a byte every 0.2 s: whatever fetches
    from it is reliably mid-download. Returns (server, base url, event set on the first request)."""
    requested = threading.Event()
    stopping = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requested.set()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "100000000")
            self.end_headers()
            try:
                while not stopping.wait(0.2):
                    self.wfile.write(b"\0")
                    self.wfile.flush()
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = SlowServer(("127.0.0.1", 0), Handler)
    server.stopping = stopping
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:{}".format(server.server_address[1]), requested


@pytest.fixture
def slow():
    server, url, requested = slow_source()
    yield url, requested
    server.stopping.set()
    server.shutdown()
    server.server_close()


def start_build(p):
    with open(os.path.join(p.root, "plan.toml"), "w") as f:
        f.write('[[entries]]\nname = "python"\n')
    return subprocess.Popen([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=p.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)








def app_installing_from(phase, url):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: python cli.py\n")
    p.write("requirements.txt", "slowpkg @ {}/slowpkg-1.0.tar.gz\n".format(url))
    return p


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_install_stops_pip_and_trusts_nothing(phase, slow, sig):
    url, requested = slow
    p = app_installing_from(phase, url)
    build = start_build(p)
    assert requested.wait(120), "pip never asked for the package"
    tools = children(build.pid)
    assert len(tools) == 1  # pip
    started = time.monotonic()
    build.send_signal(sig)
    out = build.communicate(timeout=60)[0]
    assert time.monotonic() - started < 10
    assert build.returncode == 128 + sig, out
    assert "      Collecting slowpkg@ {}/slowpkg-1.0.tar.gz".format(url) in out
    assert out.endswith(STOPPED.format(signal.Signals(sig).name)), out
    assert "Traceback" not in out
    assert not any(alive(pid) for pid in tools)
    assert layer_files(p) == ["pip-cache.toml", "python.sbom.cdx.json", "python.sbom.spdx.json", "python.toml"]  # no dependencies.toml
    assert not os.path.exists(os.path.join(p.layers, "dependencies", "lib"))


def test_sigkill_mid_install_takes_pip_with_it_and_the_next_build_installs(phase, slow):
    url, requested = slow
    p = app_installing_from(phase, url)
    build = start_build(p)
    assert requested.wait(120), "pip never asked for the package"
    tools = children(build.pid)
    assert len(tools) == 1
    build.kill()
    build.communicate(timeout=30)
    assert gone_within(tools, 10), "pip outlived the killed build"
    assert layer_files(p) == ["pip-cache.toml", "python.sbom.cdx.json", "python.sbom.spdx.json", "python.toml"]

    p.write("requirements.txt", "six==1.16.0\n")
    again = subprocess.run([os.path.join(ROOT, "bin", "build")], cwd=p.app, env=p.env(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert again.returncode == 0, again.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in again.stdout
    assert "dependencies.toml" in layer_files(p)


def test_a_tool_that_ignores_sigterm_is_killed_after_the_grace_period(phase):
    p = phase("no_run_command")
    restore_runtime(p)
    p.write("Procfile", "web: python cli.py\n")
    os.mkdir(os.path.join(p.app, "bin"))
    p.write(os.path.join("bin", "pre_compile"), "trap '' TERM\necho hook started\nsleep 300\necho never\n")
    build = start_build(p)
    seen = []
    for line in build.stdout:
        seen.append(line)
        if "hook started" in line:
            break
    hook = children(build.pid)
    assert len(hook) == 1, "".join(seen)
    sleeper = children(hook[0])
    started = time.monotonic()
    build.send_signal(signal.SIGTERM)
    out = "".join(seen) + build.communicate(timeout=60)[0]
    waited = time.monotonic() - started
    assert 4.5 < waited < 15, waited  # SIGTERM ignored: SIGKILL after the 5 s grace
    assert build.returncode == 143, out
    assert out.endswith(STOPPED.format("SIGTERM"))
    assert "never" not in out
    assert gone_within(hook + sleeper, 5)


def test_sigterm_mid_runtime_download_leaves_no_runtime_layer(phase, slow, tmp_path, mirror):
    url, requested = slow
    catalog, base_url, index = mirror
    slow_catalog = str(tmp_path / "slow.yaml")
    with open(catalog) as f, open(slow_catalog, "w") as out:
        out.write(f.read().replace(base_url, url))
    p = phase("no_run_command")
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", slow_catalog)
    build = start_build(p)
    assert requested.wait(60), "the runtime was never requested"
    build.send_signal(signal.SIGTERM)
    out = build.communicate(timeout=60)[0]
    assert build.returncode == 143, out
    assert "  Downloading Python 3.12.1 from {}/runtimes/python-3.12.1.tar.gz\n".format(url) in out
    assert out.endswith(STOPPED.format("SIGTERM"))
    assert "Traceback" not in out
    assert layer_files(p) == []
