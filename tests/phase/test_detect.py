"""bin/detect, POSIX sh alone, run as the lifecycle runs it: in the app dir, with
CNB_BUILD_PLAN_PATH (Buildpack API 0.11) and a PATH without python3."""
import os
import shutil
import stat
import subprocess

import pytest

from phasekit import ROOT

SIGNALS = ("requirements.txt", "Pipfile", "Pipfile.lock", "setup.py", "setup.cfg", "pyproject.toml",
           "poetry.lock", "uv.lock", "pylock.toml", "runtime.txt", ".python-version")
PLAN = '[[provides]]\nname = "python"\n\n[[requires]]\nname = "python"\n'
NO_APP = ("No Python app here: none of requirements.txt, Pipfile, Pipfile.lock, setup.py, setup.cfg, "
          "pyproject.toml, poetry.lock, uv.lock, pylock.toml, runtime.txt, .python-version in the app's root.\n")


def detect(app, plan=None, env=None, path="/nonexistent"):
    """bin/detect with nothing on PATH: it needs no program (no python3, not even a coreutil)."""
    full = {"PATH": path, "CNB_BUILDPACK_DIR": ROOT}
    if plan is not None:
        full["CNB_BUILD_PLAN_PATH"] = plan
    full.update(env or {})
    return subprocess.run([os.path.join(ROOT, "bin", "detect")], cwd=app, env=full, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=20)


@pytest.fixture
def app(tmp_path):
    d = tmp_path / "app"
    d.mkdir()
    return d


def test_detect_passes_on_a_python_signal_and_plans_python(phase):
    p = phase("flask_default_process")
    result = p.detect()
    assert result.returncode == 0, result.stdout
    assert result.stdout == "Python app: found requirements.txt\n"
    with open(p.env()["CNB_BUILD_PLAN_PATH"]) as f:
        assert f.read() == PLAN


def test_detect_fails_with_100_and_writes_no_plan(phase):
    p = phase("no_run_command")
    os.remove(os.path.join(p.app, "runtime.txt"))
    result = p.detect()
    assert (result.returncode, result.stdout) == (100, NO_APP)
    assert not os.path.exists(p.env()["CNB_BUILD_PLAN_PATH"])


@pytest.mark.parametrize("signal", SIGNALS)
def test_every_signal_alone_passes_without_any_program_on_path(app, tmp_path, signal):
    (app / signal).write_text("")
    result = detect(str(app), str(tmp_path / "plan.toml"))
    assert (result.returncode, result.stdout) == (0, "Python app: found {}\n".format(signal))
    assert (tmp_path / "plan.toml").read_text() == PLAN


def test_all_signals_are_listed_in_their_order(app, tmp_path):
    for name in reversed(SIGNALS):
        (app / name).write_text("")
    result = detect(str(app), str(tmp_path / "plan.toml"))
    assert (result.returncode, result.stdout) == (0, "Python app: found {}\n".format(", ".join(SIGNALS)))


def test_a_signal_that_is_a_directory_a_fifo_or_a_dangling_link_counts_and_is_never_opened(app, tmp_path):
    (app / "requirements.txt").mkdir()
    os.mkfifo(str(app / "runtime.txt"))  # opening it would block: detect must not
    os.symlink("/nowhere", str(app / "Pipfile"))
    os.symlink("setup.py", str(app / "setup.py"))  # a link to itself (ELOOP)
    result = detect(str(app), str(tmp_path / "plan.toml"))
    assert (result.returncode, result.stdout) == (0, "Python app: found requirements.txt, Pipfile, setup.py, runtime.txt\n")


def test_odd_names_beside_the_signals_change_nothing(app, tmp_path):
    for name in ("requirements.txt.bak", "with space", "new\nline", "*", "-n", "Requirements.txt", " runtime.txt"):
        (app / name).write_text("")
    (app / "sub").mkdir()
    (app / "sub" / "requirements.txt").write_text("")
    assert detect(str(app), str(tmp_path / "plan.toml")).stdout == NO_APP
    (app / "uv.lock").write_text("")
    assert detect(str(app), str(tmp_path / "plan.toml")).stdout == "Python app: found uv.lock\n"


def test_no_plan_path_still_passes(app):
    (app / "setup.cfg").write_text("")
    result = detect(str(app))
    assert (result.returncode, result.stdout) == (0, "Python app: found setup.cfg\n")
    assert os.listdir(str(app)) == ["setup.cfg"]


@pytest.mark.parametrize("plan_name", ["pl\u00e4n.toml", "plan with space.toml", "new\nline.toml", "-n.toml"])
def test_the_plan_is_written_at_any_path(app, tmp_path, plan_name):
    (app / "Pipfile").write_text("")
    plan = tmp_path / plan_name
    result = detect(str(app), str(plan), env={"LANG": "C"})
    assert (result.returncode, result.stdout) == (0, "Python app: found Pipfile\n")
    assert plan.read_text() == PLAN


def test_a_plan_path_that_cannot_be_written_is_an_internal_error(app, tmp_path):
    (app / "Pipfile").write_text("")
    plan = tmp_path / "plan.toml"
    plan.mkdir()  # the plan path is a directory: nothing an app can cause
    result = detect(str(app), str(plan))
    assert result.returncode == 70
    assert result.stdout == (
        "\n[Error] Internal buildpack error in bin/detect (cannot write the build plan to '{plan}').\n"
        "  This is a bug in python-cnb, not in your app. Please report it at "
        "https://github.com/python-cnb/python-cnb/issues with these lines:\n"
        "    python-cnb 0.1.0, bin/detect (POSIX sh)\n"
        "    cannot write the build plan to '{plan}'\n".format(plan=plan))


def test_an_app_dir_that_cannot_be_listed_is_an_internal_error(app, tmp_path):
    (app / "Pipfile").write_text("")
    os.chmod(str(app), stat.S_IXUSR)  # enterable, not listable
    try:
        result = subprocess.run([shutil.which("setpriv"), "--bounding-set=-dac_override,-dac_read_search",
                                 "--inh-caps=-dac_override,-dac_read_search", "--", os.path.join(ROOT, "bin", "detect")],
                                cwd=str(app), env={"PATH": "/nonexistent", "CNB_BUILDPACK_DIR": ROOT},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        os.chmod(str(app), stat.S_IRWXU)
    assert result.returncode == 70
    assert result.stdout.startswith("\n[Error] Internal buildpack error in bin/detect (cannot list the app directory).\n")


def test_detect_runs_on_other_posix_shells(app, tmp_path):
    """dash is Debian's and Ubuntu's /bin/sh; bash (as sh) is others'; busybox's ash, Alpine's."""
    (app / "pyproject.toml").write_text("")
    shells = [s for s in ("dash", "bash", "busybox") if shutil.which(s)]
    assert "dash" in shells
    for shell in shells:
        cmd = [shutil.which(shell)] + (["sh"] if shell == "busybox" else ["--posix"] if shell == "bash" else [])
        result = subprocess.run(cmd + [os.path.join(ROOT, "bin", "detect")], cwd=str(app),
                                env={"PATH": "/nonexistent", "CNB_BUILD_PLAN_PATH": str(tmp_path / shell)},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        assert (shell, result.returncode, result.stdout) == (shell, 0, "Python app: found pyproject.toml\n")
        assert (tmp_path / shell).read_text() == PLAN


def test_entry_scripts_are_posix_sh():
    for name in ("detect", "build"):
        with open(os.path.join(ROOT, "bin", name)) as f:
            assert f.readline() == "#!/bin/sh\n"
