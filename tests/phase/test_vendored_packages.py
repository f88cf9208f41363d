"""Apps that vendor their packages (vendor/ or wheels/ holding wheels or sdists): pip installs from
that directory alone, so the build needs no index and no network."""
import os

from phasekit import download_wheels
from python_cnb.steps.dependencies import installed_distributions


def vendor_wheels(app):
    vendor = os.path.join(app, "vendor")
    download_wheels(os.path.join(app, "requirements.txt"), vendor)
    return vendor


def test_vendored_wheels_install_with_no_index_and_key_the_layer(phase):
    p = phase("flask_vendored_wheels")
    vendor = vendor_wheels(p.app)
    p.set_env("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens there: no index is used
    cold = p.build()
    assert cold.returncode == 0, cold.stdout
    assert "  Installing dependencies with pip from requirements.txt, offline from vendor/\n" in cold.stdout
    assert {"flask", "gunicorn", "werkzeug"} <= set(installed_distributions(os.path.join(p.layers, "dependencies")))

    again = p.build()
    assert "  Reusing dependencies (requirements.txt and Python 3.12.1 unchanged)\n" in again.stdout

    os.remove(os.path.join(vendor, sorted(n for n in os.listdir(vendor) if n.startswith("blinker"))[0]))
    changed = p.build()
    assert "  Rebuilding dependencies: vendor/ changed\n" in changed.stdout
    assert changed.returncode != 0  # blinker is gone from vendor/ and there is no index to find it
    assert "No matching distribution found for blinker" in changed.stdout
