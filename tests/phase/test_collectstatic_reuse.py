"""collectstatic's output reused when nothing it reads changed, run again naming what did, and its
failures and skips saying their real cause (layers/collectstatic.py), through bin/build."""
import os
import re
import shutil

STATIC = "staticfiles"
REUSED = re.compile(r"  Reusing collectstatic's output in staticfiles/ \(key [0-9a-f]{12}: nothing it reads changed; "
                    r"copied in [0-9.]+s\)\n")


def settings_text(p):
    with open(os.path.join(p.app, "mysite", "settings.py")) as f:
        return f.read()


def rebuild(p):
    """The next build as pack runs it: the app's tree afresh (no staticfiles/), the layers back."""
    shutil.rmtree(os.path.join(p.app, STATIC), ignore_errors=True)
    p.restore_as_the_lifecycle_would()
    result = p.build()
    assert result.returncode == 0, result.stdout
    return result


def test_output_reused_until_a_static_file_the_settings_or_a_dependency_changes(phase):
    p = phase("django_no_procfile")
    first = p.build()
    assert first.returncode == 0, first.stdout
    assert "  Running python manage.py collectstatic --noinput\n" in first.stdout
    assert re.search(r"  collectstatic finished in [0-9.]+s \(its output kept, key [0-9a-f]{12}\)\n", first.stdout)

    again = rebuild(p)
    assert REUSED.search(again.stdout), again.stdout
    assert "Running python manage.py collectstatic" not in again.stdout
    with open(os.path.join(p.app, STATIC, "site.css")) as f:
        assert f.read() == open(os.path.join(p.app, "static", "site.css")).read()
    assert os.path.isfile(os.path.join(p.app, STATIC, "admin", "css", "base.css")) is False  # no admin app here

    p.write(os.path.join("static", "site.css"), "body { color: red }\n")
    changed = rebuild(p)
    assert "  Running collectstatic again: static/ changed\n" in changed.stdout
    with open(os.path.join(p.app, STATIC, "site.css")) as f:
        assert f.read() == "body { color: red }\n"

    p.write(os.path.join("mysite", "settings.py"), settings_text(p) + "USE_TZ = True\n")
    assert "  Running collectstatic again: mysite/settings.py changed\n" in rebuild(p).stdout

    p.write("notes.txt", "read by nothing, but the settings could\n")
    assert "  Running collectstatic again: the other app files changed\n" in rebuild(p).stdout

    p.set_env("DJANGO_DEBUG_TOOLBAR", "0")
    assert "  Running collectstatic again: the build environment changed\n" in rebuild(p).stdout

    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write("six==1.16.0\n")
    deps = rebuild(p)
    assert "  Running collectstatic again: the installed distributions changed\n" in deps.stdout
    assert REUSED.search(rebuild(p).stdout)

    os.makedirs(os.path.join(p.app, ".heroku"))
    p.write(os.path.join(".heroku", "collectstatic_disabled"), "")
    assert "  Skipping collectstatic (.heroku/collectstatic_disabled exists)\n" in rebuild(p).stdout


def test_failures_name_their_cause_and_an_app_without_staticfiles_is_skipped(phase):
    p = phase("django_no_procfile")
    settings = settings_text(p)
    p.write(os.path.join("mysite", "settings.py"), "import dj_database_url_not_installed\n" + settings)
    broken = p.build()
    assert broken.returncode == 1
    assert "Traceback" in broken.stdout  # Python's own account, streamed
    assert broken.stdout.endswith(
        "[Error] Django could not load the app's settings (mysite.settings): ModuleNotFoundError: No module named "
        "'dj_database_url_not_installed'\n"
        "  Add the missing package to the app's requirements, or fix the import in the settings; or turn "
        "collectstatic off with DISABLE_COLLECTSTATIC=1 (e.g. `pack build --env DISABLE_COLLECTSTATIC=1`).\n")
    assert not os.path.exists(os.path.join(p.layers, "collectstatic.toml"))

    p.write(os.path.join("mysite", "settings.py"), settings.replace(
        'INSTALLED_APPS = ["django.contrib.staticfiles"]', "INSTALLED_APPS = []"))
    skipped = p.build()
    assert skipped.returncode == 0, skipped.stdout
    assert ("  Skipping collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS (as heroku's Python "
            "CNB does)\n") in skipped.stdout
    assert "Unknown command" not in skipped.stdout
