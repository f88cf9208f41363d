"""How the build starts a Python tool (pip, poetry, pipenv, uv's launcher) so that nothing of the
app's tree is imported in place of the tool's own modules. `python -m tool` puts the working
directory, which is the app for every install, first on sys.path: an app with a cleo/ package or
an optparse.py then broke Poetry or pip. The launcher drops that entry before running the module
as `-m` would (runpy, as __main__), and is valid Python 2.7 too, for the runtimes that old."""
from typing import List

_LAUNCHER = ("import runpy, sys; "
             "sys.path[0:1] = [] if sys.path and sys.path[0] in ('', '.') else sys.path[0:1]; "
             "del sys.argv[0]; runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)")


def module(python: str, name: str) -> List[str]:
    """The command that runs `python -m name` without the working directory on sys.path."""
    return [python, "-c", _LAUNCHER, name]
