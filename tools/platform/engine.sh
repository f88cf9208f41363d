#!/usr/bin/env bash
# The project's own Docker engine (Debian's docker.io): a private socket, no bridge network and
# no iptables rules, so containers only ever use --network host. Reused when already running;
# stopped by its pid file, never by name.
#   engine.sh start | stop | status
source "$(dirname "$0")/common.sh"

running() { [ -f "$ENGINE_PIDFILE" ] && kill -0 "$(cat "$ENGINE_PIDFILE")" 2>/dev/null && docker info >/dev/null 2>&1; }

case "${1:-start}" in
start)
    if running; then say "engine already running (pid $(cat "$ENGINE_PIDFILE"))"; exit 0; fi
    if [ -f "$ENGINE_PIDFILE" ] && ! kill -0 "$(cat "$ENGINE_PIDFILE")" 2>/dev/null; then
        rm -f "$ENGINE_PIDFILE" "$ENGINE_SOCK"  # left by an engine that was killed with its session
    fi
    if ! command -v dockerd >/dev/null; then
        say "installing docker.io"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    fi
    command -v docker >/dev/null || die "no docker client after installing docker.io"
    mkdir -p "/var/lib/$ENGINE_NAME" "/var/run/$ENGINE_NAME"
    log=$CACHE/engine.log
    mkdir -p "$CACHE"
    say "starting dockerd on $ENGINE_SOCK (log: $log)"
    # A daemon: the engine outlives this script, and its pid file is the only handle on it.
    daemon dockerd --iptables=false --ip6tables=false --bridge=none --host="unix://$ENGINE_SOCK" \
        --data-root="/var/lib/$ENGINE_NAME" --exec-root="/var/run/$ENGINE_NAME" --pidfile="$ENGINE_PIDFILE" \
        >"$log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        running && { say "engine ready"; exit 0; }
        sleep 0.5
    done
    tail -20 "$log" >&2
    die "the Docker engine did not start within 30 s (log above: $log)"
    ;;
stop)
    if [ -f "$ENGINE_PIDFILE" ]; then
        pid=$(cat "$ENGINE_PIDFILE")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        say "engine stopped"
    fi
    ;;
status)
    running && echo "running (pid $(cat "$ENGINE_PIDFILE"), DOCKER_HOST=$DOCKER_HOST)" || { echo "not running"; exit 1; }
    ;;
*) die "usage: engine.sh start|stop|status" ;;
esac
