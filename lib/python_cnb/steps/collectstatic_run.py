"""Run by the app's own Python (any version a catalog serves, 2.7 included: hence type comments and
no f-strings), as `python collectstatic_run.py REPORT` in the app directory: `manage.py
collectstatic --noinput` exactly as Django runs it, then a JSON report of what it read and wrote
(for steps/collectstatic.py to key its output on) or why it failed (for a message naming the
cause). Imports nothing of the buildpack's."""
import json
import os
import runpy
import sys
import traceback

ARGV = ["manage.py", "collectstatic", "--noinput"]
STATICFILES = "django.contrib.staticfiles"


def main():
    # type: () -> None
    report_path = sys.argv[1]
    # As `python manage.py` would: the app first on sys.path, not this script's directory (its
    # module names would shadow the app's).
    sys.path[0] = os.getcwd()
    sys.argv = list(ARGV)
    report = {}  # type: dict
    _wrap_execute(report)
    code = 0
    try:
        runpy.run_path("manage.py", run_name="__main__")
    except SystemExit as e:
        code = _exit_code(e.code)
    except BaseException as e:  # noqa: B902 -- reported, and shown as Python would
        traceback.print_exc()
        code = 1
        report["error"] = {"type": type(e).__name__, "message": str(e)[-500:], "settings_loaded": _settings_loaded(),
                           "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE", "")}
    if code == 0 and "skipped" not in report:
        report.update(_what_it_read())
    with open(report_path, "w") as f:
        json.dump(report, f)
    sys.exit(code)


def _exit_code(code):
    # type: (object) -> int
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("{}\n".format(code))
    return 1


def _wrap_execute(report):
    # type: (dict) -> None
    """manage.py imports execute_from_command_line when it runs: check the staticfiles app is
    installed before collectstatic is looked up, so an app without it is skipped, not failed."""
    try:
        from django.core import management
    except ImportError:
        return  # manage.py will say so itself
    original = management.execute_from_command_line

    def execute(argv=None):
        # type: (object) -> None
        try:
            from django.conf import settings
            settings.INSTALLED_APPS  # imports the settings; any error is Django's to report, below
        except Exception:  # noqa: B902
            original(argv)
            return
        import django
        django.setup()
        from django.apps import apps
        if not apps.is_installed(STATICFILES):
            report["skipped"] = "{} is not in INSTALLED_APPS".format(STATICFILES)
            return
        original(argv)

    management.execute_from_command_line = execute


def _settings_loaded():
    # type: () -> bool
    try:
        from django.conf import settings
        return bool(settings.configured)
    except Exception:  # noqa: B902
        return False


def _what_it_read():
    # type: () -> dict
    """Where it wrote (STATIC_ROOT), the settings module's file, and every directory its finders
    take files from (an installed app's static/ counted even before it exists)."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles import finders
    dirs = set(os.path.join(config.path, "static") for config in apps.get_app_configs())
    for finder in finders.get_finders():
        dirs.update(root for _prefix, root in getattr(finder, "locations", []))
        storages = getattr(finder, "storages", {}).values()
        dirs.update(filter(None, (getattr(storage, "location", None) for storage in storages)))
    module = sys.modules.get(os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    return {"static_root": str(settings.STATIC_ROOT or ""),
            "settings_file": getattr(module, "__file__", "") or "",
            "static_dirs": sorted(os.path.abspath(str(d)) for d in dirs)}


if __name__ == "__main__":
    main()
