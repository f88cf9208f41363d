#!/usr/bin/env bash
# What kpack's build needs on this machine (tests/e2e/test_kpack_build.py), after builders.sh:
# - $KPACK_POD, our Go program that prints kpack's pod for a Build (kpack's own code, pinned by
#   tools/platform/kpack-pod/go.mod to $KPACK_VERSION);
# - kpack's build-init, completion and rebase images, its cmd/ built from the Go module proxy,
#   each binary at /cnb/process/<name>, the path kpack's pod runs (build_pod.go's defaults);
# - our builder copied to $KPACK_BUILDER: kpack reads a builder from a registry.
source "$(dirname "$0")/common.sh"
command -v go >/dev/null || die "Go is needed to build kpack's programs (apt-get install golang, or the machine's Go)."
mkdir -p "$CACHE/bin"

# Always built: Go's build cache makes an unchanged program a link, and a changed main.go is never stale.
(cd "$PLATFORM_DIR/kpack-pod" && go build -trimpath -ldflags "-s -w" -o "$KPACK_POD.tmp" .) || die "could not build tools/platform/kpack-pod"
mv "$KPACK_POD.tmp" "$KPACK_POD"

if [ ! -x "$KPACK_CMD_DIR/rebase" ]; then
    say "building kpack $KPACK_VERSION's build-init, completion and rebase"
    dir=$(go mod download -json "github.com/pivotal/kpack@$KPACK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [ -n "$dir" ] || die "could not download github.com/pivotal/kpack@$KPACK_VERSION from the Go module proxy"
    mkdir -p "$KPACK_CMD_DIR.tmp"
    # Inside kpack's module: its go.mod carries a replace directive.
    (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/pivotal/kpack/cmd.Version=${KPACK_VERSION#v}" \
        -o "$KPACK_CMD_DIR.tmp/" ./cmd/build-init ./cmd/completion ./cmd/rebase) || die "could not build kpack's cmd/"
    rm -rf "$KPACK_CMD_DIR" && mv "$KPACK_CMD_DIR.tmp" "$KPACK_CMD_DIR"
fi

# One image per program, as kpack ships them: the binary, a /tmp, a passwd, and a non-root user
# (the rebase pod sets runAsNonRoot without a user, so the image's own user must be non-root).
kpack_image() {
    local program=$1 image=$2 root
    docker image inspect "$image" >/dev/null 2>&1 && return 0
    root=$(mktemp -d)
    mkdir -p "$root/cnb/process" "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp"
    cp "$KPACK_CMD_DIR/$program" "$root/cnb/process/$program"
    printf 'root:x:0:0:root:/root:/sbin/nologin\ncnb:x:1000:1000:cnb:/home/cnb:/sbin/nologin\n' > "$root/etc/passwd"
    printf 'root:x:0:\ncnb:x:1000:\n' > "$root/etc/group"
    tar -C "$root" -c . | docker import -c "USER 1000:1000" -c "ENTRYPOINT [\"/cnb/process/$program\"]" \
        -c "LABEL io.kpack.version=${KPACK_VERSION#v}" - "$image" >/dev/null
    rm -rf "$root"
}
kpack_image build-init "$KPACK_BUILD_INIT_IMAGE"
kpack_image completion "$KPACK_COMPLETION_IMAGE"
kpack_image rebase "$KPACK_REBASE_IMAGE"

docker tag "$BUILDER" "$KPACK_BUILDER" && docker push -q "$KPACK_BUILDER" >/dev/null \
    || die "could not push $BUILDER to $KPACK_BUILDER (is tools/platform/registry.sh running?)"
