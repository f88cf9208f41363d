"""Tools run without the app's tree on sys.path: `python -m` would put the working directory first."""
import io
import os
import subprocess
import sys
import time

import pytest

from python_cnb import runner as runner_module, tool_launch
from python_cnb.errors import BuildpackError
from python_cnb.log import Log
from python_cnb.runner import Runner


def test_a_module_in_the_working_directory_does_not_shadow_the_tools(tmp_path):
    (tmp_path / "json.py").write_text("raise SystemExit('the app shadowed json')\n")
    (tmp_path / "tool.py").write_text("import json, sys\nprint(json.dumps(sys.argv[1:]), sys.argv[0].endswith('tool.py'))\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))  # the tool itself is found, as a tool layer's PYTHONPATH does
    shadowed = subprocess.run([sys.executable, "-m", "tool", "a"], cwd=str(tmp_path), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert "the app shadowed json" in shadowed.stdout  # what `python -m` does
    tool_dir = tmp_path / "site"
    tool_dir.mkdir()
    (tmp_path / "tool.py").rename(tool_dir / "tool.py")
    env["PYTHONPATH"] = str(tool_dir)
    isolated = subprocess.run(tool_launch.module(sys.executable, "tool") + ["a", "--b"], cwd=str(tmp_path), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert isolated.stdout == '["a", "--b"] True\n'


def test_exit_codes_and_main_guard_are_as_with_dash_m(tmp_path):
    (tmp_path / "tool.py").write_text("import sys\nif __name__ == '__main__':\n    sys.exit(3)\n")
    code = subprocess.call(tool_launch.module(sys.executable, "tool"), cwd="/", env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert code == 3


def test_a_package_main_runs(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "__main__.py").write_text("import sys\nprint('pkg main', sys.argv[1:])\n")
    out = subprocess.run(tool_launch.module(sys.executable, "pkg") + ["x"], cwd="/", stdout=subprocess.PIPE,
                         universal_newlines=True, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert out.stdout == "pkg main ['x']\n"


# -- started ahead (Runner.start_waiting, then go) ------------------------------------------------

PYTHON = os.path.join(sys.base_prefix, "bin", "python3")  # not a venv's: a venv has no user site
TOOL = ("import json, os, sys, site, dep, extra\n"
        "user = site.getusersitepackages()\n"
        "later = [i for i, p in enumerate(sys.path) if p in site.getsitepackages()]\n"
        "by_pth = sys.path.index(os.path.dirname(extra.__file__))\n"
        "print(json.dumps([sys.argv[1:], dep.__file__.startswith(user), sys.path.index(user) + 1 == by_pth,\n"
        "                  by_pth < min(later + [99])]))\n")


def waiting_tool(tmp_path):
    """A tool started ahead whose 'ahead' function says when start-up is done; the user base (the
    dependencies layer) empty until then."""
    tools = tmp_path / "tools"
    tools.mkdir(parents=True)
    (tools / "tool.py").write_text(TOOL)
    (tools / "warm.py").write_text("def fill():\n    open({!r}, 'w').close()\n".format(str(tmp_path / "warm")))
    env = dict(os.environ, PYTHONPATH=str(tools), PYTHONUSERBASE=str(tmp_path / "base"))
    env.pop("PYTHONNOUSERSITE", None)
    runner = Runner(Log(io.StringIO()))
    proc = runner.start_waiting(tool_launch.module_waiting(PYTHON, "tool", ["warm:fill"]) + ["a", "--b"], env, cwd=str(tmp_path))
    for _ in range(500):
        if (tmp_path / "warm").exists():
            break
        time.sleep(0.01)
    user_site = subprocess.run([PYTHON, "-c", "import site; print(site.getusersitepackages())"], env=env,
                               stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    return runner, proc, user_site


def test_a_tool_started_ahead_runs_at_go_with_the_user_site_made_meanwhile_first(tmp_path):
    runner, proc, user_site = waiting_tool(tmp_path)
    assert (tmp_path / "warm").exists() and proc.poll() is None  # started up, waiting
    os.makedirs(user_site)
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "extra.py").write_text("")
    with open(os.path.join(user_site, "dep.py"), "w") as f:
        f.write("")
    with open(os.path.join(user_site, "extra.pth"), "w") as f:  # read as start-up reads .pth files
        f.write(str(tmp_path / "extra") + "\n")
    keep = []
    assert runner.go(proc, keep=keep) == 0
    assert keep == ['[["a", "--b"], true, true, true]']  # the .pth's path right after the user site


def test_a_tool_started_ahead_and_not_needed_ends_without_running(tmp_path):
    _, proc, _ = waiting_tool(tmp_path)
    proc.stdin.close()  # no go: the tool does not run
    assert proc.stdout.read() == "" and proc.wait(timeout=5) == 0
    _, proc, _ = waiting_tool(tmp_path / "again")
    runner_module.stop_and_close(proc)
    assert proc.wait(timeout=5) == -9 and proc.stdout.closed
    other = Runner(Log(io.StringIO()))
    closed = other.start_waiting([PYTHON, "-c", "import sys; sys.stdin.close(); sys.exit(4)"], os.environ)
    closed.wait()
    assert other.go(closed) == 4  # it ended before go: its exit code, no broken pipe


def test_a_held_runner_starts_nothing_but_a_waiting_tool_until_what_it_holds_for_is_done(tmp_path):
    runner, done = Runner(Log(io.StringIO())), []
    runner.hold(lambda: done.append("rest"))
    waiting = runner.start_waiting([PYTHON, "-c", "import sys; print(sys.stdin.readline().strip())"], os.environ)
    assert done == []  # started ahead: it may run before the rest is there, it only waits
    keep = []
    assert runner.go(waiting, keep=keep) == 0 and done == ["rest"] and keep == ["go"]
    runner.hold(lambda: (_ for _ in ()).throw(BuildpackError("the rest did not unpack")))
    with pytest.raises(BuildpackError, match="did not unpack"):
        runner.capture([PYTHON, "-c", "open('started', 'w')"], os.environ, cwd=str(tmp_path))
    assert not (tmp_path / "started").exists()
    assert runner.run([PYTHON, "-c", "pass"], os.environ, quiet=True) == 0  # said once: nothing held now
