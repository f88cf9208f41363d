import glob
import os
import signal
import subprocess

from phasekit import ROOT

from python_cnb.steps.dependencies import installed_distributions


def runtime_toml(index, version, base_url):
    entry = [r for r in index["runtimes"] if r["version"] == version][0]
    return ('[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\nversion = "{v}"\n'
            'url = "{base}/runtimes/python-{v}.tar.gz"\nsha256 = "{sha}"\ntarget = "debian-12/amd64"\n'
            'pip = "23.3.2"\nsetuptools = "68.2.2"\nwheel = "0.42.0"\n'
            .format(v=version, base=base_url, sha=entry["sha256"]))


def test_flask_cold_build_then_reuse_then_changed_requirements(phase, mirror):
    catalog, base_url, index = mirror
    p = phase("flask_default_process")

    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert "  Using Python 3.12.1 (the Debian-12 default; pin a version in runtime.txt or .python-version)\n" in cold.stdout
    assert "  Downloading Python 3.12.1 from {}/runtimes/python-3.12.1.tar.gz\n".format(base_url) in cold.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in cold.stdout
    assert "  No Procfile; inferred the web process: app.py defines the WSGI app `app`\n" in cold.stdout
    assert "WARNING" not in cold.stdout

    assert p.read("python.toml") == runtime_toml(index, "3.12.1", base_url)
    assert p.read("launch.toml") == ('[[processes]]\ntype = "web"\ncommand = [ "gunicorn", "--worker-tmp-dir", '
                                     '"/dev/shm", "app:app",]\nargs = []\ndefault = true\n\n')
    deps_toml = p.read("dependencies.toml")
    # kept in the image only: nothing in this app needs Python at hand on every build (retention.py)
    assert deps_toml.startswith('[types]\nbuild = false\nlaunch = true\ncache = false\n\n[metadata]\ninstaller = "pip"\n'
                                'python_version = "3.12.1"\ntarget = "debian-12/amd64"\nrequirement_lines = [ "')
    assert '",]\n\n[metadata.inputs]\n"requirements.txt" = "' in deps_toml
    assert p.read("dependencies", "env", "PYTHONUSERBASE.override") == os.path.join(p.layers, "dependencies")
    assert p.read("pip-cache.toml").startswith("[types]\nbuild = false\nlaunch = false\ncache = true\n")
    assert p.read("launch-config", "env.launch", "PORT.default") == "8080"
    # Bytecode: unchecked-hash pycs (PEP 552 flags = 1), so the layer's bytes do not depend on mtimes.
    pycs = glob.glob(os.path.join(p.layers, "dependencies", "lib", "python3.12", "site-packages", "flask",
                                  "__pycache__", "*.pyc"))
    assert pycs
    for pyc in pycs:
        with open(pyc, "rb") as f:
            assert f.read(8)[4:8] == b"\x01\x00\x00\x00", pyc

    # The image's web process, started as the launcher would: an HTTP 200 with the app's body.
    assert p.served(["gunicorn", "--worker-tmp-dir", "/dev/shm", "app:app"]) == "hello from the flask fixture\n"

    warm = p.build()
    assert warm.returncode == 0, warm.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in warm.stdout
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in warm.stdout
    assert "Installing" not in warm.stdout and "Collecting" not in warm.stdout
    assert "  Using Python 3.12.1 (from the previous build)\n" in warm.stdout  # sticky

    with open(os.path.join(p.app, "requirements.txt"), "a") as f:
        f.write("six==1.16.0\n")
    changed = p.build()
    assert changed.returncode == 0, changed.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in changed.stdout
    assert "  Rebuilding dependencies: requirements.txt changed\n" in changed.stdout
    assert "Collecting six==1.16.0" in changed.stdout


