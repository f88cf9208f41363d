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

# The authority of a URL (after ://, up to the path, query or fragment), credentials included:
# they end at the last '@' before the first '/', and may hold '?', '#' or '@' (credentials.py).
bs_authority() {
    rest=${1#*://}
    rest=${rest%%/*}
    case $rest in
    *@*) hp=${rest##*@}; hp=${hp%%\?*}; printf '%s@%s' "${rest%@*}" "${hp%%#*}" ;;
    *) rest=${rest%%\?*}; printf '%s' "${rest%%#*}" ;;
    esac
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
        -e 's/^#.*//; s/[[:space:]]#.*//' "$catalog" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/: *"\(.*\)"$/: \1/' | {
        default= version= a= url= sha= picked= best=
        pick() {
            case $version in 2.* | 3.[0-5] | 3.[0-5].*) return ;; esac
            [ "$a" = "$arch" ] && [ -n "$sha" ] || return
            case $url in *.tar.gz | *.tgz) ;; *) return ;; esac
            picked="$url $(printf '%s' "$sha" | tr 'A-F' 'a-f')"  # sha256 in lower case, as the lib reads it
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

# ---- from here the sh keeps the lib's promises for one download, then hands over to the lib ----

# What a signal stops: the running child (a download, the lib) is stopped with it, and the build
# ends as the lib ends one: its [Error] block (printed by the lib when the lib was running), exit
# 128 + the signal's number. Nothing half-done has a layer TOML.
bs_stop() {
    trap '' TERM INT
    if [ -n "${bs_child:-}" ]; then
        # a downloader started in the background ignores SIGINT: it gets SIGTERM
        if [ "${bs_speaker:-}" = lib ]; then kill -"$1" "$bs_child"; else kill -TERM "$bs_child"; fi 2>/dev/null
        wait "$bs_child"
    fi
    bs_clean
    [ "${bs_speaker:-}" = lib ] || printf '\n[Error] The build was stopped (SIG%s).\n  %s\n' "$1" \
        'Nothing it left half-done is kept: the next build starts those steps again.'
    exit $((128 + $2))
}

# The bootstrap's temporary directory: the archive, what a download left next to it, the stage.
bs_clean() {
    [ -z "${work:-}" ] || rm -rf "$work"
}

# "$@" as a child the signals reach: sh runs a trap only between commands, so it waits for a
# background child, which it can stop.
bs_run() {
    trap 'bs_stop TERM 15' TERM
    trap 'bs_stop INT 2' INT
    "$@" &
    bs_child=$!
    wait "$bs_child"
    status=$?
    bs_child=
    return "$status"
}

# BP_DOWNLOAD_TIMEOUT as the lib reads it (download.py): seconds, more than 0; default 600.
bs_deadline() {
    raw=$(bs_setting BP_DOWNLOAD_TIMEOUT | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    [ -n "$raw" ] || { echo 600; return; }
    awk -v v="$raw" 'BEGIN { if (v !~ /^[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$/ || !(v + 0 > 0) \
        || v + 0 > 1e300) exit 1; print v + 0 }' && return
    bs_fail "BP_DOWNLOAD_TIMEOUT must be a number of seconds greater than 0, not $(bs_repr "$raw")." \
        "Unset it for the default (600 s), or set e.g. BP_DOWNLOAD_TIMEOUT=900."
}

# A string as Python's repr() shows it (the lib's messages quote settings so).
bs_repr() {
    escaped=$(printf '%s' "$1" | sed 's/\\/\\\\/g')
    case $1 in
    *\'*\"* | *\"*\'*) printf "'%s'" "$(printf '%s' "$escaped" | sed "s/'/\\\\'/g")" ;;
    *\'*) printf '"%s"' "$escaped" ;;
    *) printf "'%s'" "$escaped" ;;
    esac
}

# Fetch url to dest as lib/python_cnb/download.py does, in its words: BP_DOWNLOAD_TIMEOUT bounds
# the whole download (retries included), a retry only where one can help, credentials in the URL
# sent as HTTP Basic auth (never on a command line). file:// URLs are copied.
bs_fetch() {
    url=$1 dest=$2
    case $url in
    file://*)
        path=$(bs_unquote "${url#file://}"); path=${path#localhost}
        cp "$path" "$dest" 2>/dev/null || bs_fail "Could not download $(bs_mask "$url"): No such file or directory." \
            "Check the file:// mirror or catalog URL points at a readable file."
        return ;;
    esac
    seconds=$(bs_deadline) || { printf '%s\n' "$seconds"; exit 1; }
    command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 \
        || bs_fail "The build image has no python3 3.6 or newer, and neither curl nor wget to fetch one." \
            "Add python3 (3.6+), curl or wget to the build image, or use a python-cnb buildpackage that carries its bootstrap interpreter (make package)."
    # timeout(1) ends the attempts, their backoff and the downloader together (its process group)
    end=$(awk -v now="$(date +%s.%N)" -v s="$seconds" 'BEGIN { printf "%.3f", now + s }')
    set -- /bin/sh -c '. "$0/bin/bootstrap.sh"; bs_attempts "$@"' "$BS_BUILDPACK" "$url" "$dest" "$end"
    ! command -v timeout >/dev/null 2>&1 || set -- timeout "$seconds" "$@"
    bs_run "$@" && return
    [ "$status" -eq 124 ] || exit "$status"  # bs_attempts said why
    rm -f "$dest.head" "$dest.err" "$dest.rc"
    bs_fail "Could not download $(bs_mask "$url") within $(awk -v v="$seconds" 'BEGIN { printf "%g", sprintf("%.1f", v) }') s (BP_DOWNLOAD_TIMEOUT): $(bs_size "$dest") received." \
        "The server or the network is too slow. Raise BP_DOWNLOAD_TIMEOUT (seconds; default 600), or use a closer mirror (BP_DEPENDENCY_MIRROR)."
}

# The size of what a download left, as the lib says it.
bs_size() {
    n=$(wc -c <"$1" 2>/dev/null || echo 0)
    awk -v n="$n" 'BEGIN { if (n >= 100000) printf "%.1f MB", n / 1e6; else printf "%d bytes", n }'
}

# Up to three attempts, 1 s then 2 s apart, as the lib's: an [Error] block for the last failure.
bs_attempts() {
    url=$1 dest=$2 end=$3
    # The userinfo ends at the last '@' before the first '/' (credentials.py): a password may hold '@'.
    rest=${url#*://} authority=${url#*://}; authority=${authority%%/*}
    bare=$url auth=
    case $authority in *@*)
        userinfo=${authority%@*} user=${authority%@*}; user=${user%%:*} password=
        case $userinfo in *:*) password=${userinfo#*:} ;; esac
        auth=$(printf '%s:%s' "$(bs_unquote "$user")" "$(bs_unquote "$password")" | base64 | tr -d '\n')
        bare=${url%%://*}://${rest#"$userinfo"@} ;;
    esac
    host=$(bs_hostport "$bare")
    for attempt in 1 2 3; do
        bs_attempt && return 0
        # no retry whose backoff would end past the deadline (the lib's rule)
        if [ "$retry" = no ] || [ "$attempt" = 3 ] || awk -v end="$end" -v now="$(date +%s.%N)" -v b="$attempt" \
                'BEGIN { exit !(now + b >= end) }'; then
            bs_fail "Could not download $(bs_mask "$url"): $why." "$hint"
        fi
        printf '  Attempt %s of 3 failed (%s); retrying in %s s\n' "$attempt" "$(bs_mask "$why")" "$attempt"
        sleep "$attempt"
    done
}

# One GET of $bare into $dest; sets why, retry and hint when it fails.
bs_attempt() {
    retry=yes hint="Check the network or the mirror (BP_DEPENDENCY_MIRROR), then build again."
    : >"$dest.head"
    if command -v curl >/dev/null 2>&1; then
        # the credentials reach curl on stdin (-K -), not in its arguments
        { [ -z "$auth" ] || printf 'header = "Authorization: Basic %s"\n' "$auth"; } | curl -sSN -K - -L --max-redirs 5 \
            --connect-timeout 30 --speed-limit 4096 --speed-time 30 -H 'User-Agent: python-cnb' -D "$dest.head" \
            -o "$dest" "$bare" 2>"$dest.err"
        code=$?
    else
        { [ -z "$auth" ] || printf 'header = Authorization: Basic %s\n' "$auth"; } >"$dest.rc"
        WGETRC=$dest.rc wget -S -t 1 -T 30 --max-redirect 5 -O "$dest" "$bare" 2>"$dest.err"
        code=$?
        sed -n 's/^  \(HTTP\/.*\)/\1/p; s/^  \([A-Za-z-]*: .*\)/\1/p' "$dest.err" >"$dest.head"
        case $code:$(cat "$dest.err") in  # told as curl tells them
        *"redirections exceeded"*) code=47 ;;
        [068]:*) if grep -q '^HTTP/' "$dest.head"; then code=0; else code=1; fi ;;  # the status says it
        4:*refused*) code=7 ;;
        4:*"in headers"*) code=52 ;;
        4:*) code=56 ;;
        esac
    fi
    said=$(sed -n '/./h; ${x; s/^curl: ([0-9]*) //; s/^wget: //; p}' "$dest.err" | tr -d '\r')
    status=$(sed -n 's/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\)/\1/p' "$dest.head" | tail -n 1 | tr -d '\r' | sed 's/ *$//')
    length=$(sed -n 's/^[Cc]ontent-[Ll]ength: *\([0-9]*\).*/\1/p' "$dest.head" | tail -n 1)
    got=$(wc -c <"$dest" 2>/dev/null || echo 0)
    of="$got bytes" && [ -z "$length" ] || of="$got of $length bytes"
    rm -f "$dest.head" "$dest.err" "$dest.rc"
    case $code:$status in
    0:200*) return 0 ;;
    0:401* | 0:403*) why="HTTP $status" retry=no \
        hint="The server refused access. Credentials go in the URL of BP_DEPENDENCY_MIRROR or of the catalog entry, as user:password@ before the host; they are sent as HTTP Basic auth." ;;
    0:404* | 0:410*) why="HTTP $status" retry=no \
        hint="The file is not there: check the runtime catalog's url, or that the mirror (BP_DEPENDENCY_MIRROR) holds it." ;;
    0:408* | 0:425* | 0:429* | 0:500* | 0:502* | 0:503* | 0:504*) why="HTTP $status" ;;
    0:*) why="HTTP $status" retry=no ;;
    47:*) why="more than 5 redirects" retry=no ;;
    7:*) why="$host refused the connection" ;;
    6:*) why="the host name in $host could not be resolved" ;;
    52:* | 56:) why="$host closed the connection without an answer" ;;
    18:* | 56:*) why="the transfer broke off after $of" ;;
    28:) why="no answer from $host within 30 s" ;;
    28:*) why="no data from $host for 30 s (after $of)" ;;
    35:* | 51:* | 58:* | 59:* | 60:* | 77:* | 80:* | 83:* | 90:* | 91:*) why="TLS with $host failed ($said)" retry=no \
        hint="The build image must trust the server's certificate: add its CA to the build image, or set SSL_CERT_FILE." ;;
    1:* | 8:*) why="$host did not answer with HTTP" retry=no \
        hint="Check the URL's scheme and port: the server there does not answer as a web server." ;;
    *) why=${said:-"the download failed (exit $code)"} ;;
    esac
    return 1
}

