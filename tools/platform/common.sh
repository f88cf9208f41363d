# Shared set-up for the platform scripts (sourced, not run): settings.env's values, exported.
set -eu
PLATFORM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PLATFORM_DIR/../.." && pwd)
set -a
# shellcheck source=settings.env
source "$PLATFORM_DIR/settings.env"
set +a

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Start a daemon that outlives the calling script (run it in the background: `detached cmd ... &`),
# in its own session and without the caller's open files beyond stdin/out/err: a caller such as
# `flock /tmp/python-cnb-platform.lock make platform` must not leave the lock held by the engine.
detached() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec setsid "$@"
}
