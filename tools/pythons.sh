#!/bin/sh
# Print the oldest and newest CPython 3 interpreters (>= 3.6, the lib's floor) under pyenv,
# falling back to python3 on PATH. Used to run the unit tests at both ends of what we support.
set -eu
root=${PYENV_ROOT:-/root/.pyenv}
found=$(ls -d "$root"/versions/3.* 2>/dev/null | sed 's#.*/##' | grep -E '^3\.[0-9]+\.[0-9]+$' |
        awk -F. '$2 >= 6' | sort -t. -k1,1n -k2,2n -k3,3n || true)
if [ -z "$found" ]; then command -v python3; exit 0; fi
oldest=$(echo "$found" | head -n1); newest=$(echo "$found" | tail -n1)
echo "$root/versions/$oldest/bin/python3"
[ "$oldest" = "$newest" ] || echo "$root/versions/$newest/bin/python3"
