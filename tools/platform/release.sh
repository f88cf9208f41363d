#!/usr/bin/env bash
# make release: check CHANGELOG.md's newest released entry is buildpack.toml's version, then
# package (the .cnb per arch, the multi-arch index pushed to the registry) into build/release/
# with SHA256SUMS beside the files.
source "$(dirname "$0")/common.sh"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO_ROOT/buildpack.toml" | head -1)
released=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$REPO_ROOT/CHANGELOG.md" | head -1)
[ "$version" = "$released" ] || die "buildpack.toml says $version but CHANGELOG.md's newest release is $released: add its entry (or bump the version)"
out=$REPO_ROOT/build/release
rm -rf "$out"; mkdir -p "$out"
ref=$("$PLATFORM_DIR/package.sh" "$out")
(cd "$out" && sha256sum ./*.cnb | sed 's# \./# #' > SHA256SUMS)
digest=$(curl -fsS -o /dev/null -w '%header{docker-content-digest}' \
    -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REGISTRY_ADDR/v2/python-cnb/python/manifests/$version")
echo "$ref@$digest" > "$out/IMAGE"
say "release $version: $(cd "$out" && ls | tr '\n' ' ')"
cat "$out/SHA256SUMS" "$out/IMAGE"