def test_runtime_txt_pins_an_older_python(phase, mirror):
    p = phase("pinned_runtime_txt")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.11.7 (from runtime.txt)\n" in result.stdout
    python = os.path.join(p.layers, "python", "bin", "python")
    out = p.launched([python, "-c", "import sys, six; print(sys.version.split()[0], six.__version__)"])
    assert out.stdout == "3.11.7 1.16.0\n"
    # no Procfile, nothing to infer: the build passes and says a run command must be set
    assert ("  WARNING: No run command: there is no Procfile, and no Django project or WSGI app "
            "(app.py, main.py, wsgi.py ...) to start with gunicorn.\n") in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "launch.toml"))


def test_version_change_rebuilds_runtime_and_dependencies_with_reasons(phase):
    p = phase("pinned_runtime_txt")
    assert p.build().returncode == 0
    p.write("runtime.txt", "python-3.12.1\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Replacing the cached runtime: Python version changed (3.11.7 -> 3.12.1)\n" in result.stdout
    assert "  Rebuilding dependencies: Python version changed (3.11.7 -> 3.12.1)\n" in result.stdout


def test_a_version_the_stack_lacks_fails_with_one_clear_message(phase):
    p = phase("pinned_runtime_txt")
    p.write("runtime.txt", "python-3.8.16\n")
    result = p.fails_with(
        "Python 3.8.16 (from runtime.txt) is not available on Debian-12 (amd64).\n"
        "  Debian-12 offers 3.11.7, 3.12.1.\n")
    assert "Traceback" not in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "python.toml"))


def test_a_release_without_a_published_checksum_is_refused_with_the_fix(phase, mirror, tmp_path):
    catalog, _, _ = mirror
    known = str(tmp_path / "known.yaml")
    with open(catalog) as f, open(known, "w") as out:
        out.write(f.read().rstrip("\n") + "\n  - {version: 3.15.2, arch: amd64, sha256: unpublished}\n")
    p = phase("pinned_runtime_txt")
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", known)
    p.write("runtime.txt", "python-3.15\n")
    result = p.build()
    assert result.returncode == 1, result.stdout
    assert result.stdout.endswith(
        "\n[Error] Python 3.15 (from runtime.txt) is a release python-cnb knows, but Debian-12 (amd64) has no "
        "archive of 3.15.2 with a published checksum yet, so python-cnb will not install it.\n"
        "  Give its url and sha256 in your own runtime catalog (BP_PYTHON_RUNTIME_CATALOG, the format is in the "
        "buildpack's stacks/README.md), or ask for one of 3.11.7, 3.12.1.\n")
    assert "Traceback" not in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "python.toml"))


def test_a_tampered_archive_leaves_no_layer_to_trust(phase, mirror, tmp_path):
    catalog, base_url, index = mirror
    p = phase("pinned_runtime_txt")
    good = [r for r in index["runtimes"] if r["version"] == "3.11.7"][0]["sha256"]
    bad_catalog = str(tmp_path / "bad.yaml")
    with open(catalog) as f, open(bad_catalog, "w") as out:
        out.write(f.read().replace(good, "0" * 64))
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", bad_catalog)
    result = p.build()
    assert result.returncode == 1
    assert ("[Error] The download of {}/runtimes/python-3.11.7.tar.gz does not match its sha256 checksum "
            "(expected {}, got {}).\n".format(base_url, "0" * 64, good)) in result.stdout
    assert not os.path.exists(os.path.join(p.layers, "python.toml"))
    p.set_env("BP_PYTHON_RUNTIME_CATALOG", catalog)
    retry = p.build()
    assert retry.returncode == 0, retry.stdout
    assert "  Downloading Python 3.11.7" in retry.stdout


def test_a_killed_install_leaves_no_dependencies_layer(phase):
    p = phase("django_no_procfile")
    proc = subprocess.Popen([os.path.join(ROOT, "bin", "build")],
                            cwd=p.app, env=p.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "Collecting" in line:  # pip is mid-install
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert any("Collecting" in l for l in seen), "".join(seen)
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))
    assert os.path.exists(os.path.join(p.layers, "python.toml"))  # the runtime was complete before

    again = p.build()
    assert again.returncode == 0, again.stdout
    assert "  Reusing Python 3.12.1 (unchanged since the last build)\n" in again.stdout
    assert "  Installing dependencies with pip from requirements.txt\n" in again.stdout


