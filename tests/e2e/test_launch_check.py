"""The launch check through pack and the lifecycle: in the build container, as the CNB user, with
the launch environment the image gets."""
import os
import re

from conftest import ROOT

IMAGE = "localhost/python-cnb-e2e/launch-{}"


def test_a_server_that_cannot_start_fails_the_build_with_the_process_and_the_level(pack):
    result = pack.build(pack.app("gunicorn_worker_missing"), IMAGE.format("worker-missing"), fresh=True)
    assert result.returncode != 0, result.stdout
    assert ("[Error] The web process would not start: gunicorn's worker class gunicorn.workers.ggevent:GeventWorker "
            "does not import (launch check, level server).\n") in result.stdout
    assert "  RuntimeError: gevent worker requires gevent 1.4 or higher\n" in result.stdout
    assert "ERROR: failed to build" in result.stdout


def test_serve_on_the_flask_example_reports_status_200_and_its_time(pack):
    result = pack.build(os.path.join(ROOT, "examples", "flask-hello"), IMAGE.format("flask-serve"),
                        env={"BP_LAUNCH_CHECK": "serve"}, fresh=True)
    assert result.returncode == 0, result.stdout
    assert re.search(r"\n\s*server: web: gunicorn imports, the module app is there\n", result.stdout), result.stdout
    assert re.search(r"\n\s*serve: web answered HTTP 200 in [\d.]+s\n", result.stdout), result.stdout
    again = pack.build(os.path.join(ROOT, "examples", "flask-hello"), IMAGE.format("flask-serve"),
                       env={"BP_LAUNCH_CHECK": "serve"})
    assert again.returncode == 0, again.stdout
    assert "Reusing the last build's result (level serve): nothing it checked changed" in again.stdout
