#!/usr/bin/env bash
# CPython interpreters the machine's pyenv lacks (3.14, 3.15, newer 3.13s), built for the loopback
# runtime mirror from Debian's source packages: the upstream release tarball in them (the
# .orig.tar.*), checked against the .dsc's Checksums-Sha256, configured like the pyenv ones
# (--enable-shared, no PGO/LTO, test suite not run), installed under $CACHE/cpython/<version>.
# tools/runtime_mirror.py archives that tree like a pyenv version.
#
#   debian-cpython.sh 3.14.10 3.15.2
#
# A version already built (its stamp names this recipe) is not built again. Apt's state stays
# untouched: a private sources list (sid and experimental deb-src) and lists under a temp dir.
source "$(dirname "$0")/common.sh"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
RECIPE=1  # bump when the configure line changes, to rebuild cached interpreters
BUILT=$CACHE/cpython
# Debian's build dependencies the interpreter's extension modules need on the build host.
BUILD_DEPS="build-essential libssl-dev libffi-dev zlib1g-dev libbz2-dev libsqlite3-dev liblzma-dev
            libreadline-dev libncurses-dev uuid-dev libexpat1-dev"

[ $# -gt 0 ] || die "usage: $0 X.Y.Z [X.Y.Z ...]"
for version in "$@"; do
    [[ $version =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "not a CPython release: '$version' (want X.Y.Z, e.g. 3.14.10)"
done

built() { [ "$(cat "$BUILT/$1/.debian-source" 2>/dev/null | head -n1)" = "recipe $RECIPE" ]; }

todo=()
for version in "$@"; do built "$version" || todo+=("$version"); done
[ ${#todo[@]} -gt 0 ] || { say "CPython $* already built under $BUILT"; exit 0; }

work=$(mktemp -d /tmp/debian-cpython.XXXXXX); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$BUILT"
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$MIRROR" sid "$MIRROR" experimental >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives" -q)
apt-get "${apt_opts[@]}" update >"$work/apt-update.log" 2>&1 \
    || { cat "$work/apt-update.log" >&2; die "apt-get update of Debian's sid/experimental sources failed"; }

missing=""
for dep in $BUILD_DEPS; do
    dpkg-query -W -f '${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $dep"
done
if [ -n "${missing// /}" ]; then
    say "installing build dependencies:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# The sha256 of a file as a .dsc's Checksums-Sha256 lists it.
dsc_sha256() { awk -v f="$2" '/^Checksums-Sha256:/{s=1; next} /^[^ ]/{s=0} s && $3 == f {print $1}' "$1"; }

build_one() {
    local version=$1 line=${1%.*} package debver have dsc orig want got prefix started
    package=python$line
    # The newest Debian revision of this upstream release in sid or experimental.
    debver=$(apt-cache "${apt_opts[@]}" showsrc "$package" 2>/dev/null | awk '/^Version:/{print $2}' \
             | grep -E "^$version-" | sort -V | tail -n1 || true)
    if [ -z "$debver" ]; then
        have=$(apt-cache "${apt_opts[@]}" showsrc "$package" 2>/dev/null | awk '/^Version:/{printf " %s", $2}')
        [ -n "$have" ] || die "Debian's sid/experimental sources have no $package source package"
        die "Debian's sid/experimental sources have no $package $version; they have$have"
    fi
    mkdir -p "$work/$version" && cd "$work/$version"
    say "apt-get source $package=$debver"
    apt-get "${apt_opts[@]}" source --download-only "$package=$debver" >"$work/$version.log" 2>&1 \
        || { tail -5 "$work/$version.log" >&2; die "could not download Debian's source package $package $debver from $MIRROR (its index lists it; the archive does not serve it)"; }
    dsc=$(ls ./*.dsc)
    orig=$(ls ./*.orig.tar.* | grep -v '\.asc$')
    want=$(dsc_sha256 "$dsc" "$(basename "$orig")")
    got=$(sha256sum "$orig" | cut -d' ' -f1)
    [ -n "$want" ] && [ "$want" = "$got" ] || die "$orig: sha256 $got, the .dsc lists '${want:-nothing}'"
    say "$(basename "$orig"): sha256 $got matches $(basename "$dsc")"
    mkdir src && tar -C src --strip-components=1 -xf "$orig"
    rm -f "$orig"
    prefix=$BUILT/$version
    rm -rf "$prefix"
    started=$(date +%s)
    (cd src && ./configure --prefix="$prefix" --enable-shared --with-ensurepip=no >"$work/$version-configure.log" 2>&1 \
        && nice -n 10 make -j2 >"$work/$version-make.log" 2>&1 \
        && nice -n 10 make install >"$work/$version-install.log" 2>&1) \
        || { tail -30 "$work/$version"-*.log >&2; rm -rf "$prefix"; die "building CPython $version failed"; }
    # The stdlib's own tests are not shipped (runtime_mirror leaves them out); keep the cache small.
    rm -rf "$prefix/lib/python$line/test" "$prefix/lib/python$line"/config-*/*.a
    printf 'recipe %s\n%s %s\n%s sha256 %s\nbuild seconds %s\n' "$RECIPE" "$package" "$debver" \
        "$(basename "$orig")" "$got" "$(( $(date +%s) - started ))" >"$prefix/.debian-source"
    cd "$work" && rm -rf "$work/$version"
    say "CPython $version built in $(( $(date +%s) - started ))s under $prefix ($(du -sh "$prefix" | cut -f1))"
}

for version in "${todo[@]}"; do build_one "$version"; done
