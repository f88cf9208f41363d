"""The classic runtime toolset: pins per Python line, and the wheel installer that puts them in."""
import base64
import hashlib
import os
import sys
import zipfile

import pytest

from python_cnb import catalog, toolset, wheels
from python_cnb.errors import BuildpackError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_toolset  # noqa: E402

SETS = toolset.load(toolset.toolset_path(ROOT))


def test_the_pins_file_is_what_gen_toolset_pins():
    assert [([".".join(map(str, line)) for line in lines], ts.versions()) for lines, ts in SETS] == \
        [(lines, versions) for lines, versions in gen_toolset.PINS]
    for _, ts in SETS:
        for w in ts.wheels:
            assert w.url.startswith("https://files.pythonhosted.org/packages/")
            assert w.url.endswith(("-py3-none-any.whl", "-py2.py3-none-any.whl"))
            assert "/{}-{}-".format(w.project, w.version) in w.url
            assert len(w.sha256) == 64 and int(w.sha256, 16) >= 0


def test_v242s_toolset_on_the_lines_it_served_and_pkg_resources_kept_everywhere():
    assert toolset.for_release((3, 12, 1), SETS).describe() == "pip 23.3.2, setuptools 68.2.2 and wheel 0.42.0"
    assert toolset.for_release((3, 8, 0), SETS).versions() == {"pip": "23.3.2", "setuptools": "68.2.2", "wheel": "0.42.0"}
    assert toolset.for_release((2, 7, 18), SETS).versions() == {"pip": "20.3.4", "setuptools": "44.1.1", "wheel": "0.37.1"}
    for _, ts in SETS:  # setuptools 81 starts dropping pkg_resources
        assert int(ts.versions()["setuptools"].split(".")[0]) < 81


def test_every_line_every_shipped_catalog_offers_has_pins():
    stacks = catalog.load_stacks(catalog.builtin_catalog_paths(ROOT))
    lines = {rt.release[:2] for s in stacks for rt in s.runtimes}
    assert (2, 7) in lines and (3, 14) in lines
    for line in lines:
        assert toolset.for_release(line + (0,), SETS)


def test_a_line_newer_than_every_pin_gets_the_newest_set_and_an_unknown_old_one_an_error():
    assert toolset.for_release((3, 15, 0), SETS) == toolset.for_release((3, 14, 0), SETS)
    with pytest.raises(BuildpackError) as e:
        toolset.for_release((3, 3, 7), SETS)
    assert e.value.message == "python-cnb has no pip/setuptools/wheel pins for Python 3.3."


# -- the wheel installer ---------------------------------------------------------------------

def make_wheel(path, name, version, files, entry_points=""):
    dist_info = "{}-{}.dist-info".format(name, version)
    with zipfile.ZipFile(path, "w") as z:
        for member, data in files.items():
            z.writestr(member, data)
        z.writestr(dist_info + "/METADATA", "Name: {}\nVersion: {}\n".format(name, version))
        if entry_points:
            z.writestr(dist_info + "/entry_points.txt", entry_points)
        z.writestr(dist_info + "/RECORD", "")
    return str(path)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_a_wheel_lands_in_its_schemes_with_scripts_and_a_record(tmp_path):
    prefix = wheels.Prefix(str(tmp_path / "py"), (3, 12, 1), "/layers/python/bin/python3")
    whl = make_wheel(tmp_path / "demo.whl", "demo", "1.0", {
        "demo/__init__.py": "X = 1\n",
        "demo-1.0.data/scripts/demo-tool": "#!/bin/sh\necho hi\n",
        "demo-1.0.data/data/share/demo.txt": "data\n",
    }, "[console_scripts]\ndemo = demo.cli:main\npip3.11 = demo:run\n")
    assert wheels.install(prefix, whl, "demo") == ["demo"]
    sp = prefix.site_packages
    assert os.path.isfile(os.path.join(sp, "demo", "__init__.py"))
    assert os.path.isfile(os.path.join(prefix.prefix, "share", "demo.txt"))
    script = open(os.path.join(prefix.bin, "demo")).read()
    assert script.startswith("#!/layers/python/bin/python3\n")
    assert "from demo.cli import main\n" in script and "sys.exit(main())" in script
    assert os.access(os.path.join(prefix.bin, "demo"), os.X_OK)
    assert os.path.exists(os.path.join(prefix.bin, "pip3.12"))  # named after this runtime's line
    assert not os.path.exists(os.path.join(prefix.bin, "pip3.11"))
    record = open(os.path.join(sp, "demo-1.0.dist-info", "RECORD")).read().splitlines()
    assert "demo/__init__.py,{},6".format(record_hash(b"X = 1\n")) in record
    assert record[-1] == "demo-1.0.dist-info/RECORD,,"
    assert "../../../bin/demo,{},{}".format(record_hash(script.encode()), len(script)) in record
    assert open(os.path.join(sp, "demo-1.0.dist-info", "INSTALLER")).read() == "python-cnb\n"


def test_installing_replaces_an_older_version_by_its_record(tmp_path):
    prefix = wheels.Prefix(str(tmp_path / "py"), (3, 12, 1), "/py/bin/python3")
    old = make_wheel(tmp_path / "old.whl", "demo", "0.9", {"demo/__init__.py": "", "demo/gone.py": ""},
                     "[console_scripts]\ndemo-old = demo:main\n")
    wheels.install(prefix, old, "demo")
    wheels.remove_installed(prefix, "demo")
    wheels.install(prefix, make_wheel(tmp_path / "new.whl", "demo", "1.0", {"demo/__init__.py": ""}), "demo")
    assert sorted(os.listdir(prefix.site_packages)) == ["demo", "demo-1.0.dist-info"]
    assert not os.path.exists(os.path.join(prefix.site_packages, "demo", "gone.py"))
    assert not os.path.exists(os.path.join(prefix.bin, "demo-old"))


@pytest.mark.parametrize("member", ["../evil.py", "/etc/evil.py", "demo-1.0.data/../../x.py", "demo-1.0.data/nowhere/x"])
def test_a_wheel_entry_outside_the_install_is_refused(tmp_path, member):
    prefix = wheels.Prefix(str(tmp_path / "py"), (3, 12, 1), "/py/bin/python3")
    whl = make_wheel(tmp_path / "bad.whl", "demo", "1.0", {member: "x"})
    with pytest.raises(BuildpackError) as e:
        wheels.install(prefix, whl, "demo")
    assert e.value.message.startswith("The demo wheel (bad.whl) is not a usable wheel: ")
    assert not os.path.exists(str(tmp_path / "evil.py")) and not os.path.exists(str(tmp_path / "x.py"))


def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "pip.whl"
    bad.write_bytes(b"<html>not a wheel</html>")
    with pytest.raises(BuildpackError) as e:
        wheels.install(wheels.Prefix(str(tmp_path / "py"), (3, 12, 1), "/py/bin/python3"), str(bad), "pip")
    assert e.value.message == "The pip wheel (pip.whl) is not a usable wheel: File is not a zip file."
