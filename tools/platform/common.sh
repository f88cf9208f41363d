# Shared settings for the platform scripts (sourced, not run).
# Everything the platform builds is cached outside the repo, so a clean clone on the same
# machine reuses it; nothing here is committed.
set -eu
PLATFORM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PLATFORM_DIR/../.." && pwd)
CACHE=${PYTHON_CNB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/python-cnb}

# Pinned releases. pack: the newest the Go module proxy serves (2026-11). lifecycle: v0.21.0 is
# newer, but its Docker client needs Docker API 1.44 and Debian bookworm's engine speaks 1.41;
# v0.20.12 is the newest before that switch, and the version kpack itself builds against (go.mod).
PACK_VERSION=v0.40.0
LIFECYCLE_VERSION=${LIFECYCLE_VERSION:-v0.20.12}
# kpack drives the lifecycle at Platform API 0.9 at most (pkg/apis/build/v1alpha2/build_pod.go:
# supportedPlatformAPIVersions = 0.9, 0.8, 0.7), with CNB_STACK_ID and no CNB_TARGET_*.
KPACK_PLATFORM_API=0.9

# The project's own Docker engine: private socket, no bridge network, no iptables.
ENGINE_NAME=python-cnb-docker
ENGINE_SOCK=/var/run/$ENGINE_NAME.sock
ENGINE_PIDFILE=/var/run/$ENGINE_NAME.pid
export DOCKER_HOST=unix://$ENGINE_SOCK
# Debian bookworm's docker.io (20.10) speaks Docker API 1.41 at most; newer pack asks for more.
export DOCKER_API_VERSION=1.41

STACK_ID=io.buildpacks.stacks.bookworm
# Image names under localhost/: any look-up of them that pack makes stays on loopback.
BASE_IMAGE=localhost/python-cnb/bookworm-base
BUILD_IMAGE=localhost/python-cnb/build:bookworm
RUN_IMAGE=localhost/python-cnb/run:bookworm
BUILDER=localhost/python-cnb/builder:bookworm

export GOPATH=$CACHE/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local
PACK=$CACHE/bin/pack-$PACK_VERSION
export PACK_HOME=$CACHE/pack-home
# pack thinks it runs in a container here; a fixed key keeps its cache volumes between builds.
export PACK_VOLUME_KEY=python-cnb-local

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
