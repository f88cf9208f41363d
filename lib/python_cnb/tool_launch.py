"""How the build starts a Python tool (pip, poetry, pipenv, uv's launcher) so that nothing of the
app's tree is imported in place of the tool's own modules. `python -m tool` puts the working
directory, which is the app for every install, first on sys.path: an app with a cleo/ package or
an optparse.py then broke Poetry or pip. The launcher drops that entry before running the module
as `-m` would (runpy, as __main__), and is valid Python 2.7 too, for the runtimes that old."""
from typing import List, Sequence

from .runner import GO

_DROP_CWD = "sys.path[0:1] = [] if sys.path and sys.path[0] in ('', '.') else sys.path[0:1]\n"
_RUN = "del sys.argv[0]; runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
_LAUNCHER = "import runpy, sys\n" + _DROP_CWD + _RUN

# The same, started ahead of its turn (Runner.start_waiting): it imports the tool's modules named
# in argv[1], and calls those named module:function (to fill the caches the tool's run reads; a
# broken one fails later, at its turn, as it would have), then waits for GO. The
# user site (PYTHONUSERBASE's site-packages, the dependencies layer) may only exist by then:
# it goes where start-up would have put it, before the runtime's site-packages, and the paths
# its .pth files add right after it, as start-up orders them (addsitedir appends them).
_WAITING = ("import os, runpy, site, sys\n" + _DROP_CWD +
            "try:\n"
            "    for m in sys.argv[1].split(','):\n"
            "        name, _, call = m.partition(':')\n"
            "        __import__(name)\n"
            "        if call: getattr(sys.modules[name], call)()\n"
            "except Exception:\n"
            "    pass\n"
            "if sys.stdin.readline() != {go!r}: sys.exit(0)\n"
            "user = site.getusersitepackages()\n"
            "if site.ENABLE_USER_SITE and os.path.isdir(user) and user not in sys.path:\n"
            "    at = ([i for i, p in enumerate(sys.path) if p in site.getsitepackages()] + [len(sys.path)])[0]\n"
            "    sys.path.insert(at, user)\n"
            "    end = len(sys.path)\n"
            "    site.addsitedir(user)\n"
            "    added = sys.path[end:]\n"
            "    del sys.path[end:]\n"
            "    sys.path[at + 1:at + 1] = added\n"
            "del sys.argv[1]\n").format(go=GO) + _RUN


def module(python: str, name: str) -> List[str]:
    """The command that runs `python -m name` without the working directory on sys.path."""
    return [python, "-c", _LAUNCHER, name]


def module_waiting(python: str, name: str, ahead: Sequence[str]) -> List[str]:
    """module(), started ahead: the modules `ahead` imported (module:function also called) at
    once, the rest after GO."""
    return [python, "-c", _WAITING, ",".join(ahead), name]
