# Sourced by bin/build (POSIX sh) when the build image has no python3 3.6 or newer: finds or
# installs an interpreter to run the lib on, and leaves its path in BOOTSTRAP_PYTHON.
#
# Which archive (bs_pin): a runtime of BP_PYTHON_RUNTIME_CATALOG when it is set (air-gapped
# sites: nothing outside their catalog is fetched), else of an offline buildpack's own catalog,
# else stacks/bootstrap.txt's python-build-standalone build for the arch. From where, in order:
# the `bootstrap-python` layer of an earlier build (cache only, keyed on the archive's url and
# sha256); the archive carried in the buildpack (bootstrap/<sha256>.tar.gz, put there by
# tools/platform/carry-bootstrap.sh); a download with the image's curl, else wget (file:// needs
# neither), BP_DEPENDENCY_MIRROR* applied as lib/python_cnb/mirror.py applies them. Every archive
# is sha256-checked before it is unpacked, and the layer's TOML is written last: a failed or
# killed build leaves no layer a later build would trust. The functions (bs_*) are small so the
# phase tests can run them one by one.

# An [Error] block as the lib renders one, then exit 1 (a build failure the user can fix).
bs_fail() {
    printf '\n[Error] %s\n' "$(bs_mask "$1")"
    [ -z "${2:-}" ] || printf '  %s\n' "$2"
    exit 1
}

# Credentials in a URL printed as ****, as the lib's log masks them.
bs_mask() {
    printf '%s' "$1" | sed 's#://[^/]*@#://****@#g'
}

# A user setting: <platform>/env/NAME (pack build --env) wins over the process env, as in the lib.
bs_setting() {
    if [ -n "${CNB_PLATFORM_DIR:-}" ] && [ -f "$CNB_PLATFORM_DIR/env/$1" ]; then
        cat "$CNB_PLATFORM_DIR/env/$1"
    else
        eval "printf '%s' \"\${$1:-}\""
    fi
}

# The arch as the catalogs name it.
bs_arch() {
    case ${CNB_TARGET_ARCH:-$(uname -m)} in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) echo "${CNB_TARGET_ARCH:-$(uname -m)}" ;;
    esac
}

# Percent-decoding, as urllib.parse.unquote does for skip-path (a % not followed by two hex
# digits stays as it is).
bs_unquote() {
    rest=$1 out=
    while :; do
        case $rest in
        *%*)
            out=$out${rest%%\%*} rest=${rest#*%}
            case $rest in
            [0-9A-Fa-f][0-9A-Fa-f]*)
                hex=${rest%"${rest#??}"} rest=${rest#??}
                out=$out$(printf "\\$(printf %o "0x$hex")") ;;
            *) out=$out% ;;
            esac ;;
        *) printf '%s' "$out$rest"; return ;;
        esac
    done
}

# The names of the mirror settings that are set and not blank, sorted as the lib sorts them.
bs_mirror_names() {
    { env | sed -n 's/^\(BP_DEPENDENCY_MIRROR[A-Za-z0-9_]*\)=.*/\1/p'
      [ -z "${CNB_PLATFORM_DIR:-}" ] || (cd "$CNB_PLATFORM_DIR/env" 2>/dev/null && for f in BP_DEPENDENCY_MIRROR*; do
          [ -f "$f" ] && echo "$f"; done); } | LC_ALL=C sort -u | while read -r name; do
        case $name in BP_DEPENDENCY_MIRROR | BP_DEPENDENCY_MIRROR_?*) ;; *) continue ;; esac
        value=$(bs_setting "$name")
        [ -z "$(printf '%s' "$value" | tr -d ' \t\r\n')" ] || echo "$name"
    done
}

