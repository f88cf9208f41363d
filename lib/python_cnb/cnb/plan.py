"""The build plan a detecting buildpack writes to CNB_BUILD_PLAN_PATH.

Written by hand rather than with the toml package: detect runs on every build of every app the
builder sees, and importing a TOML writer would cost more than the rest of detect together."""

def write_plan(path: str, provides: list, requires: list) -> None:  # no typing import: see above
    lines = []
    for name in provides:
        lines += ["[[provides]]", 'name = "{}"'.format(name), ""]
    for name in requires:
        lines += ["[[requires]]", 'name = "{}"'.format(name), ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
