#!/usr/bin/env bash
# make package: the buildpack as .cnb files (OCI layout archives), one per arch, and as a
# multi-arch buildpackage image index (linux/amd64 + linux/arm64) published to the project's
# registry: the form kpack's ClusterStore and `pack build --buildpack docker://...` take.
#   package.sh [OUT_DIR]   prints the published reference
source "$(dirname "$0")/common.sh"
stage=$("$PLATFORM_DIR/stage-buildpack.sh")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/buildpack.toml" | head -1)
out=${1:-$REPO_ROOT/build}
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/package.toml" <<TOML
[buildpack]
uri = "$stage"

[platform]
os = "linux"
TOML
for arch in amd64 arm64; do
    "$PACK" buildpack package "$out/python-cnb-python-$version-linux-$arch.cnb" --config "$work/package.toml" \
        --format file --target "linux/$arch" >"$work/log" 2>&1 || { cat "$work/log" >&2; die "packaging for $arch failed"; }
done
ref=$REGISTRY/python-cnb/python:$version
"$PACK" buildpack package "$ref" --config "$work/package.toml" --publish \
    --target linux/amd64 --target linux/arm64 >"$work/log" 2>&1 || { cat "$work/log" >&2; die "publishing $ref failed"; }
say "wrote $(cd "$out" && ls python-cnb-python-"$version"-*.cnb | tr "\n" " ")and published $ref (linux/amd64, linux/arm64)"
echo "$ref"
