"""Which builds keep the runtime and dependencies in the cache too (layers/retention.py): those
that need Python at hand on every build. The rest keep them in the image only."""
import os

import pytest

from fakes import write_file
from python_cnb.settings import Settings
from python_cnb.cnb.layers import LayerTypes
from python_cnb.layers import retention


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
    (["manage.py"], {}, None, "Django's collectstatic runs on every build"),
    (["manage.py"], {"DISABLE_COLLECTSTATIC": "0"}, None, "Django's collectstatic runs on every build"),
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