# The interpreter of an unpacked archive: portable builds have one top directory (python/).
bs_interpreter() {
    for candidate in "$1/bin/python3" "$1/python/bin/python3"; do
        [ ! -x "$candidate" ] || { echo "$candidate"; return; }
    done
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

# Just enough of the archive to run the lib on (the interpreter, its libpython, most of its
# standard library), in a directory of its own, without owners or setuid bits: the lib then
# unpacks the archive into the layer by its own rules (lib/python_cnb/bootstrap.py).
bs_stage() {
    stage=$work/stage
    mkdir "$stage" && tar -xzf "$archive" -C "$stage" --no-same-owner --no-same-permissions --exclude='*/__pycache__' \
        --exclude='*/test' --exclude='*/tests' --exclude='*/idlelib' --exclude='*/tkinter' --exclude='*/ensurepip' \
        --exclude='*/lib2to3' --exclude='*/site-packages' --exclude='*/config-3*' --exclude='include' \
        --exclude='*/include' --exclude='share' --exclude='*/share' 2>/dev/null
    staged=$(bs_interpreter "$stage")
    bs_usable "$staged" || bs_fail "The bootstrap interpreter from $shown_url does not start on this build image." \
        "Use a catalog runtime built for this image's distro and arch, or build on an image with python3 3.6 or newer."
}

# The whole bootstrap: sets BOOTSTRAP_PYTHON.
bs_bootstrap() {
    layers=${CNB_LAYERS_DIR:?CNB_LAYERS_DIR is not set}
    layer=$layers/bootstrap-python
    pin=$(bs_pin) || { printf '%s\n' "$pin"; exit 1; }
    url=${pin% *} sha=${pin##* }  # a URL may hold spaces
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
    work=$(mktemp -d "${TMPDIR:-/tmp}/python-cnb-bootstrap.XXXXXX") || bs_fail "Could not create a temporary directory in ${TMPDIR:-/tmp}." \
        "Give the build a writable TMPDIR."
    archive=$work/python.tar.gz  # the name the lib's messages give it
    trap bs_clean EXIT  # bin/build's exec runs no trap: removed below
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
    [ "${got%% *}" = "$sha" ] || bs_fail "The download of $(bs_mask "${mirrored:-$url}") does not match its sha256 checksum (expected $sha, got ${got%% *})." \
        "The archive or the mirror serving it is not the one the catalog describes; nothing was installed."
    bs_stage
    bs_speaker=lib
    bs_run env LD_LIBRARY_PATH="${staged%/bin/python3}/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$staged" -I -c \
        'import sys; sys.path.insert(0, sys.argv[1]); from python_cnb.bootstrap import main; main()' \
        "$BS_BUILDPACK/lib" "$archive" "$layer" "$url_key" "$sha" || exit "$status"
    bs_speaker=
    bs_clean
    BOOTSTRAP_PYTHON=$layer/bin/python3
}

# The layer's TOML again, with its types, for a layer the lib installed in an earlier build.
bs_commit() {
    printf '[types]\ncache = true\n\n[metadata]\nurl = "%s"\nsha256 = "%s"\n' "$url_key" "$sha" >"$layer.toml" \
        || bs_fail "Could not write $layer.toml." "The platform must give the buildpack a writable CNB_LAYERS_DIR."
}
