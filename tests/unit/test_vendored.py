"""The vendored packages stand alone (docs/architecture.md, "Vendored dependencies and the syntax
floor"): every module under _vendor imports with the standard library and _vendor alone, and
pyparsing, left out with packaging's markers and requirements, is not needed."""
import os
import subprocess
import sys

from python_cnb import vendored

_IMPORT_ALL = """import os, sys
vendor = sys.argv[1]
sys.path.insert(0, vendor)
for folder, dirs, files in os.walk(vendor):
    for name in sorted(files):
        module = os.path.relpath(os.path.join(folder, name), vendor)[:-3].replace(os.sep, ".")
        # yaml.cyaml is the C extension's front, which is not built (yaml falls back to Python)
        if name.endswith(".py") and module != "yaml.cyaml":
            __import__(module[:-len(".__init__")] if module.endswith(".__init__") else module)
assert "pyparsing" not in sys.modules, "a vendored module imports pyparsing"
"""


def test_every_vendored_module_imports_with_the_standard_library_alone():
    # -I -S: no site-packages, as bin/build runs the lib
    done = subprocess.run([sys.executable, "-I", "-S", "-c", _IMPORT_ALL, vendored._VENDOR],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout
    assert not os.path.exists(os.path.join(vendored._VENDOR, "pyparsing"))


def test_the_specifiers_the_lib_uses_work():
    spec = vendored.load("packaging.specifiers").SpecifierSet(">=3.9,<3.13")
    assert [v for v in ("3.8.18", "3.9.0", "3.12.1", "3.13.0") if spec.contains(v)] == ["3.9.0", "3.12.1"]
