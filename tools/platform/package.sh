#!/usr/bin/env bash
# make package: the buildpack as a .cnb file (an OCI layout archive) and as an OCI image in the
# local engine, the form kpack's ClusterStore takes from a registry.
source "$(dirname "$0")/common.sh"
stage=$("$PLATFORM_DIR/stage-buildpack.sh")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/buildpack.toml" | head -1)
out=$REPO_ROOT/build
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/package.toml" <<TOML
[buildpack]
uri = "$stage"

[platform]
os = "linux"
TOML
"$PACK" buildpack package "$out/python-cnb-python-$version.cnb" --config "$work/package.toml" --format file >/dev/null
"$PACK" buildpack package "localhost/python-cnb/python:$version" --config "$work/package.toml" --pull-policy never >/dev/null
say "wrote $(cd "$out" && ls python-cnb-python-$version*.cnb | tr "\n" " ")and image localhost/python-cnb/python:$version"
