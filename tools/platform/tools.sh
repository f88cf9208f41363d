#!/usr/bin/env bash
# pack and lifecycle, built from the Go module proxy at pinned versions; cached by version, so
# a second run builds nothing. Produces the lifecycle tarball a builder's [lifecycle] uri takes.
source "$(dirname "$0")/common.sh"
command -v go >/dev/null || die "Go is needed to build pack and lifecycle (apt-get install golang, or the machine's Go)."
mkdir -p "$CACHE/bin"

if [ ! -x "$PACK" ]; then
    say "building pack $PACK_VERSION"
    dir=$(go mod download -json "github.com/buildpacks/pack@$PACK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [ -n "$dir" ] || die "could not download github.com/buildpacks/pack@$PACK_VERSION from the Go module proxy"
    # pack's go.mod carries replace directives, so it is built inside its module, not `go install`ed.
    (cd "$dir" && go build -trimpath -ldflags "-s -w -X github.com/buildpacks/pack.Version=${PACK_VERSION#v}" \
        -o "$PACK.tmp" .)
    mv "$PACK.tmp" "$PACK"
fi

# Syft, for the end-to-end comparison of its view of an image with our SBOMs. Its go.mod has no
# replace directives, so `go install` builds it at the pinned version.
if [ ! -x "$SYFT" ]; then
    say "building syft $SYFT_VERSION"
    gobin=$(mktemp -d)
    CGO_ENABLED=0 GOBIN=$gobin go install -trimpath -ldflags "-s -w" "github.com/anchore/syft/cmd/syft@$SYFT_VERSION" \
        || die "could not build github.com/anchore/syft@$SYFT_VERSION from the Go module proxy"
    mv "$gobin/syft" "$SYFT"
    rm -rf "$gobin"
fi

# A lifecycle release as the tarball a builder's [lifecycle] uri takes.
build_lifecycle() {
    local version=$1 tarball=$2 dir work out ldflags apis platform buildpack
    [ -f "$tarball" ] && return 0
    say "building lifecycle $version"
    dir=$(go mod download -json "github.com/buildpacks/lifecycle@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [ -n "$dir" ] || die "could not download github.com/buildpacks/lifecycle@$version from the Go module proxy"
    work=$(mktemp -d)
    out=$work/lifecycle
    mkdir -p "$out"
    ldflags="-s -w -X github.com/buildpacks/lifecycle/cmd.Version=${version#v}"
    (cd "$dir" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "$ldflags" -o "$out/lifecycle" ./cmd/lifecycle \
              && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "$ldflags" -o "$out/launcher" ./cmd/launcher)
    for phase in detector analyzer restorer builder exporter rebaser creator extender; do ln -sf lifecycle "$out/$phase"; done
    # lifecycle.toml: the descriptor the release packager writes, with the APIs this release
    # supports as its own api package states them (a compile error, not a silent misread, if
    # that package changes shape).
    apis=$(cd "$dir" && go run "$PLATFORM_DIR/lifecycle-apis/main.go") \
        || die "could not read the supported APIs from lifecycle's api package"
    platform=$(echo "$apis" | sed -n 's/^platform = //p')
    buildpack=$(echo "$apis" | sed -n 's/^buildpack = //p')
    [ -n "$platform" ] && [ -n "$buildpack" ] || die "lifecycle-apis printed no API lists: $apis"
    cat > "$work/lifecycle.toml" <<TOML
[apis]
[apis.buildpack]
  deprecated = []
  supported = $buildpack
[apis.platform]
  deprecated = []
  supported = $platform

[api]
  platform = "0.7"
  buildpack = "0.7"

[lifecycle]
  version = "${version#v}"
TOML
    tar -C "$work" -czf "$tarball.tmp" lifecycle.toml lifecycle
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work"
}

build_lifecycle "$LIFECYCLE_VERSION" "$LIFECYCLE_TARBALL"
build_lifecycle "$NEWEST_LIFECYCLE_VERSION" "$NEWEST_LIFECYCLE_TARBALL"
echo "$LIFECYCLE_TARBALL"
