"""<layers>/launch.toml: the image's processes (Buildpack API >= 0.9: command is an array and
no shell is implied)."""
import os
from typing import List, NamedTuple

from . import tomlfile
from .layers import layers_dir_error


class Process(NamedTuple):
    type: str
    command: List[str]
    args: List[str] = []
    default: bool = False


def write_launch(layers_dir: str, processes: List[Process]) -> None:
    data = {
        "processes": [
            {"type": p.type, "command": list(p.command), "args": list(p.args), "default": p.default}
            for p in processes
        ]
    }
    try:
        tomlfile.write(os.path.join(layers_dir, "launch.toml"), data)
    except OSError as e:
        raise layers_dir_error("write launch.toml", e)
