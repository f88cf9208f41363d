#!/usr/bin/env bash
# make demo: build examples/flask-hello with pack and our builder (the platform is set up by
# `make platform` first), run it, show its first HTTP response, stop it.
source "$(dirname "$0")/common.sh"
app=$REPO_ROOT/examples/flask-hello
image=localhost/python-cnb-demo/flask-hello
mirror=$CACHE/e2e-mirror
work=$(mktemp -d)
cleanup() {
    [ -n "${cid:-}" ] && docker rm -f "$cid" >/dev/null 2>&1
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

python3 "$REPO_ROOT/tools/runtime_mirror.py" build --out "$mirror" --versions 3.12.1 >/dev/null
python3 "$REPO_ROOT/tools/runtime_mirror.py" serve --mirror "$mirror" --ready-file "$work/url" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 50); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || die "the runtime mirror did not start"
mkdir "$work/mount" && chmod 755 "$work" "$work/mount"
python3 "$REPO_ROOT/tools/runtime_mirror.py" catalog --mirror "$mirror" --base-url "$(cat "$work/url")" --out "$work/mount/catalog.yaml"

say "pack build $image (runtimes from the loopback mirror $(cat "$work/url"))"
"$PACK" build "$image" --path "$app" --builder "$BUILDER" --pull-policy never --network host \
    --docker-host inherit --volume "$work/mount:/platform-mirror:ro" \
    --env BP_PYTHON_RUNTIME_CATALOG=/platform-mirror/catalog.yaml

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cid=$(docker run -d --network host -e PORT="$port" "$image")
url=http://127.0.0.1:$port/
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$url" 2>/dev/null && break; sleep 0.2; done
echo
say "serving at $url"
curl -sS -i "$url" | head -n 8
echo
say "stopping the container"
