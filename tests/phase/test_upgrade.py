"""A build over the layers the last release (0.1.0, 2026-11-25) left: its TOMLs, in the exact
shape that release wrote them (layers/*.py at e633d66), restored with their contents as the
lifecycle restores cached layers. Each layer whose metadata this version writes differently is
rebuilt with that reason; none is compared field by field against a field that is not there."""
import os

from python_cnb.cnb import tomlfile

# [metadata] as 0.1.0 wrote it, per layer (the lifecycle restores a TOML without its [types]).
V010_RUNTIME = ('[metadata]\nversion = "3.12.1"\nurl = "{base}/runtimes/python-3.12.1.tar.gz"\nsha256 = "{sha}"\n'
                'target = "debian-12/amd64"\n')
V010_PIP_CACHE = '[metadata]\npurpose = "pip cache"\n'


def test_a_build_over_the_last_releases_layers_says_why_each_is_rebuilt(phase, mirror):
    _, base_url, index = mirror
    p = phase("flask_default_process")
    assert p.build().returncode == 0
    sha = [r for r in index["runtimes"] if r["version"] == "3.12.1"][0]["sha256"]
    with open(os.path.join(p.layers, "python.toml"), "w") as f:
        f.write(V010_RUNTIME.format(base=base_url, sha=sha))
    with open(os.path.join(p.layers, "pip-cache.toml"), "w") as f:
        f.write(V010_PIP_CACHE)
    # 0.1.0's dependencies.toml had installer, python_version, target and inputs; requirement_lines
    # came later, with a default: its absence is no reason to install again
    deps = tomlfile.read(os.path.join(p.layers, "dependencies.toml"))
    del deps["metadata"]["requirement_lines"]
    tomlfile.write(os.path.join(p.layers, "dependencies.toml"), {"metadata": deps["metadata"]})
    for name in ("launch.toml", "launch-config.toml"):
        os.remove(os.path.join(p.layers, name))

    upgraded = p.build()
    assert upgraded.returncode == 0, upgraded.stdout
    assert "  Using Python 3.12.1 (from the previous build)\n" in upgraded.stdout
    assert ("  Replacing the cached runtime: python.toml is not what this buildpack writes (pip, setuptools and "
            "wheel are missing)\n") in upgraded.stdout
    assert ("  Starting a new pip cache: pip-cache.toml is not what this buildpack writes (target, python_version "
            "and pip_version are missing; purpose is not expected)\n") in upgraded.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in upgraded.stdout
    assert "None" not in upgraded.stdout
