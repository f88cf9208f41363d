"""Which builds keep the runtime and dependencies in the cache too (retention.py): those
that need Python at hand on every build. The rest keep them in the image only."""
import os

import pytest

from fakes import write_file
from python_cnb.settings import Settings
from python_cnb.cnb.layers import LayerTypes
from python_cnb.errors import BuildpackError
from python_cnb import retention


def analyse(tmp_path, files=(), env=None, plan=None):
    app = str(tmp_path / "app")
    os.makedirs(app)
    for name in files:
        write_file(os.path.join(app, name), "")
    plan_path = ""
    if plan is not None:
        plan_path = str(tmp_path / "plan.toml")
        write_file(plan_path, plan)
    return retention.analyse(app, Settings.from_env(env or {}), plan_path)


def test_a_plain_app_keeps_them_in_the_image_only(tmp_path):
    kept = analyse(tmp_path, ["app.py", "requirements.txt"], plan='[[entries]]\nname = "python"\n')
    assert kept.needs == ()
    assert kept.types == LayerTypes(launch=True)


@pytest.mark.parametrize("files, env, plan, needs", [
    (["manage.py"], {}, None, "Django's collectstatic runs when what it reads changes"),
    (["manage.py"], {"DISABLE_COLLECTSTATIC": "0"}, None, "Django's collectstatic runs when what it reads changes"),
    (["bin/pre_compile"], {}, None, "bin/pre_compile runs on every build"),
    (["bin/post_compile"], {}, None, "bin/post_compile runs on every build"),
    (["nltk.txt"], {}, None, "nltk.txt asks for NLTK corpora"),
    ([], {}, '[[entries]]\nname = "python"\n[entries.metadata]\nbuild = true\n',
     "a later buildpack asks for python at build time"),
    ([], {}, "[[entries]\n", "the buildpack plan is unreadable (so a later buildpack may need Python)"),
])
def test_builds_that_need_python_each_time_keep_them_cached_and_say_why(tmp_path, files, env, plan, needs):
    kept = analyse(tmp_path, files, env, plan)
    assert kept.needs == (needs,)
    assert kept.types == LayerTypes(build=True, launch=True, cache=True)


def test_collectstatic_turned_off_or_build_false_in_the_plan_need_nothing(tmp_path):
    assert analyse(tmp_path, ["manage.py"], {"DISABLE_COLLECTSTATIC": "1"},
                   '[[entries]]\nname = "python"\n[entries.metadata]\nbuild = false\n').needs == ()


@pytest.mark.parametrize("value", ["true", "1", " Yes "])
def test_bp_python_runtime_cache_keeps_it_cached_for_the_next_dependency_change(tmp_path, value):
    kept = analyse(tmp_path, ["app.py", "requirements.txt"])
    runtime_kept = retention.for_runtime(kept, Settings.from_env({"BP_PYTHON_RUNTIME_CACHE": value}))
    assert runtime_kept.types == LayerTypes(build=True, launch=True, cache=True)
    assert runtime_kept.needs == ("BP_PYTHON_RUNTIME_CACHE=true keeps it at hand for the next dependency change",)
    cached = analyse(tmp_path / "hooks", ["bin/post_compile"])
    assert retention.for_runtime(cached, Settings.from_env({"BP_PYTHON_RUNTIME_CACHE": value})) == cached


@pytest.mark.parametrize("env", [{}, {"BP_PYTHON_RUNTIME_CACHE": "false"}, {"BP_PYTHON_RUNTIME_CACHE": " 0 "}])
def test_by_default_or_false_the_runtime_goes_where_the_dependencies_go(tmp_path, env):
    kept = analyse(tmp_path, ["app.py"])
    assert retention.for_runtime(kept, Settings.from_env(env)) == kept


def test_bp_python_runtime_cache_takes_true_or_false_only(tmp_path):
    with pytest.raises(BuildpackError) as e:
        Settings.from_env({"BP_PYTHON_RUNTIME_CACHE": "sometimes"})
    assert (e.value.message, e.value.hint) == (
        "BP_PYTHON_RUNTIME_CACHE=sometimes is neither true nor false.",
        "Set it to true to keep the whole runtime in the cache too, to false to keep nothing of it there (a dependency "
        "change then installs it again), or unset it: the default keeps the runtime as pip needs it, in two compact "
        "files.")
