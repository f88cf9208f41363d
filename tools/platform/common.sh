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