# A mirror setting checked as mirror.parse_mirror checks it: prints "base<TAB>skip-path", or an
# [Error] naming the variable. (URL syntax beyond the scheme is left to the lib, which checks every
# setting again before it downloads anything.)
bs_parse_mirror() {
    variable=$1 fix="Fix $1, e.g. $1=https://mirror.example.org/{originalHost}"
    value=$(bs_setting "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    base=${value%%,*} skip=
    rest=${value#"$base"}
    base=$(printf '%s' "$base" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    while [ -n "$rest" ]; do
        rest=${rest#,}
        field=${rest%%,*} rest=${rest#"$field"}
        field=$(printf '%s' "$field" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
        case $field in
        mirror=*) base=${field#mirror=} ;;
        skip-path=*) skip=$(bs_unquote "${field#skip-path=}") ;;
        '') ;;
        *) bs_fail "$variable has an unknown field '$field' (only skip-path=/prefix may follow the URL)." "$fix" ;;
        esac
    done
    base=${base#mirror=}
    base=$(printf '%s' "$base" | sed 's/%7[Bb]originalHost%7[Dd]/{originalHost}/g')
    [ -n "$base" ] || bs_fail "$variable is set but holds no URL." "$fix"
    scheme=$(printf '%s' "${base%%://*}" | tr 'A-Z' 'a-z')
    case $base in
    *://*) case $scheme in http | https | file) ;; *) scheme= ;; esac ;;
    *) scheme= ;;
    esac
    [ -n "$scheme" ] || bs_fail "$variable is not a usable URL: $base is not an absolute http://, https:// or file:// URL." "$fix"
    host=$(bs_hostname "$base")
    case $scheme in
    https | file) ;;
    http) case $host in localhost | 127.* | ::1) ;; *) scheme= ;; esac ;;
    *) scheme= ;;
    esac
    [ -n "$scheme" ] || bs_fail "The dependency mirror $base must use https:// or file:// (http:// only on loopback)." "$fix"
    case $skip in '' | /*) ;; *) bs_fail "$variable has a skip-path that does not start with /: '$skip'." "$fix" ;; esac
    printf '%s\t%s\n' "$base" "$skip"
}

# The authority of a URL (after ://, up to the path, query or fragment), credentials included.
bs_authority() {
    rest=${1#*://}
    rest=${rest%%/*}; rest=${rest%%\?*}; printf '%s' "${rest%%#*}"
}

# host[:port] without credentials (the userinfo ends at the last @, as in credentials.py).
bs_hostport() {
    a=$(bs_authority "$1")
    printf '%s' "${a##*@}"
}

# The host name, lowercase, without port or IPv6 brackets.
bs_hostname() {
    hp=$(bs_hostport "$1")
    case $hp in
    \[*) hp=${hp#\[}; hp=${hp%%]*} ;;
    *) hp=${hp%%:*} ;;
    esac
    printf '%s' "$hp" | tr 'A-Z' 'a-z'
}

# What follows the authority: path?query (the fragment dropped, as the lib drops it).
bs_path_query() {
    rest=${1#*://}
    a=$(bs_authority "$1")
    rest=${rest#"$a"}
    printf '%s' "${rest%%#*}"
}

# mirror.mirrored_url in sh: the URL to fetch for url, after the mirror settings.
bs_mirrored_url() {
    url=$1
    hostname=$(bs_hostname "$url") hostport=$(bs_hostport "$url")
    chosen= default=
    for name in $(bs_mirror_names); do
        parsed=$(bs_parse_mirror "$name") || { printf '%s\n' "$parsed"; exit 1; }
        if [ "$name" = BP_DEPENDENCY_MIRROR ]; then
            default=$parsed
        elif [ -z "$chosen" ]; then
            h=$(printf '%s' "${name#BP_DEPENDENCY_MIRROR_}" | sed 's/__/-/g; s/_/./g' | tr 'A-Z' 'a-z')
            case $hostname in *"$h"*) chosen=$parsed ;; esac
        fi
    done
    chosen=${chosen:-$default}
    if [ -z "$chosen" ]; then printf '%s\n' "$url"; return; fi
    tab=$(printf '\t')
    base=${chosen%%"$tab"*} skip=${chosen#*"$tab"}
    pq=$(bs_path_query "$url")
    path=${pq%%\?*} query=${pq#"$path"}
    [ "$query" != '?' ] || query=
    if [ -n "$skip" ]; then
        case $path in "$skip"*) path=${path#"$skip"} ;; esac
    fi
    scheme=$(printf '%s' "${base%%://*}" | tr 'A-Z' 'a-z')
    authority=$(bs_authority "$base")
    mpath=$(bs_path_query "$base"); mpath=${mpath%%\?*}
    case $mpath in
    *'{originalHost}'*) new=${mpath%%\{originalHost\}*}$hostport$path${mpath#*\{originalHost\}} ;;
    *) while case $mpath in */) true ;; *) false ;; esac; do mpath=${mpath%/}; done
       new=$mpath$path ;;
    esac
    printf '%s://%s%s%s\n' "$scheme" "$authority" "$new" "$query"
}

