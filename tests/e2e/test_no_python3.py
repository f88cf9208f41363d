"""End-to-end: build images made for other languages. tools/platform/no-python3.sh derives two
from the stack's build image, one without python3 and one without python3, curl or wget, and a
builder on each (the second with a buildpack carrying its bootstrap interpreter). The Flask
fixture builds and serves on both; its cold and no-change build times, next to the default
builder's, measure what the bootstrap costs (build/no-python3-overhead.json)."""
import json
import os

import pytest

from conftest import ROOT, serve
from localplatform import SETTINGS

BUILDERS = {
    "default": SETTINGS["BUILDER"],
    "no-python3": SETTINGS["NO_PYTHON3_BUILDER"],
    "no-downloader": SETTINGS["NO_DOWNLOADER_BUILDER"],
}
# Images next to the no-python3 builders (their repository's namespace): a private namespace
# when the builders' names are overridden (settings.env).
NAMESPACE = SETTINGS["NO_PYTHON3_BUILDER"].rsplit(":", 1)[0].rsplit("/", 1)[0]


def image(kind):
    return "{}/flask-bootstrap-{}".format(NAMESPACE, kind)


@pytest.fixture(scope="module")
def builds(pack):
    """kind -> (cold build, no-change build) of the Flask fixture with each builder."""
    out = {}
    for kind, builder in BUILDERS.items():
        app = pack.app("flask_default_process", "flask-" + kind)
        cold = pack.build(app, image(kind), fresh=True, builder=builder)
        assert cold.returncode == 0, cold.stdout
        again = pack.build(app, image(kind), builder=builder)
        assert again.returncode == 0, again.stdout
        third = pack.build(app, image(kind), builder=builder)  # the cache layer survives reuse too
        assert third.returncode == 0, third.stdout
        out[kind] = (cold, again, third)
    return out


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_the_flask_fixture_builds_and_serves(builds, kind):
    cold, again, third = builds[kind]
    status, body, _, _ = serve(image(kind))
    assert (status, body) == (200, "hello from the flask fixture\n")
    if kind == "default":  # the build image's python3 runs the lib: no bootstrap
        assert "[Bootstrap interpreter]" not in cold.stdout
        return
    # The mirror's catalog (BP_PYTHON_RUNTIME_CATALOG) names the archive to bootstrap from.
    lines = [l for l in cold.stdout.splitlines() if "python-cnb runs on the archive" in l]
    assert len(lines) == 1 and lines[0].endswith("/runtimes/python-3.12.1.tar.gz"), cold.stdout
    carried = "  Unpacking it from the buildpack" in cold.stdout
    assert carried == (kind == "no-downloader"), cold.stdout
    assert "  Reusing it from the cache" in again.stdout, again.stdout
    assert "  Reusing it from the cache" in third.stdout, third.stdout
    assert "Reusing dependencies" in again.stdout


def test_the_bootstrap_overhead_is_written_down(builds):
    """Each builder's cold and no-change pack build times, and the difference to the default
    builder's: what the bootstrap costs."""
    out = {kind: {"cold": round(c.seconds, 2), "no change": round(min(a.seconds, t.seconds), 2)}
           for kind, (c, a, t) in builds.items()}
    for kind in ("no-python3", "no-downloader"):
        out[kind + " overhead"] = {k: round(out[kind][k] - out["default"][k], 2) for k in ("cold", "no change")}
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "no-python3-overhead.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out))
    assert all(out[kind]["no change"] < out[kind]["cold"] for kind in BUILDERS)
