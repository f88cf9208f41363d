#!/usr/bin/env bash
# Put the bootstrap interpreter's archive for ARCH into a staged buildpack (bootstrap/<sha256>.tar.gz),
# for build images with no python3 and neither curl nor wget: bin/bootstrap.sh unpacks it from
# there. The archive is the one bin/build would pick itself (bin/bootstrap.sh's bs_pin): from
# BOOTSTRAP_CATALOG when set (a runtime catalog, e.g. the loopback mirror's), else the
# buildpack's stacks/bootstrap.txt; fetched with BP_DEPENDENCY_MIRROR* applied, sha256-checked.
#   [BOOTSTRAP_CATALOG=FILE] carry-bootstrap.sh STAGE_DIR ARCH...
source "$(dirname "$0")/common.sh"
stage=${1:?usage: carry-bootstrap.sh STAGE_DIR ARCH...}; shift
mkdir -p "$stage/bootstrap"
for arch in "$@"; do
    # A subshell per arch: bin/bootstrap.sh's functions exit on error and use plain sh variables.
    (set +eu
     BS_BUILDPACK=$stage CNB_TARGET_ARCH=$arch BP_PYTHON_RUNTIME_CATALOG=${BOOTSTRAP_CATALOG:-}
     unset CNB_PLATFORM_DIR
     . "$REPO_ROOT/bin/bootstrap.sh"
     pin=$(bs_pin) || { printf '%s\n' "$pin" >&2; exit 1; }
     url=${pin% *} sha=${pin##* }
     mirrored=$(bs_mirrored_url "$url") || { printf '%s\n' "$mirrored" >&2; exit 1; }
     bs_fetch "$mirrored" "$stage/bootstrap/$sha.tar.gz.part" >&2 || exit 1
     got=$(sha256sum "$stage/bootstrap/$sha.tar.gz.part")
     [ "${got%% *}" = "$sha" ] || { rm -f "$stage/bootstrap/$sha.tar.gz.part"; echo "sha256 mismatch for $url" >&2; exit 1; }
     mv "$stage/bootstrap/$sha.tar.gz.part" "$stage/bootstrap/$sha.tar.gz"
     say "carried the $arch bootstrap interpreter $(basename "$url") ($(du -k "$stage/bootstrap/$sha.tar.gz" | cut -f1) KB)") \
        || die "could not carry the $arch bootstrap interpreter"
done