def test_django_project_gets_the_gunicorn_wsgi_default_process(phase):
    p = phase("django_no_procfile")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  No Procfile; inferred the web process: Django project: manage.py uses settings mysite.settings\n" in result.stdout
    assert "  Running python manage.py collectstatic --noinput\n" in result.stdout
    assert os.path.isfile(os.path.join(p.app, "staticfiles", "site.css"))
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm mysite.wsgi\n" in result.stdout
    assert p.served(["gunicorn", "--worker-tmp-dir", "/dev/shm", "mysite.wsgi"]) == "hello from the django fixture\n"


def test_hooks_run_around_the_install_and_a_failing_hook_fails_the_build(phase):
    p = phase("build_hooks")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "[Hook: bin/pre_compile]\n      pre_compile ran in {} with Python 3.12.1\n".format(p.app) in result.stdout
    assert "      post_compile sees six 1.16.0\n" in result.stdout
    assert result.stdout.index("pre_compile ran") < result.stdout.index("[Dependencies]") < result.stdout.index("post_compile sees")
    with open(os.path.join(p.app, "bin", "post_compile"), "w") as f:
        f.write("echo about to fail\nexit 3\n")  # no shebang, no exec bit: still run, through bash
    os.chmod(os.path.join(p.app, "bin", "post_compile"), 0o644)
    failed = p.build()
    assert failed.returncode == 1
    assert failed.stdout.endswith("      about to fail\n\n[Error] bin/post_compile failed (exit 3); its output is above.\n"
                                  "  Fix the hook, or run it locally with the same environment to see why.\n")


def test_user_index_credentials_reach_pip_and_never_the_log(phase):
    import http.server
    import threading

    seen = []

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.send_response(404)
            self.end_headers()

        def log_message(self, *a):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        p = phase("build_hooks")
        p.set_env("PIP_EXTRA_INDEX_URL", "http://builder:s3cr3t-t0ken@127.0.0.1:{}/simple".format(httpd.server_address[1]))
        result = p.build()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.returncode == 0, result.stdout
    assert "s3cr3t-t0ken" not in result.stdout
    assert "Basic YnVpbGRlcjpzM2NyM3QtdDBrZW4=" in seen  # builder:s3cr3t-t0ken


def test_pipfile_lock_app_installs_locked_defaults_and_refuses_a_stale_lock(phase):
    p = phase("pipenv_locked")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (newest match for 3.12 on Debian-12, from Pipfile.lock (python_version))\n" in result.stdout
    assert "      Pipfile.lock is up-to-date.\n" in result.stdout
    assert ("  Installing dependencies with pipenv 2024.4.1 from Pipfile.lock (pipenv sync, main packages only, hashes "
            "checked)\n") in result.stdout
    assert "pytest" not in installed_distributions(os.path.join(p.layers, "dependencies"))  # a dev package
    assert "    web (default): bash -c gunicorn --worker-tmp-dir /dev/shm app:app\n" in result.stdout
    assert p.read("pipenv.toml") == ('[types]\nbuild = false\nlaunch = false\ncache = true\n\n[metadata]\n'
                                     'tool = "pipenv"\nversion = "2024.4.1"\npython_version = "3.12.1"\n')

    again = p.build()
    assert "  Reusing dependencies (Pipfile, Pipfile.lock and Python 3.12.1 unchanged)\n" in again.stdout
    assert os.path.exists(os.path.join(p.layers, "pipenv.toml"))  # kept for the next changed build

    with open(os.path.join(p.app, "Pipfile"), "a") as f:
        f.write('\n[packages.six]\nversion = "==1.16.0"\n')
    stale = p.build()
    assert stale.returncode == 1
    assert "  Rebuilding dependencies: Pipfile changed\n  Reusing pipenv 2024.4.1\n" in stale.stdout
    assert stale.stdout.endswith("\n[Error] Pipfile.lock is out of date with Pipfile (pipenv says: Pipfile.lock is "
                                 "out-of-date. Run $ pipenv lock to update.)\n"
                                 "  Run `pipenv lock` and commit the new Pipfile.lock.\n")
    assert not os.path.exists(os.path.join(p.layers, "dependencies.toml"))


