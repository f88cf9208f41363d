#!/usr/bin/env bash
# make package: the buildpack as .cnb files (OCI layout archives), one per arch, and as a
# multi-arch buildpackage image index (linux/amd64 + linux/arm64) published to the project's
# registry: the form kpack's ClusterStore and `pack build --buildpack docker://...` take.
# OFFLINE=1: an offline buildpackage instead (amd64, one stack: OFFLINE_STACK, default Debian-12),
# carrying its runtime archives and toolset wheels (tools/offline_package.py; OFFLINE_CATALOG
# takes the archives from another catalog, e.g. the loopback mirror's), tagged <version>-offline.
# CARRY_BOOTSTRAP=1: each .cnb also carries its arch's bootstrap interpreter (carry-bootstrap.sh:
# stacks/bootstrap.txt's archive, or BOOTSTRAP_CATALOG's pick), for build images with no python3
# and neither curl nor wget; the published index, made from one directory, carries every arch's.
# (An offline buildpackage needs none: it bootstraps from the runtime archives it carries.)
#   package.sh [OUT_DIR]   prints the published reference
source "$(dirname "$0")/common.sh"
stage=$("$PLATFORM_DIR/stage-buildpack.sh")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/buildpack.toml" | head -1)
arches="amd64 arm64"
if [ "${OFFLINE:-}" = 1 ]; then
    python3 "$REPO_ROOT/tools/offline_package.py" "$stage" --stack "${OFFLINE_STACK:-Debian-12}" \
        ${OFFLINE_CATALOG:+--catalog "$OFFLINE_CATALOG"} ${OFFLINE_VERSIONS:+--versions "$OFFLINE_VERSIONS"} >&2 \
        || die "could not gather the offline buildpack's archives"
    version=$version-offline
    arches=amd64
fi
out=${1:-$REPO_ROOT/build}
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/package.toml" <<TOML
[buildpack]
uri = "$stage"

[platform]
os = "linux"
TOML
for arch in $arches; do
    config=$work/package.toml
    if [ "${CARRY_BOOTSTRAP:-}" = 1 ]; then  # a copy of the stage per arch, carrying that arch's archive
        mkdir -p "$work/$arch" && cp -a "$stage/." "$work/$arch/"
        "$PLATFORM_DIR/carry-bootstrap.sh" "$work/$arch" "$arch"
        sed "s#^uri = .*#uri = \"$work/$arch\"#" "$work/package.toml" > "$work/package-$arch.toml"
        config=$work/package-$arch.toml
    fi
    TMPDIR="$work" "$PACK" buildpack package "$out/python-cnb-python-$version-linux-$arch.cnb" --config "$config" \
        --format file --target "linux/$arch" >"$work/log" 2>&1 || { cat "$work/log" >&2; die "packaging for $arch failed"; }
done
ref=$REGISTRY/python-cnb/python:$version
[ "${CARRY_BOOTSTRAP:-}" != 1 ] || "$PLATFORM_DIR/carry-bootstrap.sh" "$stage" $arches
TMPDIR="$work" "$PACK" buildpack package "$ref" --config "$work/package.toml" --publish \
    $(for arch in $arches; do printf -- '--target linux/%s ' "$arch"; done) >"$work/log" 2>&1 || { cat "$work/log" >&2; die "publishing $ref failed"; }
say "wrote $(cd "$out" && ls python-cnb-python-"$version"-linux-*.cnb | tr "\n" " ")and published $ref ($arches)"
echo "$ref"
