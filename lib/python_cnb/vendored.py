"""The pinned pure-Python packages in _vendor (build images have no pip packages), imported on
demand: detect never pays for them, and a build only for those it uses."""
import importlib
import os
import sys
from types import ModuleType

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_vendor")


def load(name: str) -> ModuleType:
    """Import `name` (e.g. "yaml", "packaging.specifiers") from _vendor."""
    if _VENDOR not in sys.path:
        sys.path.insert(0, _VENDOR)
    return importlib.import_module(name)