def test_poetry_lock_installs_main_group_only(phase):
    p = phase("poetry_flask")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (newest match for 3.12 on Debian-12, from .python-version)\n" in result.stdout
    assert "  Installing poetry 2.2.1\n" in result.stdout
    assert ("  Installing dependencies with poetry 2.2.1 from poetry.lock (poetry sync --only main, main packages "
            "only)\n") in result.stdout
    assert "pytest" not in installed_distributions(os.path.join(p.layers, "dependencies"))  # the dev group
    assert p.read("poetry.toml") == ('[types]\nbuild = false\nlaunch = false\ncache = true\n\n[metadata]\n'
                                     'tool = "poetry"\nversion = "2.2.1"\npython_version = "3.12.1"\n')
    assert p.served(["gunicorn", "app:app"]) == "hello from the poetry fixture\n"
    again = p.build()
    assert "  Reusing dependencies (pyproject.toml, poetry.lock and Python 3.12.1 unchanged)\n" in again.stdout
    assert "poetry" not in again.stdout.replace("poetry.lock", "")

    p.set_env("BP_PYTHON_INSTALL_GROUPS", "dev")
    grouped = p.build()
    assert grouped.returncode == 0, grouped.stdout
    assert "  Rebuilding dependencies: dependency groups added\n" in grouped.stdout
    assert ("  Installing dependencies with poetry 2.2.1 from poetry.lock (poetry sync --only main,dev, main packages "
            "and group dev)\n") in grouped.stdout
    assert "pytest" in installed_distributions(os.path.join(p.layers, "dependencies"))


def test_uv_lock_asgi_app_runs_under_gunicorn_with_uvicorn_workers(phase):
    p = phase("uv_fastapi")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Using Python 3.12.1 (newest match for >=3.11 on Debian-12, from requires-python in pyproject.toml)\n" in result.stdout
    assert ("  Installing dependencies with uv 0.13.9 from uv.lock (uv sync --locked, main packages only)\n"
            in result.stdout)
    assert "pytest" not in installed_distributions(os.path.join(p.layers, "dependencies"))  # the dev group
    assert "  No Procfile; inferred the web process: main.py defines the ASGI app `app`\n" in result.stdout
    assert "    web (default): gunicorn --worker-tmp-dir /dev/shm --worker-class uvicorn.workers.UvicornWorker main:app\n" in result.stdout
    assert p.served(["gunicorn", "--worker-tmp-dir", "/dev/shm", "--worker-class",
                             "uvicorn.workers.UvicornWorker", "main:app"]) == "hello from the uv fastapi fixture\n"

    with open(os.path.join(p.app, "pyproject.toml")) as f:
        text = f.read()
    with open(os.path.join(p.app, "pyproject.toml"), "w") as f:
        f.write(text.replace('"gunicorn==23.0.0"]', '"gunicorn==23.0.0", "six==1.16.0"]'))
    stale = p.build()
    assert stale.returncode == 1
    assert "  Rebuilding dependencies: pyproject.toml changed\n  Reusing uv 0.13.9\n" in stale.stdout
    assert stale.stdout.endswith("[Error] uv.lock is out of date with pyproject.toml (uv says: The lockfile at "
                                 "`uv.lock` needs to be updated, but `--locked` was provided.)\n"
                                 "  Run `uv lock` and commit the new uv.lock.\n")