# The archive to bootstrap from: "url sha256". From a runtime catalog (a gzip runtime of Python
# 3.6+ for this arch with a sha256: the catalog's default version if it has one, else the last
# listed): BP_PYTHON_RUNTIME_CATALOG when set, else an offline buildpack's own (its archives are
# inside it: nothing to fetch, nothing more to carry); else from stacks/bootstrap.txt.
bs_pin() {
    arch=$(bs_arch)
    catalog=$(bs_setting BP_PYTHON_RUNTIME_CATALOG) named="BP_PYTHON_RUNTIME_CATALOG ($catalog)"
    if [ -z "$catalog" ] && [ -f "$BS_BUILDPACK/stacks/offline.yaml" ]; then
        catalog=$BS_BUILDPACK/stacks/offline.yaml named="The offline buildpack's catalog ($catalog)"
    fi
    if [ -z "$catalog" ]; then
        while read -r a url sha; do
            [ "$a" != "$arch" ] || { echo "$url $sha"; return; }
        done <"$BS_BUILDPACK/stacks/bootstrap.txt"
        bs_fail "python-cnb has no bootstrap interpreter for the arch $arch." \
            "Build on an image with python3 3.6 or newer on its PATH (python-cnb supports amd64 and arm64)."
    fi
    [ -r "$catalog" ] || bs_fail "BP_PYTHON_RUNTIME_CATALOG names $catalog, which is not a readable file." \
        "Fix BP_PYTHON_RUNTIME_CATALOG: the path of a runtime catalog (stacks/README.md) inside the build."
    # Entries in either YAML style of stacks/README.md: "- {version: ..., url: ...}" or one key a line.
    sed -e 's/^[[:space:]]*-[[:space:]]*/\n@entry\n/; s/^[[:space:]]*//; s/[{}]//g; s/,[[:space:]]*\([a-z_0-9]*\):/\n\1:/g' \
        -e 's/#.*//' "$catalog" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/: *"\(.*\)"$/: \1/' | {
        default= version= a= url= sha= picked= best=
        pick() {
            case $version in 2.* | 3.[0-5] | 3.[0-5].*) return ;; esac
            [ "$a" = "$arch" ] && [ -n "$sha" ] || return
            case $url in *.tar.gz | *.tgz) ;; *) return ;; esac
            picked="$url $sha"
            [ "$version" != "$default" ] || best=$picked
        }
        while IFS= read -r line; do
            case $line in
            @entry) pick; version= a= url= sha= ;;
            default_version:*) default=${line#default_version:}; default=${default# } ;;
            version:*) version=${line#version: } ;;
            arch:*) a=${line#arch: } ;;
            url:*) url=${line#url: } ;;
            sha256:*) sha=${line#sha256: } ;;
            esac
        done
        pick
        [ -n "${best:-$picked}" ] || bs_fail "$named offers no runtime python-cnb can run on: a .tar.gz of Python 3.6 or newer for $arch, with its sha256." \
            "Add such a runtime to the catalog, or build on an image with python3 3.6 or newer on its PATH."
        echo "${best:-$picked}"
    }
}

