"""Where the runtime and dependencies layers are kept between builds: in the image only, or in
the cache too.

In the image only (launch = true; the CNB spec's own example for a Python runtime): a rebuild
with nothing changed restores no layer contents and exports nothing new. The lifecycle brings
back each layer's TOML, the step confirms it, and the exporter points the new image at the
previous image's layer: no unpacking from the cache, no re-hashing. The price: a build that
needs Python again (the dependencies changed) installs the runtime anew; its bytes are the same
(reproducible), so the image layer is still the same.

In the cache too (build = cache = true) when a build may need Python and the dependencies at
hand: Django's collectstatic runs when what it reads changed (steps/collectstatic.py),
bin/pre_compile and bin/post_compile run on every build, NLTK corpora are fetched with nltk, and
a later buildpack may ask for python at build time (a plan entry with build = true, Paketo's
convention)."""
import os
from typing import Any, Dict, List, NamedTuple, Tuple

from .cnb import tomlfile
from .cnb.layers import Layer, LayerTypes
from .project import collectstatic_disabled
from .settings import RUNTIME_CACHE, RuntimeCache, Settings

IMAGE_ONLY = LayerTypes(launch=True)
CACHED = LayerTypes(build=True, launch=True, cache=True)


class Retention(NamedTuple):
    """needs: why this build needs the layer's contents at hand (empty: where the last build kept
    them will do); types: how the layer is kept after this build."""
    needs: Tuple[str, ...]
    types: LayerTypes

    def needing(self, why: str) -> "Retention":
        """Needed at hand by this build too, kept as before."""
        return self._replace(needs=self.needs + (why,))

    def keep(self, layer: Layer, metadata: Dict[str, Any]) -> None:
        """A reused layer, as it is where it is: the restored cache, or the previous image."""
        if layer.has_contents():
            layer.commit(self.types, metadata)
        else:
            layer.keep_in_image(metadata)


def analyse(app_dir: str, settings: Settings, plan_path: str) -> Retention:
    try:
        names = set(os.listdir(app_dir))
    except OSError:
        names = set()
    needs = []  # type: List[str]
    if "manage.py" in names and not collectstatic_disabled(app_dir, settings):
        needs.append("Django's collectstatic runs when what it reads changes")
    for hook in ("pre_compile", "post_compile"):
        if os.path.isfile(os.path.join(app_dir, "bin", hook)):
            needs.append("bin/{} runs on every build".format(hook))
    if "nltk.txt" in names:
        needs.append("nltk.txt asks for NLTK corpora")
    needs += _later_buildpacks(plan_path)
    return Retention(tuple(needs), CACHED if needs else IMAGE_ONLY)


FOR_THE_NEXT_CHANGE = RUNTIME_CACHE + "=true keeps it at hand for the next dependency change"


def for_runtime(kept: Retention, settings: Settings) -> Retention:
    """The runtime's own retention. BP_PYTHON_RUNTIME_CACHE=true keeps it in the cache too,
    whatever the dependencies do: the build after a dependency change finds it restored by the
    lifecycle instead of installing it again. Not the default: make bench (2026-12-05, side by
    side) measured the lifecycle's restore and export of the cached runtime on every build at more
    than the reinstall it saves on a dependency change (Flask, pack build, daemon: no change 8.2 s
    cached against 2.6 s image-only; one requirement added 14.0 s against 18.1 s)."""
    if kept.types == CACHED or settings.runtime_cache is not RuntimeCache.WHOLE:
        return kept
    return Retention(kept.needs + (FOR_THE_NEXT_CHANGE,), CACHED)


def _later_buildpacks(plan_path: str) -> List[str]:
    """A plan entry for python with metadata build = true: a later buildpack runs it."""
    try:
        plan = tomlfile.read(plan_path) if plan_path else {}
    except tomlfile.UnreadableToml:
        return ["the buildpack plan is unreadable (so a later buildpack may need Python)"]
    entries = plan.get("entries", [])
    wanted = isinstance(entries, list) and any(
        isinstance(e, dict) and e.get("name") == "python" and isinstance(e.get("metadata"), dict)
        and e["metadata"].get("build") is True for e in entries)
    return ["a later buildpack asks for python at build time"] if wanted else []
