"""relocation.py: what an unpacked runtime says about its location, for each layout a catalog can
serve: python-build-standalone (built in /install, with clang), the classic heroku archives
(/app/.heroku/python), the loopback mirror's pyenv builds, Python 2.7 and 3.14's JSON forms."""
import hashlib
import json
import os

import pytest

from python_cnb.relocation import moved_paths, relocate

LAYER = "/layers/python-cnb_python/python"


def write(root, rel, text):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def read(root, rel):
    with open(os.path.join(str(root), rel)) as f:
        return f.read()


def variables(root, rel):
    scope = {}
    exec(read(root, rel), scope)
    return scope["build_time_vars"]


@pytest.mark.parametrize("text, expected", [
    ("/install", LAYER),
    ("/install/lib", LAYER + "/lib"),
    ("-L/install/lib -lpython3.12", "-L" + LAYER + "/lib -lpython3.12"),
    ("-Wl,-rpath,/install/lib", "-Wl,-rpath," + LAYER + "/lib"),
    ("'--prefix=/install' 'LDFLAGS=-L/install/lib'", "'--prefix={0}' 'LDFLAGS=-L{0}/lib'".format(LAYER)),
    ('prefix="/install"', 'prefix="{}"'.format(LAYER)),
    ("/install:/install/bin", "{0}:{0}/bin".format(LAYER)),
    ("./install/lib/python3.12/os.py", "." + LAYER + "/lib/python3.12/os.py"),  # WASM_STDLIB's form
    # other paths that merely contain the prefix stay
    ("/tools/install/lib", "/tools/install/lib"),
    ("/install2/lib /installed", "/install2/lib /installed"),
    ("-fprofile-use=/tools/-L/install", "-fprofile-use=/tools/-L/install"),
    ("x/install", "x/install"),
    ("x./install", "x./install"),
])
def test_only_paths_that_start_with_the_prefix_move(text, expected):
    assert moved_paths(text, "/install", LAYER) == expected


PBS_MODULE = """# system configuration generated and used by the sysconfig module
build_time_vars = {'AR': '/tools/llvm/bin/llvm-ar',
 'BINDIR': '/install/bin',
 'BLDSHARED': 'clang -pthread -shared -L/tools/deps/lib -L/install/lib',
 'CC': 'clang -pthread',
 'CXX': 'clang++ -pthread',
 'INCLUDEPY': '/install/include/python3.12',
 'LDLIBRARY': 'libpython3.12.so',
 'LDSHARED': 'clang -pthread -shared -L/tools/deps/lib',
 'LIBDIR': '/install/lib',
 'LIBPL': '/install/lib/python3.12/config-3.12-x86_64-linux-gnu',
 'Py_ENABLE_SHARED': 1,
 'SIZEOF_LONG': 8,
 'prefix': '/install'}
"""
PBS_PC = """# See: man pkg-config
prefix=/install
exec_prefix=${prefix}
libdir=${exec_prefix}/lib
includedir=${prefix}/include

Name: Python
Description: Embed Python into an application
Requires:
Version: 3.12
Libs.private: -ldl -L/tools/deps/lib
Libs: -L${libdir} -lpython3.12
Cflags: -I${includedir}/python3.12
"""
CONFIG_SH = """#!/bin/sh
prefix_real=$(installed_prefix "$0")
prefix="{0}"
exec_prefix="${{prefix}}"
libdir=$(echo "{0}/lib" | sed "s#$prefix#$prefix_real#")
"""


def pbs_runtime(root):
    write(root, "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py", PBS_MODULE)
    write(root, "lib/python3.12/__pycache__/_sysconfigdata__linux_x86_64-linux-gnu.cpython-312.pyc", "old")
    write(root, "lib/pkgconfig/python-3.12-embed.pc", PBS_PC)
    write(root, "bin/python3.12-config", CONFIG_SH.format("/install"))
    os.symlink("python3.12-config", os.path.join(str(root), "bin", "python3-config"))
    write(root, "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile", "prefix=\t\t/install\nLIBDIR=\t\t$(exec_prefix)/lib\n")


def test_a_python_build_standalone_runtime_names_the_layer_and_the_image_s_compilers(tmp_path):
    root = str(tmp_path / "python")
    pbs_runtime(root)
    assert relocate(root) == [
        "bin/python3.12-config", "lib/pkgconfig/python-3.12-embed.pc",
        "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py",
        "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile"]
    assert variables(root, "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py") == {
        "AR": "ar",
        "BINDIR": root + "/bin",
        "BLDSHARED": "cc -pthread -shared -L/tools/deps/lib -L{}/lib".format(root),
        "CC": "cc -pthread",
        "CXX": "c++ -pthread",
        "INCLUDEPY": root + "/include/python3.12",
        "LDLIBRARY": "libpython3.12.so",
        "LDSHARED": "cc -pthread -shared -L/tools/deps/lib",
        "LIBDIR": root + "/lib",
        "LIBPL": root + "/lib/python3.12/config-3.12-x86_64-linux-gnu",
        "Py_ENABLE_SHARED": 1,
        "SIZEOF_LONG": 8,
        "prefix": root,
    }
    assert read(root, "lib/pkgconfig/python-3.12-embed.pc") == PBS_PC.replace("prefix=/install", "prefix=" + root)
    assert read(root, "bin/python3.12-config") == CONFIG_SH.format(root)
    assert os.path.islink(os.path.join(root, "bin", "python3-config"))
    assert read(root, "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile").startswith("prefix=\t\t{}\n".format(root))
    assert os.listdir(os.path.join(root, "lib", "python3.12", "__pycache__")) == []  # its old text is gone


