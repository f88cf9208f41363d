#!/bin/sh
# Refresh lib/python_cnb/_vendor: the pure-Python packages the buildpack imports at build time.
# Pinned to the last releases that still run on Python 3.6 (Ubuntu 18.04's system python3). Of
# packaging the lib imports specifiers alone: markers and requirements (and pyparsing, which only
# they import) are left out (docs/architecture.md, "Vendored dependencies and the syntax floor").
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/lib/python_cnb/_vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PY=${PYTHON:-python3}
"$PY" -m pip download --quiet --no-deps --only-binary :all: --python-version 3.6 --platform any \
    -d "$work" toml==0.10.2 packaging==21.3
"$PY" -m pip download --quiet --no-deps --no-binary :all: -d "$work" pyyaml==6.0.1

rm -rf "$dest"
mkdir -p "$dest"
for whl in "$work"/*.whl; do
    "$PY" -m zipfile -e "$whl" "$work/unpacked"
done
cp -r "$work/unpacked/toml" "$work/unpacked/packaging" "$dest/"
rm "$dest/packaging/markers.py" "$dest/packaging/requirements.py"
tar -xzf "$work"/PyYAML-6.0.1.tar.gz -C "$work"
cp -r "$work/PyYAML-6.0.1/lib/yaml" "$dest/"   # pure-Python loader; the C extension is not built
cp "$work/PyYAML-6.0.1/LICENSE" "$dest/yaml.LICENSE"
for d in "$work"/unpacked/*.dist-info; do
    name=$(basename "$d" | sed 's/-.*//')
    for f in LICENSE LICENSE.txt; do [ -f "$d/$f" ] && cp "$d/$f" "$dest/$name.LICENSE"; done
done
find "$dest" -name '__pycache__' -prune -exec rm -rf {} +
cat > "$dest/README.md" <<'TXT'
Vendored by `make vendor` (tools/vendor.sh); do not edit by hand.
toml 0.10.2, packaging 21.3 (without markers and requirements), PyYAML 6.0.1 (pure Python).
TXT
echo "vendored into $dest:"; ls "$dest"
