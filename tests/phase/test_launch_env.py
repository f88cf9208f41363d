"""What every process of the image gets at launch, beyond its own command."""
import os


def test_a_script_in_a_subdirectory_imports_the_apps_own_modules(phase):
    """PYTHONPATH is the app dir, as the classic buildpack's profile made it (PYTHONPATH=$HOME):
    `python scripts/task.py` finds modules at the app's root."""
    p = phase("flask_default_process")
    os.makedirs(os.path.join(p.app, "scripts"))
    p.write("settings_module.py", "NAME = 'from the app root'\n")
    p.write(os.path.join("scripts", "task.py"), "import settings_module\nprint(settings_module.NAME)\n")
    result = p.build()
    assert result.returncode == 0, result.stdout
    assert p.read("launch-config", "env.launch", "PYTHONPATH.default") == p.app
    ran = p.launched(["python", "scripts/task.py"])
    assert ran.stdout.strip().splitlines()[-1] == "from the app root", ran.stdout
