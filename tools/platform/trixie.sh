#!/usr/bin/env bash
# The Debian 13 (trixie) stack and a builder on it, for the e2e tests: the same buildpackage as
# the bookworm builder (the one builders.sh published to the registry), daemon mode only.
# `make platform` builds the bookworm stack and builders first; make test-e2e then runs this.
source "$(dirname "$0")/common.sh"
"$PLATFORM_DIR/stack.sh" trixie
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/buildpack.toml" | head -1)
BUILDPACK_URI=docker://$REGISTRY/python-cnb/python:$version BUILDER_BUILD_IMAGE=$TRIXIE_BUILD_IMAGE \
    BUILDER_RUN_IMAGE=$TRIXIE_RUN_IMAGE BUILDER_STACK_ID=$TRIXIE_STACK_ID BUILDER_DISTRO=trixie \
    "$PLATFORM_DIR/builder.sh" "$TRIXIE_BUILDER"
