#!/usr/bin/env bash
# Build images made for other languages, derived from the stack's build image: one without
# python3 ($NO_PYTHON3_BUILD_IMAGE: every file of the python3 packages removed, curl kept), one
# without python3, curl or wget ($NO_DOWNLOADER_BUILD_IMAGE); labels, env and the CNB user stay.
# Then a builder on each: the first with the repo's buildpack as it is (it downloads its
# bootstrap interpreter), the second with a buildpack carrying it (carry-bootstrap.sh). The
# carried archive is the loopback mirror's default runtime (what the e2e tests' catalog offers),
# or BOOTSTRAP_CATALOG's pick. Called by builders.sh; names may be overridden (settings.env).
#   no-python3.sh
source "$(dirname "$0")/common.sh"

# The python3 packages' files go (not the packages' records: nothing is reinstalled here).
variant() {  # variant IMAGE PACKAGE_REGEX TOOLS_THAT_MUST_BE_GONE
    say "building $1 (no files of the packages matching $2)"
    docker build --network host --quiet --build-arg BASE="$BUILD_IMAGE" --build-arg REMOVE="$2" --build-arg GONE="$3" \
        --label dev.python-cnb.variant-of="$BUILD_IMAGE" -t "$1" - >/dev/null <<'DOCKERFILE' || die "could not build $1"
ARG BASE
FROM ${BASE}
ARG REMOVE
ARG GONE
USER root
RUN set -e; dpkg-query -W -f '${Package}\n' | grep -E "$REMOVE" | xargs dpkg -L | sort -ru \
      | while IFS= read -r f; do if [ -L "$f" ] || [ ! -d "$f" ]; then rm -f "$f"; else rmdir "$f" 2>/dev/null || true; fi; done; \
    for tool in $GONE; do if command -v "$tool"; then echo "$tool is still there"; exit 1; fi; done
USER 1000:1000
DOCKERFILE
}
variant "$NO_PYTHON3_BUILD_IMAGE" 'python3' 'python3 python3.11 python'
variant "$NO_DOWNLOADER_BUILD_IMAGE" 'python3|^curl$|^wget$' 'python3 python3.11 python curl wget'

catalog=${BOOTSTRAP_CATALOG:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -z "$catalog" ]; then
    mirror=$CACHE/e2e-mirror
    python3 "$REPO_ROOT/tools/runtime_mirror.py" build --out "$mirror" --versions 3.12.1 >/dev/null
    catalog=$work/catalog.yaml
    python3 "$REPO_ROOT/tools/runtime_mirror.py" catalog --mirror "$mirror" --base-url "file://$mirror" --out "$catalog"
fi
for kind in plain carrying; do
    stage=$work/$kind
    mkdir -p "$stage"
    (cd "$REPO_ROOT" && tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude=stacks/sources buildpack.toml bin lib stacks README.md) | tar -C "$stage" -x
done
BOOTSTRAP_CATALOG=$catalog "$PLATFORM_DIR/carry-bootstrap.sh" "$work/carrying" amd64
BUILDER_BUILD_IMAGE=$NO_PYTHON3_BUILD_IMAGE BUILDPACK_URI=$work/plain "$PLATFORM_DIR/builder.sh" "$NO_PYTHON3_BUILDER"
BUILDER_BUILD_IMAGE=$NO_DOWNLOADER_BUILD_IMAGE BUILDPACK_URI=$work/carrying "$PLATFORM_DIR/builder.sh" "$NO_DOWNLOADER_BUILDER"
