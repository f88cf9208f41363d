"""Tools run without the app's tree on sys.path: `python -m` would put the working directory first."""
import os
import subprocess
import sys

from python_cnb import tool_launch


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
