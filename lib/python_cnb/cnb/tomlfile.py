"""Reading and writing the TOML files the lifecycle and the buildpack exchange."""
import os
from typing import Any, Dict

from .. import vendored

toml = vendored.load("toml")


def read(path: str) -> Dict[str, Any]:
    """The parsed file, or {} when it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            return toml.load(f)
    except FileNotFoundError:
        return {}


def write(path: str, data: Dict[str, Any]) -> None:
    """Write atomically: a reader (or a killed build) never sees half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        toml.dump(data, f)
    os.replace(tmp, path)
