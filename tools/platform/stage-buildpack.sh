#!/usr/bin/env bash
# Copy what the buildpack is made of (and nothing else: no tests, venvs or caches) into a
# staging directory; prints its path. The builder and `make package` take it from there.
source "$(dirname "$0")/common.sh"
stage=$CACHE/buildpack
rm -rf "$stage"; mkdir -p "$stage"
(cd "$REPO_ROOT" && tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude=.mypy_cache --exclude=stacks/sources buildpack.toml bin lib stacks README.md) | tar -C "$stage" -x

# The lib's bytecode for the stack's own python3, which runs bin/build: without it every build
# compiles the lib in memory first (about 0.1 s of each build, measured in the build image).
# Unchecked-hash pycs (the buildpack's files never change under them), named for that Python
# only (others ignore them), file names as the builder holds them, in a fixed order
# (compileall sorts; PYTHONHASHSEED fixes set constants). Skipped when there is no build image.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$stage/buildpack.toml" | head -1)
if docker image inspect "$BUILD_IMAGE" >/dev/null 2>&1; then
    docker run --rm --network none --user 0 -e PYTHONHASHSEED=0 -v "$stage/lib:/staged-lib" \
        --entrypoint python3 "$BUILD_IMAGE" -I -m compileall -q --invalidation-mode unchecked-hash \
        -s /staged-lib -p "/cnb/buildpacks/python-cnb_python/$version/lib" /staged-lib >/dev/null \
        || die "could not byte-compile the buildpack's lib with $BUILD_IMAGE's python3"
    # The files the container wrote belong to whoever stages, like the rest of the stage.
    chown -R "$(id -u):$(id -g)" "$stage/lib"
fi
echo "$stage"