def test_pep621_project_without_a_lock_installs_itself_and_follows_requires_python(phase):
    p = phase("pyproject_pep621")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert ("  Using Python 3.11.7 (newest match for >=3.11,<3.12 on Debian-12, from requires-python in "
            "pyproject.toml)\n") in result.stdout
    assert "  Installing the app and its dependencies with pip (pip install --editable .)\n" in result.stdout
    assert {"flask", "gunicorn", "pep621-fixture"} <= set(installed_distributions(os.path.join(p.layers, "dependencies")))
    assert p.served(["gunicorn", "app:app"]) == "hello from the pep 621 fixture\n"
    with open(os.path.join(p.app, "app.py"), "a") as f:
        f.write("\n# an edit to the code, not to the project's metadata\n")
    again = p.build()
    assert "  Reusing dependencies (pyproject.toml and Python 3.11.7 unchanged)\n" in again.stdout

    # Dependency groups need pip 25.1 (--group); Python 3.11's pinned pip is older: said before pip runs.
    p.set_env("BP_PYTHON_INSTALL_GROUPS", "test")
    grouped = p.build()
    assert grouped.returncode == 1
    assert grouped.stdout.endswith(
        "[Error] BP_PYTHON_INSTALL_GROUPS asks for dependency groups, which pip installs from version 25.1 on; "
        "python-cnb pins pip 23.3.2 for this app's Python.\n  Use Python 3.13 or newer (python-cnb pins pip 26.3 "
        "there), lock the project with uv or Poetry, or unset BP_PYTHON_INSTALL_GROUPS.\n"), grouped.stdout


def test_builtin_ubuntu_22_catalog_through_a_host_mirror(phase, mirror):
    """The shipped catalog's classic archive URL, rewritten by BP_DEPENDENCY_MIRROR_<HOST> to a
    local mirror; the classic archives carry no checksum, and the log says so."""
    from phasekit import CACHE

    p = phase("pinned_runtime_txt")
    p.unset_env("BP_PYTHON_RUNTIME_CATALOG")
    p.distro = ("ubuntu", "22.04")
    p.set_env("BP_DEPENDENCY_MIRROR_HEROKU__BUILDPACK__PYTHON_S3_US__EAST__1_AMAZONAWS_COM",
              "file://{},skip-path=/heroku-22".format(CACHE))
    p.write("runtime.txt", "python-3.12.1\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert "  Stack Ubuntu-22 for this build's target, ubuntu 22.04 (linux/amd64)\n" in result.stdout
    assert ("  WARNING: Python 3.12.1 is not the newest 3.12 patch on Ubuntu-22: 3.12.14 has the latest fixes.\n"
            "           Ask for 3.12 to always get the newest patch.\n") in result.stdout
    assert "  Downloading Python 3.12.1 from file://{}/runtimes/python-3.12.1.tar.gz\n".format(CACHE) in result.stdout
    assert "  No published checksum for this archive (classic heroku-buildpack-python runtimes)\n" in result.stdout
    assert ('url = "https://heroku-buildpack-python.s3.us-east-1.amazonaws.com/heroku-22/runtimes/python-3.12.1.tar.gz"\n'
            'sha256 = ""\ntarget = "ubuntu-22.04/amd64"\n') in p.read("python.toml")


def test_collectstatic_without_static_root_fails_the_build_with_that_hint(phase):
    p = phase("django_no_procfile")
    with open(os.path.join(p.app, "mysite", "settings.py")) as f:
        settings = f.read()
    p.write(os.path.join("mysite", "settings.py"), settings.replace('STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")\n', ""))
    result = p.build()
    assert result.returncode == 1
    assert "STATIC_ROOT" in result.stdout  # Django's own words, streamed
    assert result.stdout.endswith(
        "[Error] Django's collectstatic failed: ImproperlyConfigured: You're using the staticfiles app without "
        "having set the STATIC_ROOT setting to a filesystem path.\n"
        "  Set STATIC_ROOT in the settings to a directory in the app, e.g. STATIC_ROOT = BASE_DIR / \"staticfiles\", "
        "or turn collectstatic off with DISABLE_COLLECTSTATIC=1 (e.g. `pack build --env DISABLE_COLLECTSTATIC=1`).\n")
