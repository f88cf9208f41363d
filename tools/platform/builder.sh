#!/usr/bin/env bash
# The builder: our buildpack, the bookworm build and run images, and the locally built lifecycle.
# Created with pack and trusted, so pack runs the lifecycle from it instead of pulling a
# lifecycle image. The buildpack comes from BUILDPACK_URI: `docker://<ref>` for the buildpackage
# `make package` published to the project's registry (what `make platform` uses), else the repo
# staged as a directory (quick local work).
# BUILDER_RUN_IMAGE names the run image by another reference (the registry's, for publish mode);
# BUILDER_BUILD_IMAGE another build image (no-python3.sh's, without python3);
# BUILDPACK_ID another buildpack than ours (make bench's floor); BUILDER_STACK_ID and
# BUILDER_DISTRO another stack (trixie.sh's).
#   [BUILDPACK_URI=docker://...] [BUILDER_RUN_IMAGE=...] builder.sh [NAME [LIFECYCLE_TARBALL]]
source "$(dirname "$0")/common.sh"
name=${1:-$BUILDER}
lifecycle=${2:-$LIFECYCLE_TARBALL}
run_image=${BUILDER_RUN_IMAGE:-$RUN_IMAGE}
build_image=${BUILDER_BUILD_IMAGE:-$BUILD_IMAGE}
stack_id=${BUILDER_STACK_ID:-$STACK_ID}
[ -f "$lifecycle" ] || die "no lifecycle tarball at $lifecycle (run tools/platform/tools.sh)"

source=${BUILDPACK_URI:-}
case "$source" in
docker://*)
    # The engine pulls the buildpackage from the registry (the amd64 image of its index); pack
    # then takes it from the engine, as it takes the stack images.
    ref=${source#docker://}
    docker pull -q "$ref" >/dev/null || die "could not pull $ref from the registry"
    buildpack="image = \"$ref\"" ;;
"") buildpack="uri = \"$("$PLATFORM_DIR/stage-buildpack.sh")\"" ;;
*) buildpack="uri = \"$source\"" ;;
esac
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/builder.toml" <<TOML
description = "python-cnb on Debian ${BUILDER_DISTRO:-bookworm} (local lifecycle $(basename "$lifecycle"))"

[[buildpacks]]
$buildpack

[[order]]
[[order.group]]
id = "${BUILDPACK_ID:-python-cnb/python}"

[stack]
id = "$stack_id"
build-image = "$build_image"
run-image = "$run_image"

[build]
image = "$build_image"

[[run.images]]
image = "$run_image"

[[targets]]
os = "linux"
arch = "amd64"

[lifecycle]
uri = "$lifecycle"
TOML
say "creating builder $name"
TMPDIR="$work" "$PACK" builder create "$name" --config "$work/builder.toml" --pull-policy never >"$work/log" 2>&1 \
    || { cat "$work/log" >&2; die "pack builder create failed"; }
"$PACK" config trusted-builders add "$name" >/dev/null
docker image prune -f >/dev/null  # the builders this one replaced (our private engine holds only ours)
say "builder $name ready"
