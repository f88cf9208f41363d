#!/usr/bin/env bash
# Both builders, with the buildpack as `make package` published it to the registry:
# - $BUILDER: lifecycle $LIFECYCLE_VERSION (kpack's), for daemon-mode `pack build` and the kpack runs;
# - $NEWEST_BUILDER: lifecycle $NEWEST_LIFECYCLE_VERSION, run image from the registry, for `pack build --publish`.
source "$(dirname "$0")/common.sh"
ref=$("$PLATFORM_DIR/package.sh")
export BUILDPACK_URI=docker://$ref
"$PLATFORM_DIR/builder.sh" "$BUILDER" "$LIFECYCLE_TARBALL"
BUILDER_RUN_IMAGE=$REGISTRY_RUN_IMAGE "$PLATFORM_DIR/builder.sh" "$NEWEST_BUILDER" "$NEWEST_LIFECYCLE_TARBALL"