def test_the_sysconfigdata_module_is_written_one_sorted_variable_a_line(tmp_path):
    root = str(tmp_path / "python")
    pbs_runtime(root)
    relocate(root)
    assert read(root, "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py").splitlines()[:5] == [
        "# system configuration generated and used by the sysconfig module",
        "build_time_vars = {",
        "    'AR': 'ar',",
        "    'BINDIR': '{}/bin',".format(root),
        "    'BLDSHARED': 'cc -pthread -shared -L/tools/deps/lib -L{}/lib',".format(root),
    ]


def tree_digest(root):
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            h.update(path.encode())
            if not os.path.islink(path):
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def test_the_same_runtime_in_the_same_layer_gives_the_same_bytes_and_a_second_pass_changes_nothing(tmp_path):
    root = str(tmp_path / "python")
    pbs_runtime(root)
    relocate(root)
    first = tree_digest(root)
    assert relocate(root) == []
    assert tree_digest(root) == first
    os.rename(root, str(tmp_path / "old"))
    pbs_runtime(root)
    relocate(root)
    assert tree_digest(root) == first


def test_a_classic_heroku_runtime_moves_from_app_heroku_python(tmp_path):
    root = str(tmp_path / "python")
    write(root, "lib/python3.6/_sysconfigdata_m_linux_x86_64-linux-gnu.py",
          "build_time_vars = {'prefix': '/app/.heroku/python', 'LIBDIR': '/app/.heroku/python/lib',\n"
          " 'LDFLAGS': '-L/app/.heroku/python/lib -Wl,-rpath,/app/.heroku/python/lib', 'CC': 'gcc -pthread'}\n")
    write(root, "lib/pkgconfig/python-3.6.pc", "prefix=/app/.heroku/python\nlibdir=${prefix}/lib\n")
    relocate(root)
    assert variables(root, "lib/python3.6/_sysconfigdata_m_linux_x86_64-linux-gnu.py") == {
        "prefix": root, "LIBDIR": root + "/lib", "LDFLAGS": "-L{0}/lib -Wl,-rpath,{0}/lib".format(root),
        "CC": "gcc -pthread"}
    assert read(root, "lib/pkgconfig/python-3.6.pc") == "prefix={}\nlibdir=${{prefix}}/lib\n".format(root)


def test_python_2_7_s_module_and_its_pyc(tmp_path):
    root = str(tmp_path / "python")
    write(root, "lib/python2.7/_sysconfigdata.py", "# system configuration generated and used by the sysconfig "
          "module\nbuild_time_vars = {'LIBDIR': '/app/.heroku/python/lib',\n 'prefix': '/app/.heroku/python'}\n")
    write(root, "lib/python2.7/_sysconfigdata.pyc", "old")
    assert relocate(root) == ["lib/python2.7/_sysconfigdata.py"]
    assert variables(root, "lib/python2.7/_sysconfigdata.py") == {"LIBDIR": root + "/lib", "prefix": root}
    assert not os.path.exists(os.path.join(root, "lib", "python2.7", "_sysconfigdata.pyc"))


def test_python_3_14_s_json_descriptions(tmp_path):
    root = str(tmp_path / "python")
    write(root, "lib/python3.14/_sysconfigdata__linux_x86_64-linux-gnu.py",
          "build_time_vars = {'prefix': '/install', 'CC': 'clang'}\n")
    write(root, "lib/python3.14/_sysconfig_vars__linux_x86_64-linux-gnu.json",
          json.dumps({"prefix": "/install", "LIBDIR": "/install/lib", "CC": "clang", "SIZEOF_INT": 4}))
    write(root, "lib/python3.14/build-details.json", json.dumps(
        {"base_prefix": "/install", "libpython": {"dynamic": "/install/lib/libpython3.14.so"}, "c_api": {
            "headers": "/install/include/python3.14"}, "language": {"version": "3.14"}}))
    relocate(root)
    with open(os.path.join(root, "lib", "python3.14", "_sysconfig_vars__linux_x86_64-linux-gnu.json")) as f:
        assert json.load(f) == {"prefix": root, "LIBDIR": root + "/lib", "CC": "cc", "SIZEOF_INT": 4}
    with open(os.path.join(root, "lib", "python3.14", "build-details.json")) as f:
        assert json.load(f) == {"base_prefix": root, "libpython": {"dynamic": root + "/lib/libpython3.14.so"},
                                "c_api": {"headers": root + "/include/python3.14"}, "language": {"version": "3.14"}}


@pytest.mark.parametrize("module", [
    None,  # no sysconfig data at all
    "build_time_vars = {'LIBDIR': '/install/lib'}\n",  # no prefix stated
    "build_time_vars = {'prefix': 'relative'}\n",
    "build_time_vars = dict(prefix='/install')\n",  # not data: never run
    "this is not Python(\n",
])
def test_a_runtime_that_states_no_usable_prefix_is_left_as_it_is(tmp_path, module):
    root = str(tmp_path / "python")
    write(root, "lib/pkgconfig/python-3.12.pc", "prefix=/install\n")
    if module is not None:
        write(root, "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py", module)
    assert relocate(root) == []
    assert read(root, "lib/pkgconfig/python-3.12.pc") == "prefix=/install\n"
