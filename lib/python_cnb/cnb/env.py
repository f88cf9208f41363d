"""A layer's environment as data (the Buildpack API's env files), set once and used twice: applied
to the environment this build's own processes run with, and written as the layer's env/,
env.build/ and env.launch/ files (NAME.override, NAME.default, NAME.prepend with NAME.delim).
One value feeds both, so what later buildpacks and the app see cannot drift from what the build
itself ran with.

Two kinds of entry are never written: THIS_BUILD ones (settings for this buildpack's own tools,
a cache-only layer's paths, and a layer's bin/ and lib/, which the lifecycle puts on PATH and
LD_LIBRARY_PATH by itself for later buildpacks and at launch), and UNSET, which the spec has no
file for."""
import os
from enum import Enum
from typing import Dict, Mapping, NamedTuple, Tuple

from .layers import Layer, in_layers_dir


class Modifier(Enum):
    OVERRIDE = "override"
    DEFAULT = "default"   # only when the variable is unset or empty, as the spec says
    PREPEND = "prepend"   # before the current value, joined by the entry's delimiter
    UNSET = "unset"       # this build only: no env file can remove a variable


class Scope(Enum):
    """Where an entry applies: its env directory, or this build's processes alone."""
    ALL = "env"              # this build, later buildpacks and launch
    BUILD = "env.build"      # this build and later buildpacks
    LAUNCH = "env.launch"    # launch only: this build does not see it
    THIS_BUILD = ""          # this build's processes only: not written


class EnvEntry(NamedTuple):
    name: str
    modifier: Modifier
    value: str
    scope: Scope
    delim: str = os.pathsep  # PREPEND only


class LayerEnv(NamedTuple):
    """Entries in the order they apply. Built by chaining: LayerEnv().override(...).prepend(...)."""
    entries: Tuple[EnvEntry, ...] = ()

    def override(self, name: str, value: str, scope: Scope = Scope.ALL) -> "LayerEnv":
        return self._add(EnvEntry(name, Modifier.OVERRIDE, value, scope))

    def default(self, name: str, value: str, scope: Scope = Scope.ALL) -> "LayerEnv":
        return self._add(EnvEntry(name, Modifier.DEFAULT, value, scope))

    def prepend(self, name: str, value: str, scope: Scope = Scope.ALL, delim: str = os.pathsep) -> "LayerEnv":
        return self._add(EnvEntry(name, Modifier.PREPEND, value, scope, delim))

    def unset(self, name: str) -> "LayerEnv":
        return self._add(EnvEntry(name, Modifier.UNSET, "", Scope.THIS_BUILD))

    def _add(self, entry: EnvEntry) -> "LayerEnv":
        return LayerEnv(self.entries + (entry,))

    def apply(self, env: Mapping[str, str]) -> Dict[str, str]:
        """The environment this build's processes get: env with every entry but launch-only ones."""
        out = dict(env)
        for entry in (e for e in self.entries if e.scope is not Scope.LAUNCH):
            current = out.get(entry.name)
            if entry.modifier is Modifier.UNSET:
                out.pop(entry.name, None)
            elif entry.modifier is Modifier.OVERRIDE or (entry.modifier is Modifier.DEFAULT and not current):
                out[entry.name] = entry.value
            elif entry.modifier is Modifier.PREPEND:
                out[entry.name] = entry.value + (entry.delim + current if current else "")
        return out

    def files(self) -> Dict[str, str]:
        """The env files, by path inside the layer ("env/PYTHONUSERBASE.override"), and contents."""
        out: Dict[str, str] = {}
        for entry in (e for e in self.entries if e.scope is not Scope.THIS_BUILD):
            base = os.path.join(entry.scope.value, entry.name)
            out["{}.{}".format(base, entry.modifier.value)] = entry.value
            if entry.modifier is Modifier.PREPEND:
                out[base + ".delim"] = entry.delim
        return out

    def write(self, layer: Layer) -> None:
        """Write the env files into the layer (before its TOML: Layer.commit comes last)."""
        for relative, value in sorted(self.files().items()):
            path = os.path.join(layer.path, relative)
            with in_layers_dir("write the layer {}'s env file {}".format(
                    layer.name, os.path.basename(relative).split(".")[0])):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(value)
