#!/usr/bin/env bash
# The Debian bookworm stack: a minbase rootfs from debootstrap, imported as a base image, then
# the build and run images built on it with `docker build --network host` (no image is pulled).
# Rebuilt only when the recipe (the Dockerfiles, the extra CAs) changes.
source "$(dirname "$0")/common.sh"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# Both images also go to the project's registry: publish-mode builds and kpack read them there.
publish() {
    docker tag "$BUILD_IMAGE" "$REGISTRY_BUILD_IMAGE" && docker push -q "$REGISTRY_BUILD_IMAGE" >/dev/null \
        && docker tag "$RUN_IMAGE" "$REGISTRY_RUN_IMAGE" && docker push -q "$REGISTRY_RUN_IMAGE" >/dev/null \
        || die "could not push the stack images to $REGISTRY (is tools/platform/registry.sh running?)"
}

recipe=$(cat "$PLATFORM_DIR"/images/*.Dockerfile /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-16)
current=$(docker image inspect -f '{{ index .Config.Labels "dev.python-cnb.recipe" }}' "$RUN_IMAGE" 2>/dev/null || true)
if [ "$current" = "$recipe" ] && docker image inspect "$BUILD_IMAGE" >/dev/null 2>&1; then
    publish; say "stack images are current ($recipe)"; exit 0
fi

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    rootfs=$(mktemp -d)
    say "debootstrap bookworm (minbase) from $MIRROR"
    debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
fi

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/extra-ca"
cp /usr/local/share/ca-certificates/*.crt "$ctx/extra-ca/" 2>/dev/null || true
for kind in build run; do
    image=$BUILD_IMAGE; [ "$kind" = run ] && image=$RUN_IMAGE
    say "building $image"
    docker build --network host --quiet -f "$PLATFORM_DIR/images/$kind.Dockerfile" \
        --build-arg BASE="$BASE_IMAGE" --build-arg STACK_ID="$STACK_ID" \
        --label dev.python-cnb.recipe="$recipe" -t "$image" "$ctx" >/dev/null
done
publish
say "stack images built ($recipe)"
