"""Makes the pinned pure-Python packages in _vendor importable (build images have no pip
packages). Import this module before importing toml, yaml or packaging."""
import os
import sys

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_vendor")
if _VENDOR not in sys.path:
    sys.path.insert(0, _VENDOR)
