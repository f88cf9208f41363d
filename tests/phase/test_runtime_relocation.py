"""A runtime installed by bin/build describes itself where the layer is: sysconfig, python3-config
and pkg-config name the layer, not the prefix the archive was built in, so a program that embeds
Python compiles and links against the layer's libpython (-lpython3.12) and runs. Both layouts a
catalog serves: the classic one (bin/, lib/ at the root, the loopback mirror's) and the portable
one (everything under python/, as python-build-standalone's)."""
import gzip
import os
import subprocess
import tarfile

import pytest

from phasekit import CACHE, Phase

BUILT_IN = "/root/.pyenv/versions/3.12.1"  # where the mirror's 3.12.1 was built (tools/runtime_mirror.py)
EMBEDDING = r"""
#include <Python.h>
int main(void) {
    Py_Initialize();
    PyRun_SimpleString("import sys, sysconfig; print('embedded', sys.version.split()[0], sysconfig.get_config_var('LIBDIR'))");
    return Py_FinalizeEx() < 0;
}
"""


def under_python_dir(archive, dest):
    """The mirror's archive with every entry under python/ (python-build-standalone's layout)."""
    with tarfile.open(archive, "r:gz") as src, open(dest, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=1) as gz, \
            tarfile.open(fileobj=gz, mode="w") as out:
        for member in src:
            data = src.extractfile(member) if member.isreg() else None
            member.name = "python/" + member.name
            if member.islnk():
                member.linkname = "python/" + member.linkname
            out.addfile(member, data)


@pytest.fixture(scope="module", params=["classic", "portable"])
def built(request, mirror, tmp_path_factory):
    """A Phase whose build installed the mirror's Python 3.12.1 in either layout."""
    root = str(tmp_path_factory.mktemp(request.param))
    p = Phase(os.path.join(root, "phase"), "no_run_command", mirror[0])
    if request.param == "portable":
        archive = os.path.join(root, "python-3.12.1.tar.gz")
        under_python_dir(os.path.join(CACHE, "runtimes", "python-3.12.1.tar.gz"), archive)
        catalog = os.path.join(root, "portable.yaml")
        with open(catalog, "w") as f:
            f.write("name: Debian-12\ndistro: {{name: debian, version: '12'}}\ndefault_version: 3.12.1\nruntimes:\n"
                    '  - {{version: 3.12.1, arch: amd64, url: "file://{}"}}\n'.format(archive))
        p.set_env("BP_PYTHON_RUNTIME_CATALOG", catalog)
    result = p.build()
    assert result.returncode == 0, result.stdout
    return p


def run(p, args, cwd=None):
    result = subprocess.run(args, env=p.launch_env(), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    assert result.returncode == 0, result.stdout
    return result.stdout


def test_sysconfig_names_the_layer(built):
    layer = os.path.join(built.layers, "python")
    out = run(built, ["python3", "-c", "import sysconfig, importlib; "
                      "data = importlib.import_module(sysconfig._get_sysconfigdata_name()); "
                      "print([sysconfig.get_config_var(v) for v in ('LIBDIR', 'LIBPL', 'INCLUDEPY', 'BINDIR')]); "
                      "print(data.build_time_vars['prefix'])"])
    assert out == "{}\n{}\n".format([layer + "/lib", layer + "/lib/python3.12/config-3.12-x86_64-linux-gnu",
                                     layer + "/include/python3.12", layer + "/bin"], layer)


def test_python3_config_and_pkg_config_name_the_layer(built):
    layer = os.path.join(built.layers, "python")
    assert run(built, ["python3-config", "--prefix"]) == layer + "\n"
    assert run(built, ["python3-config", "--ldflags", "--embed"]) == (
        " -L{0}/lib -lpython3.12 -ldl -L{0}/lib -Wl,-rpath,{0}/lib -lm \n".format(layer))
    pkg = ["env", "PKG_CONFIG_PATH=" + os.path.join(layer, "lib", "pkgconfig"), "pkg-config"]
    assert run(built, pkg + ["--variable=prefix", "python-3.12-embed"]) == layer + "\n"
    assert run(built, pkg + ["--cflags", "--libs", "python-3.12-embed"]) == (
        "-I{0}/include/python3.12 -L{0}/lib -lpython3.12 \n".format(layer))


def test_no_description_of_the_runtime_names_the_build_prefix(built):
    layer = os.path.join(built.layers, "python")
    stale = []
    for dirpath, _, names in os.walk(layer):
        for name in names:
            path = os.path.join(dirpath, name)
            described = name.endswith(("-config", ".pc", "Makefile", "python-config.py")) or \
                name.startswith("_sysconfigdata")
            if described and not os.path.islink(path):
                with open(path, "rb") as f:
                    if BUILT_IN.encode() in f.read():
                        stale.append(os.path.relpath(path, layer))
    assert stale == []


def test_processes_at_launch_find_the_runtime_s_home(built):
    layer = os.path.join(built.layers, "python")
    assert os.listdir(os.path.join(layer, "env.launch")) == ["PYTHONHOME.default"]
    assert built.read("python", "env.launch", "PYTHONHOME.default") == layer


def test_an_embedding_program_links_the_layer_s_libpython_and_runs(built, tmp_path):
    layer = os.path.join(built.layers, "python")
    source = str(tmp_path / "embed.c")
    with open(source, "w") as f:
        f.write(EMBEDDING)
    flags = run(built, ["python3-config", "--cflags", "--embed"]).split() + [source, "-o", str(tmp_path / "embed")] + \
        run(built, ["python3-config", "--ldflags", "--embed"]).split()
    run(built, ["cc"] + flags)
    # no LD_LIBRARY_PATH: the rpath python3-config gives finds the layer's libpython; the
    # standard library is found through the layer's launch env (PYTHONHOME)
    env = built.launch_env()
    env.pop("LD_LIBRARY_PATH")
    out = subprocess.run([str(tmp_path / "embed")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    assert (out.returncode, out.stdout) == (0, "embedded 3.12.1 {}/lib\n".format(layer))
