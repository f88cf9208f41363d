#!/usr/bin/env bash
# Both builders, with the buildpack as `make package` published it to the registry:
# - $BUILDER: lifecycle $LIFECYCLE_VERSION (kpack's), for daemon-mode `pack build`;
# - $NEWEST_BUILDER: lifecycle $NEWEST_LIFECYCLE_VERSION, run image from the registry, for `pack build --publish`;
# - $NO_PYTHON3_BUILDER and $NO_DOWNLOADER_BUILDER: build images without python3 (no-python3.sh);
# and $LIFECYCLE_IMAGE, the lifecycle alone (what pack's untrusted flow runs).
source "$(dirname "$0")/common.sh"

# The lifecycle image pack would pull from Docker Hub, made from the same tarball: the lifecycle
# at /cnb/lifecycle, a passwd naming root, a /tmp.
lifecycle_image() {
    local root
    root=$(mktemp -d)
    mkdir -p "$root/cnb" "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp"
    tar -xzf "$LIFECYCLE_TARBALL" -C "$root/cnb"
    printf 'root:x:0:0:root:/root:/sbin/nologin\n' > "$root/etc/passwd"
    printf 'root:x:0:\n' > "$root/etc/group"
    tar -C "$root" -c . | docker import -c "LABEL io.buildpacks.lifecycle.version=${LIFECYCLE_VERSION#v}" - "$LIFECYCLE_IMAGE" >/dev/null
    rm -rf "$root"
}
lifecycle_image
ref=$("$PLATFORM_DIR/package.sh")
export BUILDPACK_URI=docker://$ref
"$PLATFORM_DIR/builder.sh" "$BUILDER" "$LIFECYCLE_TARBALL"
BUILDER_RUN_IMAGE=$REGISTRY_RUN_IMAGE "$PLATFORM_DIR/builder.sh" "$NEWEST_BUILDER" "$NEWEST_LIFECYCLE_TARBALL"
"$PLATFORM_DIR/no-python3.sh"