# Fetch url to dest with what the image has. file:// URLs are copied (no downloader needed).
bs_fetch() {
    url=$1 dest=$2
    case $url in
    file://*)
        path=${url#file://}; path=${path#localhost}
        cp "$path" "$dest" 2>/dev/null || bs_fail "Could not read the bootstrap interpreter's archive $url." \
            "Check that the file exists in the build (the catalog or mirror naming it), then build again."
        return ;;
    esac
    seconds=$(bs_setting BP_DOWNLOAD_TIMEOUT)
    if command -v curl >/dev/null 2>&1; then
        why=$(curl -fsS -L --retry 2 --connect-timeout 30 --max-time "${seconds:-600}" -o "$dest" "$url" 2>&1) && return
    elif command -v wget >/dev/null 2>&1; then
        why=$(wget -q -T 30 -t 3 -O "$dest" "$url" 2>&1) && return
        why=${why:-wget failed}
    else
        bs_fail "The build image has no python3 3.6 or newer, and neither curl nor wget to fetch one." \
            "Add python3 (3.6+), curl or wget to the build image, or use a python-cnb buildpackage that carries its bootstrap interpreter (make package)."
    fi
    bs_fail "Could not download the bootstrap interpreter from $url ($(printf '%s' "$why" | tr '\n' ' ' | sed 's/ *$//'))." \
        "Check the network or BP_DEPENDENCY_MIRROR, or build on an image with python3 3.6 or newer on its PATH."
}

# The interpreter of an unpacked archive: portable builds have one top directory (python/).
bs_interpreter() {
    for candidate in "$1/bin/python3" "$1/python/bin/python3"; do
        [ ! -x "$candidate" ] || { echo "$candidate"; return; }
    done
}

# The lib needs the interpreter and its standard library only: the rest of an archive (the test
# suite, IDLE, Tk, headers, pip) would cost every later build its restore and export.
bs_prune() {
    root=${1%/bin/python3}
    for lib in "$root"/lib/python3.*; do
        rm -rf "$lib/test" "$lib/idlelib" "$lib/tkinter" "$lib/turtledemo" "$lib/ensurepip" "$lib/lib2to3" \
            "$lib/pydoc_data" "$lib/site-packages" "$lib"/config-*/*.a
    done
    rm -rf "$root/include" "$root/share" "$root/lib/pkgconfig" "$root"/lib/*.a "$root"/lib/tcl* "$root"/lib/tk* \
        "$root"/lib/itcl* "$root"/lib/libtcl* "$root"/lib/libtk*
}

# Whether an interpreter starts and is 3.6 or newer; classic archives need their lib/ found.
bs_usable() {
    [ -n "$1" ] && LD_LIBRARY_PATH="${1%/bin/python3}/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$1" -I -S -c 'import sys; sys.exit(sys.version_info < (3, 6))' >/dev/null 2>&1
}

# "url sha256" of a bootstrap-python.toml, in any layout a TOML writer gives it (the lifecycle
# restores a cached layer's TOML in its own); nothing for a missing or foreign file.
bs_layer_key() {
    [ -f "$1" ] || return 0
    sed -n 's/^[[:space:]]*\(url\|sha256\)[[:space:]]*=[[:space:]]*"\([^"]*\)"[[:space:]]*$/\1 \2/p' "$1" | {
        u= h=
        while read -r k v; do
            case $k in url) u=$v ;; sha256) h=$v ;; esac
        done
        [ -z "$u" ] || [ -z "$h" ] || echo "$u $h"
    }
}

# The whole bootstrap: sets BOOTSTRAP_PYTHON.
bs_bootstrap() {
    layers=${CNB_LAYERS_DIR:?CNB_LAYERS_DIR is not set}
    layer=$layers/bootstrap-python
    pin=$(bs_pin) || { printf '%s\n' "$pin"; exit 1; }
    url=${pin% *} sha=${pin#* }
    shown_url=$(bs_mask "$url")
    # Keyed on the archive as the catalog names it (no credentials: they change, it does not).
    url_key=$(printf '%s' "$url" | sed 's#://[^/]*@#://#')
    printf '\n[Bootstrap interpreter]\n'
    printf '  No python3 3.6 or newer on the build image: python-cnb runs on the archive %s\n' "$shown_url"
    if [ "$(bs_layer_key "$layer.toml")" = "$url_key $sha" ]; then
        BOOTSTRAP_PYTHON=$(bs_interpreter "$layer")
        if bs_usable "$BOOTSTRAP_PYTHON"; then
            printf '  Reusing it from the cache\n'
            bs_commit  # the lifecycle restores the TOML without its types: without them, no cache
            return
        fi
        printf '  Reinstalling it: the cached interpreter does not start\n'
    fi
    rm -f "$layer.toml" && rm -rf "$layer" || bs_fail "Could not clear the layer $layer." \
        "The platform must give the buildpack a writable CNB_LAYERS_DIR; this is a problem of the build's environment, not of the app."
    archive=$(mktemp "${TMPDIR:-/tmp}/python-cnb-bootstrap.XXXXXX") || bs_fail "Could not create a temporary file in ${TMPDIR:-/tmp}." \
        "Give the build a writable TMPDIR."
    trap 'rm -f "$archive"' EXIT  # bin/build's exec runs no trap: removed below once unpacked
    if [ -f "$BS_BUILDPACK/bootstrap/$sha.tar.gz" ]; then
        printf '  Unpacking it from the buildpack\n'
        cp "$BS_BUILDPACK/bootstrap/$sha.tar.gz" "$archive"
    else
        mirrored=$(bs_mirrored_url "$url") || { printf '%s\n' "$mirrored"; exit 1; }
        [ "$mirrored" = "$url" ] || printf '  Downloading it from the mirror %s\n' "$(bs_mask "$mirrored")"
        bs_fetch "$mirrored" "$archive"
    fi
    got=$(sha256sum "$archive" 2>/dev/null) || bs_fail "The build image has no sha256sum to check the bootstrap interpreter's archive." \
        "Add coreutils (or busybox) to the build image, or python3 3.6 or newer."
    [ "${got%% *}" = "$sha" ] || bs_fail "The bootstrap interpreter's archive $shown_url has sha256 ${got%% *}, not $sha." \
        "The download was corrupted or the mirror serves another file: check BP_DEPENDENCY_MIRROR and the catalog, then build again."
    mkdir -p "$layer" && tar -xzf "$archive" -C "$layer" 2>/dev/null \
        || bs_fail "Could not unpack the bootstrap interpreter's archive $shown_url into $layer." \
            "Check the disk space and the layers directory (CNB_LAYERS_DIR), then build again."
    BOOTSTRAP_PYTHON=$(bs_interpreter "$layer")
    [ -z "$BOOTSTRAP_PYTHON" ] || bs_prune "$BOOTSTRAP_PYTHON"
    bs_usable "$BOOTSTRAP_PYTHON" || bs_fail "The bootstrap interpreter from $shown_url does not start on this build image." \
        "Use a catalog runtime built for this image's distro and arch, or build on an image with python3 3.6 or newer."
    rm -f "$archive"
    bs_commit
}

# The layer's TOML: only now does the lifecycle trust (and cache) what the layer holds.
bs_commit() {
    printf '[types]\ncache = true\n\n[metadata]\nurl = "%s"\nsha256 = "%s"\n' "$url_key" "$sha" >"$layer.toml" \
        || bs_fail "Could not write $layer.toml." "The platform must give the buildpack a writable CNB_LAYERS_DIR."
}
