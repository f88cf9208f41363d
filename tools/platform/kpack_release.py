"""kpack's release configuration (the `config/` of its Go module), rendered as kpack's release
renders it with ytt: each `#@ data.values.<name>` filled with our value, nothing else changed.

  kpack_release.py CONFIG_DIR name=value... > release.yaml

The documents come out in two files' worth: the release without its default ClusterLifecycle
(--part base), and that ClusterLifecycle (--part lifecycle), which needs kpack's CRDs and webhook
to be up before the API server takes it."""
import argparse
import os
import re
import sys
from typing import Dict, List

VALUE = re.compile(r"#@ data\.values\.([a-z_.]+)")
LIFECYCLE = "default_clusterlifecycle.yaml"


def render(text: str, values: Dict[str, str], source: str) -> str:
    """One template: its `#@ load` lines dropped, each value filled in (quoted), and any other
    ytt annotation an error, as a template this cannot render must not be applied half-done."""
    out: List[str] = []
    for line in text.splitlines():
        if line.startswith("#@ load("):
            continue

        def fill(match: "re.Match[str]") -> str:
            name = match.group(1)
            if name not in values:
                raise SystemExit("kpack_release: {} needs data.values.{}, which was not given".format(source, name))
            return '"{}"'.format(values[name])
        line = VALUE.sub(fill, line)
        if "#@" in line:
            raise SystemExit("kpack_release: {}: a ytt annotation this does not render: {}".format(source, line.strip()))
        out.append(line)
    return "\n".join(out) + "\n"


def release(config_dir: str, values: Dict[str, str], lifecycle: bool) -> str:
    """The documents of config/ (schema.yaml is ytt's, not the cluster's) in file order."""
    names = sorted(n for n in os.listdir(config_dir) if n.endswith(".yaml") and n != "schema.yaml")
    names = [n for n in names if (n == LIFECYCLE) == lifecycle]
    docs = []
    for name in names:
        with open(os.path.join(config_dir, name)) as f:
            docs.append(render(f.read(), values, name))
    return "---\n".join(docs)


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_dir")
    parser.add_argument("--part", choices=["base", "lifecycle"], default="base")
    parser.add_argument("values", nargs="*", metavar="name=value")
    args = parser.parse_intermixed_args(argv)
    values = dict(v.split("=", 1) for v in args.values)
    sys.stdout.write(release(args.config_dir, values, args.part == "lifecycle"))


if __name__ == "__main__":
    main(sys.argv[1:])
