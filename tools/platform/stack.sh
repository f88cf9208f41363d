#!/usr/bin/env bash
# A Debian stack: a minbase rootfs from debootstrap, imported as a base image, then the build and
# run images built on it with `docker build --network host` (no image is pulled). Rebuilt only
# when the recipe (the Dockerfiles, the extra CAs) changes.
#   stack.sh [bookworm|trixie]   (bookworm: the default stack, also pushed to the registry)
source "$(dirname "$0")/common.sh"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${1:-bookworm}
case "$suite" in
bookworm) distro_version=12 ;;
trixie) distro_version=13 STACK_ID=$TRIXIE_STACK_ID BASE_IMAGE=$TRIXIE_BASE_IMAGE \
        BUILD_IMAGE=$TRIXIE_BUILD_IMAGE RUN_IMAGE=$TRIXIE_RUN_IMAGE ;;
*) die "unknown stack '$suite' (bookworm or trixie)" ;;
esac

# Both images also go to the project's registry: publish-mode builds and kpack read them there.
publish() {
    [ "$suite" = bookworm ] || return 0  # publish mode and kpack use bookworm only
    docker tag "$BUILD_IMAGE" "$REGISTRY_BUILD_IMAGE" && docker push -q "$REGISTRY_BUILD_IMAGE" >/dev/null \
        && docker tag "$RUN_IMAGE" "$REGISTRY_RUN_IMAGE" && docker push -q "$REGISTRY_RUN_IMAGE" >/dev/null \
        || die "could not push the stack images to $REGISTRY (is tools/platform/registry.sh running?)"
}

# The debootstrapped rootfs, kept as a tarball in the cache: making it needs no engine, so
# ROOTFS_ONLY=1 makes just that (outside the platform lock), and a later run only imports it.
rootfs_tar=$CACHE/rootfs-$suite.tar
make_rootfs() {
    [ ! -s "$rootfs_tar" ] || return 0
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    rootfs=$(mktemp -d)
    say "debootstrap $suite (minbase) from $MIRROR"
    debootstrap --variant=minbase "$suite" "$rootfs" "$MIRROR" >"$CACHE/debootstrap-$suite.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap-$suite.log" >&2; rm -rf "$rootfs"; die "debootstrap failed (log: $CACHE/debootstrap-$suite.log)"; }
    tar -C "$rootfs" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$rootfs"
}
[ "${ROOTFS_ONLY:-}" != 1 ] || { make_rootfs; say "rootfs for $suite at $rootfs_tar"; exit 0; }

recipe=$(cat "$PLATFORM_DIR"/images/*.Dockerfile /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-16)
# The same Dockerfiles serve trixie (apt picks the t64 libraries that provide the run image's
# bookworm names); the distro label is set here, and the suite is part of its recipe.
[ "$suite" = bookworm ] || recipe=$(printf '%s %s' "$suite" "$recipe" | sha256sum | cut -c1-16)
current=$(docker image inspect -f '{{ index .Config.Labels "dev.python-cnb.recipe" }}' "$RUN_IMAGE" 2>/dev/null || true)
if [ "$current" = "$recipe" ] && docker image inspect "$BUILD_IMAGE" >/dev/null 2>&1; then
    publish; say "stack images are current ($recipe)"; exit 0
fi
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    make_rootfs
    docker import - "$BASE_IMAGE" <"$rootfs_tar" >/dev/null
fi

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/extra-ca"
cp /usr/local/share/ca-certificates/*.crt "$ctx/extra-ca/" 2>/dev/null || true
for kind in build run; do
    image=$BUILD_IMAGE; [ "$kind" = run ] && image=$RUN_IMAGE
    say "building $image"
    docker build --network host --quiet -f "$PLATFORM_DIR/images/$kind.Dockerfile" \
        --build-arg BASE="$BASE_IMAGE" --build-arg STACK_ID="$STACK_ID" \
        --label io.buildpacks.base.distro.version="$distro_version" \
        --label dev.python-cnb.recipe="$recipe" -t "$image" "$ctx" >/dev/null
done
publish
say "stack images built ($recipe)"
