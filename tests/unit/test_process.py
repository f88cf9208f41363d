import pytest

from python_cnb.cnb.launch import Process
from python_cnb.errors import BuildpackError
from python_cnb.steps.process import missing_servers, processes
from python_cnb.procfile import WebEntry, infer_web_entry, parse_procfile


def app(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path), frozenset(p.name for p in tmp_path.iterdir())


def test_procfile_every_entry_a_process_web_default():
    entries = parse_procfile("# comment\nweb: gunicorn app:app --log-file -\n\nworker:python worker.py\n")
    assert processes(entries, None) == [
        Process("web", ["bash", "-c", "gunicorn app:app --log-file -"], [], True),
        Process("worker", ["bash", "-c", "python worker.py"], [], False),
    ]


def test_a_lone_non_web_process_is_the_default():
    assert processes(parse_procfile("clock: python clock.py"), None)[0].default is True


@pytest.mark.parametrize("text, message", [
    ("web gunicorn app:app", "Procfile line 1 is not `<type>: <command>`: 'web gunicorn app:app'"),
    ("web:\n", "Procfile line 1 is not `<type>: <command>`: 'web:'"),
    ("web: a\nweb: b\n", "Procfile defines the process type 'web' twice (line 2)."),
    ("\n# only comments\n", "Procfile has no processes."),
])
def test_bad_procfiles(text, message):
    with pytest.raises(BuildpackError) as e:
        parse_procfile(text)
    assert e.value.message == message


MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{}")\n'


def test_django_project_named_like_its_directory(tmp_path):
    d, files = app(tmp_path, {"manage.py": MANAGE.format("mysite.settings"), "mysite/wsgi.py": "", "mysite/settings.py": ""})
    assert infer_web_entry(d, files) == WebEntry("mysite.wsgi", "Django project: manage.py uses settings mysite.settings")


def test_django_settings_package_picks_the_wsgi_manage_py_points_at(tmp_path):
    d, files = app(tmp_path, {"manage.py": MANAGE.format("config.settings.production"),
                              "config/settings/production.py": "", "config/wsgi.py": "", "legacy/wsgi.py": ""})
    assert infer_web_entry(d, files).target == "config.wsgi"


def test_django_without_settings_hint_uses_the_only_wsgi_package(tmp_path):
    d, files = app(tmp_path, {"manage.py": "print('custom')\n", "proj/wsgi.py": ""})
    assert infer_web_entry(d, files).target == "proj.wsgi"


@pytest.mark.parametrize("name, source, target", [
    ("app.py", "from flask import Flask\napp = Flask(__name__)\n", "app:app"),
    ("main.py", "import falcon\napplication = falcon.App()\n", "main:application"),
    ("wsgi.py", "from flask import Flask\nfrom x import create\napp: Flask = create()\n", "wsgi:app"),
])
def test_wsgi_modules(tmp_path, name, source, target):
    d, files = app(tmp_path, {name: source})
    assert infer_web_entry(d, files).target == target
    assert infer_web_entry(d, files).kind == "wsgi"


def test_asgi_apps_get_uvicorn_workers_or_plain_uvicorn(tmp_path):
    d, files = app(tmp_path, {"main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"})
    entry = infer_web_entry(d, files)
    assert entry == WebEntry("main:app", "main.py defines the ASGI app `app`", "asgi")
    assert processes((), entry, ["gunicorn", "uvicorn"]) == [Process("web", [
        "gunicorn", "--worker-tmp-dir", "/dev/shm", "--worker-class", "uvicorn.workers.UvicornWorker", "main:app"], [], True)]
    assert processes((), entry, ["uvicorn"]) == [Process("web", [
        "bash", "-c", 'exec uvicorn main:app --host 0.0.0.0 --port "$PORT"'], [], True)]
    assert missing_servers(entry, ["fastapi"]) == ["uvicorn", "gunicorn"]
    assert missing_servers(entry, ["gunicorn"]) == ["uvicorn"]
    assert missing_servers(WebEntry("app:app", ""), ["flask"]) == ["gunicorn"]


def test_a_command_line_app_named_app_gets_no_guess(tmp_path):
    d, files = app(tmp_path, {"main.py": "import typer\n\napp = typer.Typer()\n", "pyproject.toml": ""})
    assert infer_web_entry(d, files) is None


def test_nothing_to_infer(tmp_path):
    d, files = app(tmp_path, {"app.py": "def main():\n    app = 1\n", "cli.py": "app = 1\n"})
    assert infer_web_entry(d, files) is None
    assert processes((), None) == []


def test_inferred_web_process_is_gunicorn_on_dev_shm():
    assert processes((), WebEntry("mysite.wsgi", "")) == [
        Process("web", ["gunicorn", "--worker-tmp-dir", "/dev/shm", "mysite.wsgi"], [], True)]
