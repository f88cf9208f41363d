"""End-to-end: uWSGI built from its sdist (it links libpython) on the runtime layer, then serving
HTTP through it. Before the runtime layer was relocated, the link failed with `cannot find
-lpython3.12`: sysconfig named the directory the archive was built in."""
from conftest import serve

IMAGE = "localhost/python-cnb-e2e/uwsgi-from-source"


def test_uwsgi_compiled_against_the_layer_s_libpython_serves(pack):
    result = pack.build(pack.app("uwsgi_from_source"), IMAGE, fresh=True)
    assert result.returncode == 0, result.stdout
    assert "Building wheel for uWSGI" in result.stdout or "Building wheels for collected packages: uWSGI" \
        in result.stdout, result.stdout
    status, body, _, logs, more = serve(IMAGE, paths=("/libdir",))
    assert (status, body) == (200, "hello from the uwsgi fixture\n"), logs
    assert more == {"/libdir": (200, "/layers/python-cnb_python/python/lib\n")}, logs
