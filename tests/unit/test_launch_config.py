import os
import subprocess

import pytest

from fakes import step_context
from python_cnb.cnb.layers import Layer
from python_cnb.steps import launch_config

SCRIPT = launch_config.WEB_CONCURRENCY_SCRIPT


def web_concurrency(tmp_path, files, env=None):
    """Run the exec.d program as the launcher does (TOML on fd 3) against a fake cgroup fs."""
    root = tmp_path / "cg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24576000 kB\nMemFree: 1 kB\n")  # 24000 MiB
    out = tmp_path / "fd3"
    run_env = {"PATH": os.environ["PATH"], "PYTHON_CNB_CGROUP_ROOT": str(root), "PYTHON_CNB_MEMINFO": str(meminfo)}
    run_env.update(env or {})
    subprocess.run(["sh", "-c", 'sh "$0" 3>"$1"', SCRIPT, str(out)], env=run_env, check=True)
    return out.read_text()


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "200000 100000\n", "memory.max": "1073741824\n"}, 4),     # v2: 2 CPUs, 1 GiB -> memory bound
    ({"cpu.max": "400000 100000\n", "memory.max": "8589934592\n"}, 9),     # v2: 4 CPUs, 8 GiB -> 2*4+1
    ({"cpu.max": "50000 100000\n", "memory.max": "268435456\n"}, 1),       # v2: half a CPU, 256 MiB
    ({"cpu.max": "150000 100000\n", "memory.max": "max\n"}, 5),            # quota rounds up; no memory limit
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n",
      "memory/memory.limit_in_bytes": "2147483648\n"}, 7),                 # v1: 3 CPUs, 2 GiB
    ({"memory/memory.limit_in_bytes": "134217728\n"}, 1),                  # v1: 128 MiB: at least one worker
])
def test_web_concurrency_from_the_container_limits(tmp_path, files, expected):
    assert web_concurrency(tmp_path, files) == 'WEB_CONCURRENCY = "{}"\n'.format(expected)


def test_a_user_set_web_concurrency_is_left_alone(tmp_path):
    assert web_concurrency(tmp_path, {"cpu.max": "200000 100000\n"}, {"WEB_CONCURRENCY": "3"}) == ""


def test_layer_has_launch_defaults_and_the_exec_d_program(tmp_path):
    layer = Layer(str(tmp_path), launch_config.NAME)
    launch_config.run(step_context(tmp_path, layers_dir=str(tmp_path), app_dir="/workspace")[0])
    env_dir = os.path.join(layer.path, "env.launch")
    assert sorted(os.listdir(env_dir)) == ["FORWARDED_ALLOW_IPS.default", "GUNICORN_CMD_ARGS.default",
                                           "LANG.default", "PORT.default", "PYTHONPATH.default",
                                           "PYTHONUNBUFFERED.default"]
    with open(os.path.join(env_dir, "PYTHONPATH.default")) as f:
        assert f.read() == "/workspace"  # the classic buildpack's PYTHONPATH=$HOME
    with open(os.path.join(env_dir, "GUNICORN_CMD_ARGS.default")) as f:
        assert f.read() == "--access-logfile -"
    assert os.access(os.path.join(layer.path, "exec.d", "web-concurrency"), os.X_OK)
    with open(layer.toml_path) as f:
        assert f.read().startswith("[types]\nbuild = false\nlaunch = true\ncache = false\n")
