"""tools/import_graph.py, which make lint runs: import circles between modules and between units
(a subpackage is one unit) are found, TYPE_CHECKING and function-level imports included."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import import_graph  # noqa: E402


def package(tmp_path, files):
    root = tmp_path / "pkg"
    for name, text in dict(files, **{"__init__.py": ""}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


def test_the_lib_has_no_import_circle():
    assert import_graph.main(os.path.join(ROOT, "lib", "python_cnb")) == 0


def test_a_circle_behind_type_checking_is_found(tmp_path, capsys):
    root = package(tmp_path, {"a.py": "from .b import B\n",
                              "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"})
    assert import_graph.main(root) == 1
    assert "import circle between modules: pkg.a <-> pkg.b\n" in capsys.readouterr().out


def test_an_upward_import_from_a_subpackage_is_a_circle_between_units(tmp_path, capsys):
    root = package(tmp_path, {"steps/__init__.py": "class Context: pass\n",
                              "steps/run.py": "def run():\n    from .. import hook\n",
                              "hook.py": "from .steps import Context\n"})
    assert import_graph.main(root) == 1
    out = capsys.readouterr().out
    assert "import circle between units: pkg.hook <-> pkg.steps\n" in out
    assert "import circle between modules" not in out


def test_imports_that_go_one_way_pass(tmp_path):
    assert import_graph.main(package(tmp_path, {"a.py": "from . import b\n", "b.py": "import os\n"})) == 0
