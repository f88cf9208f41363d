#!/usr/bin/env bash
# Copy what the buildpack is made of (and nothing else: no tests, venvs or caches) into a
# staging directory; prints its path. The builder and `make package` take it from there.
source "$(dirname "$0")/common.sh"
stage=$CACHE/buildpack
rm -rf "$stage"; mkdir -p "$stage"
(cd "$REPO_ROOT" && tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude=.mypy_cache --exclude=stacks/sources buildpack.toml bin lib stacks README.md) | tar -C "$stage" -x
echo "$stage"
