import os

from phasekit import ROOT


def test_detect_passes_on_a_python_signal_and_plans_python(phase):
    p = phase("flask_default_process")
    result = p.detect()
    assert result.returncode == 0, result.stdout
    assert result.stdout == "Python app: found requirements.txt\n"
    with open(p.env()["CNB_BUILD_PLAN_PATH"]) as f:
        assert f.read() == '[[provides]]\nname = "python"\n\n[[requires]]\nname = "python"\n'


def test_detect_fails_with_100_and_writes_no_plan(phase):
    p = phase("no_run_command")
    os.remove(os.path.join(p.app, "runtime.txt"))
    result = p.detect()
    assert result.returncode == 100
    assert result.stdout.startswith("No Python app here: none of requirements.txt, Pipfile, ")
    assert not os.path.exists(p.env()["CNB_BUILD_PLAN_PATH"])


def test_entry_scripts_are_posix_sh():
    for name in ("detect", "build"):
        with open(os.path.join(ROOT, "bin", name)) as f:
            assert f.readline() == "#!/bin/sh\n"
