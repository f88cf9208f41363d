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

# daemon COMMAND... &: COMMAND as a daemon, in a session of its own (it outlives the script; $!
# is its pid, the handle on it), with no descriptor but its stdio: a lock its starter held
# (flock /tmp/python-cnb-platform.lock make platform) must not stay held while the daemon runs.
# Only in the background: it replaces the process it runs in.
daemon() {
    local fd
    for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec setsid "$@"
}
