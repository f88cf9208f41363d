#!/usr/bin/env bash
# The project's own OCI registry (Debian's docker-registry): 127.0.0.1 only, its data and pid
# file under the cache. Reused when running; stopped by its pid file.
#   registry.sh start | stop | status
source "$(dirname "$0")/common.sh"

running() {
    [ -f "$REGISTRY_PIDFILE" ] && kill -0 "$(cat "$REGISTRY_PIDFILE")" 2>/dev/null &&
        curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/" 2>/dev/null
}

case "${1:-start}" in
start)
    if running; then say "registry already running on $REGISTRY_ADDR (pid $(cat "$REGISTRY_PIDFILE"))"; exit 0; fi
    if ! command -v docker-registry >/dev/null; then
        say "installing docker-registry"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
    fi
    mkdir -p "$REGISTRY_DIR/data"
    cat > "$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
    say "starting the registry on $REGISTRY_ADDR (log: $REGISTRY_DIR/registry.log)"
    daemon docker-registry serve "$REGISTRY_DIR/config.yml" >"$REGISTRY_DIR/registry.log" 2>&1 < /dev/null &
    echo $! > "$REGISTRY_PIDFILE"
    for _ in $(seq 1 40); do
        running && { say "registry ready"; exit 0; }
        sleep 0.25
    done
    tail -20 "$REGISTRY_DIR/registry.log" >&2
    die "the registry did not start within 10 s (log above)"
    ;;
stop)
    if [ -f "$REGISTRY_PIDFILE" ]; then
        pid=$(cat "$REGISTRY_PIDFILE")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        rm -f "$REGISTRY_PIDFILE"
        say "registry stopped"
    fi
    ;;
status)
    running && echo "running on $REGISTRY_ADDR (pid $(cat "$REGISTRY_PIDFILE"))" || { echo "not running"; exit 1; }
    ;;
*) die "usage: registry.sh start|stop|status" ;;
esac
