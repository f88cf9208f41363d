"""Layer directories and <layers>/<name>.toml, as the Buildpack API defines them.

The contract this module keeps: a layer's TOML is written last, after its contents are complete,
and removed first, before they are touched. A build that fails or is killed half-way therefore
leaves no TOML, and the lifecycle neither exports nor caches what it left behind."""
import os
import shutil
from typing import Any, Dict, NamedTuple

from . import tomlfile


class LayerTypes(NamedTuple):
    build: bool = False
    launch: bool = False
    cache: bool = False


class Layer:
    def __init__(self, layers_dir: str, name: str) -> None:
        self.name = name
        self.path = os.path.join(layers_dir, name)
        self.toml_path = os.path.join(layers_dir, name + ".toml")

    def previous_metadata(self) -> Dict[str, Any]:
        """[metadata] of the previous build's layer (restored by the lifecycle), or {}."""
        return dict(tomlfile.read(self.toml_path).get("metadata", {}))

    def has_contents(self) -> bool:
        """Whether the directory holds anything: a launch-only layer's TOML comes back from the
        previous image without its contents, and a lost cache brings back none."""
        try:
            return bool(os.listdir(self.path))
        except OSError:
            return False

    def reset(self) -> None:
        """Forget the layer, TOML first, and give back an empty directory to fill."""
        if os.path.exists(self.toml_path):
            os.remove(self.toml_path)
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)

    def commit(self, types: LayerTypes, metadata: Dict[str, Any]) -> None:
        """Mark the layer done: only now does the lifecycle trust its contents."""
        os.makedirs(self.path, exist_ok=True)
        tomlfile.write(self.toml_path, {"types": types._asdict(), "metadata": metadata})

    def write_env(self, name: str, value: str, how: str = "override", scope: str = "") -> None:
        """An env file: <layer>/env (build and launch), env.build or env.launch (scope), named
        NAME.override or NAME.default (how)."""
        env_dir = os.path.join(self.path, "env" + ("." + scope if scope else ""))
        os.makedirs(env_dir, exist_ok=True)
        with open(os.path.join(env_dir, "{}.{}".format(name, how)), "w", encoding="utf-8") as f:
            f.write(value)
