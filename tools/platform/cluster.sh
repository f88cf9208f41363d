#!/usr/bin/env bash
# A single-node Kubernetes of our own, built from the Go module proxy (tools/platform/cluster/):
# etcd, kube-apiserver (RBAC on), kube-controller-manager, kube-scheduler, kube-proxy, and a
# kubelet on a containerd of its own (CRI, runc, CNI bridge) on the bridge $CLUSTER_BRIDGE.
# Certificates and kubeconfigs are made at each start; a stop removes the cluster's state (logs
# stay), so every start is a fresh cluster. Every process is ours by its pid file.
#   cluster.sh build | start | stop | status
source "$(dirname "$0")/common.sh"
export KUBECONFIG=$CLUSTER_KUBECONFIG
STATE=$CLUSTER_DIR/state
PKI=$STATE/pki
LOGS=$CLUSTER_DIR/logs
PIDS=$CLUSTER_DIR/pids
CONTAINERD_SOCK=$STATE/containerd/containerd.sock
# Start order; stopped in reverse.
COMPONENTS="etcd containerd registry-proxy kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"

# The programs, once per version: a second build of the same version finds them and does nothing.
build() {
    [ -x "$CLUSTER_BIN/kubelet" ] && [ -x "$CLUSTER_BIN/etcd" ] && [ -x "$CLUSTER_BIN/pause" ] && return 0
    command -v go >/dev/null || die "Go is needed to build Kubernetes (apt-get install golang, or the machine's Go)."
    local pinned
    pinned=$(cd "$PLATFORM_DIR/cluster" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
    [ "$pinned" = "$KUBERNETES_VERSION" ] || die "tools/platform/cluster/go.mod pins Kubernetes $pinned, settings.env $KUBERNETES_VERSION"
    say "building Kubernetes $KUBERNETES_VERSION and etcd from the Go module proxy (once per version; minutes)"
    local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
    local v=k8s.io/component-base/version
    local ldflags="-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor
        -X $v.gitCommit=$KUBERNETES_VERSION -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
    rm -rf "$CLUSTER_BIN.tmp" && mkdir -p "$CLUSTER_BIN.tmp"
    (cd "$PLATFORM_DIR/cluster" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$CLUSTER_BIN.tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
        k8s.io/kubernetes/cmd/kubectl ./etcd) || die "could not build Kubernetes $KUBERNETES_VERSION (tools/platform/cluster)"
    # The sandbox's program, from the Kubernetes module's build/pause.
    local src
    src=$(cd "$PLATFORM_DIR/cluster" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
    gcc -Os -static -Wall -Werror -DVERSION="$KUBERNETES_VERSION" -o "$CLUSTER_BIN.tmp/pause" "$src" \
        || die "could not compile $src (gcc and libc6-dev are needed)"
    rm -rf "$CLUSTER_BIN" && mv "$CLUSTER_BIN.tmp" "$CLUSTER_BIN"
}

# The sandbox image: the static pause program alone, one layer, in the registry.
pause_image() {
    local ref=${CLUSTER_PAUSE_IMAGE%:*} tag=${CLUSTER_PAUSE_IMAGE##*:} root
    curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/${ref#*/}/manifests/$tag" 2>/dev/null && return 0
    root=$(mktemp -d)
    cp "$CLUSTER_BIN/pause" "$root/pause"
    tar -C "$root" --owner=0 --group=0 -c pause | docker import -c 'ENTRYPOINT ["/pause"]' -c "USER 65535:65535" - \
        "$REGISTRY/${ref#*/}:$tag" >/dev/null && docker push -q "$REGISTRY/${ref#*/}:$tag" >/dev/null \
        || die "could not push the pause image to $REGISTRY (is the registry running? make platform)"
    docker rmi "$REGISTRY/${ref#*/}:$tag" >/dev/null
    rm -rf "$root"
}

alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# One component in the background, a daemon (a terminal's ^C does not reach it, nor does it hold
# its starter's lock), its log under $LOGS and its pid in $PIDS.
launch() {
    local name=$1; shift
    alive "$name" && return 0
    daemon "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! > "$PIDS/$name.pid"
}

# Waits for a check to pass, or fails with the component's log.
await() {
    local name=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 2))); do
        "$@" >/dev/null 2>&1 && return 0
        alive "$name" || { tail -30 "$LOGS/$name.log" >&2; die "$name exited (log: $LOGS/$name.log)"; }
        sleep 0.5
    done
    tail -30 "$LOGS/$name.log" >&2
    die "$name was not ready within ${seconds}s (log: $LOGS/$name.log)"
}

# Certificates with the extensions strict verifiers require (Python 3.13's default context:
# key usage on the CA, key identifiers on both).
cert() {  # cert NAME SUBJECT [SANS]: a key and a certificate signed by the cluster's CA
    local name=$1 subject=$2 sans=${3:-}
    openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
        -out "$PKI/$name.crt" -extfile <(
            printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
            printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n'
            [ -z "$sans" ] || printf 'subjectAltName=%s\n' "$sans") 2>/dev/null
}

kubeconfig() {  # kubeconfig NAME: a kubeconfig for the client certificate NAME
    local file=$STATE/$1.kubeconfig
    "$CLUSTER_BIN/kubectl" config set-cluster local --server="https://$CLUSTER_ADDR:6443" \
        --certificate-authority="$PKI/ca.crt" --embed-certs --kubeconfig="$file" >/dev/null
    "$CLUSTER_BIN/kubectl" config set-credentials "$1" --client-certificate="$PKI/$1.crt" \
        --client-key="$PKI/$1.key" --embed-certs --kubeconfig="$file" >/dev/null
    "$CLUSTER_BIN/kubectl" config set-context local --cluster=local --user="$1" --kubeconfig="$file" >/dev/null
    "$CLUSTER_BIN/kubectl" config use-context local --kubeconfig="$file" >/dev/null
}

pki() {
    mkdir -p "$PKI"
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -subj "/CN=python-cnb-cluster-ca" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -days 30 -out "$PKI/ca.crt" 2>/dev/null
    cert apiserver "/CN=kube-apiserver" "IP:$CLUSTER_ADDR,IP:$CLUSTER_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    cert admin "/O=system:masters/CN=kubernetes-admin"
    cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    cert kube-controller-manager "/CN=system:kube-controller-manager"
    cert kube-scheduler "/CN=system:kube-scheduler"
    cert kube-proxy "/CN=system:kube-proxy"
    cert kubelet "/O=system:nodes/CN=system:node:$CLUSTER_NODE"
    cert kubelet-serving "/CN=$CLUSTER_NODE" "IP:$CLUSTER_ADDR,DNS:$CLUSTER_NODE"
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
    for name in admin kube-controller-manager kube-scheduler kube-proxy kubelet; do kubeconfig "$name"; done
    cp "$STATE/admin.kubeconfig" "$CLUSTER_KUBECONFIG"
}

# The bridge pods live on, with the node's address: no NAT, no route beyond 10.0.0.0/8 pods know of.
bridge() {
    ip link show "$CLUSTER_BRIDGE" >/dev/null 2>&1 || ip link add "$CLUSTER_BRIDGE" type bridge
    ip addr show dev "$CLUSTER_BRIDGE" | grep -q " $CLUSTER_ADDR/" || ip addr add "$CLUSTER_ADDR/24" dev "$CLUSTER_BRIDGE"
    ip link set "$CLUSTER_BRIDGE" up
    mkdir -p "$STATE/cni/net.d"
    cat > "$STATE/cni/net.d/10-python-cnb.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "python-cnb", "plugins": [
  {"type": "bridge", "bridge": "$CLUSTER_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$STATE/cni/ipam",
            "ranges": [[{"subnet": "$CLUSTER_POD_CIDR", "gateway": "$CLUSTER_ADDR"}]],
            "routes": [{"dst": "$CLUSTER_POD_CIDR"}, {"dst": "$CLUSTER_SERVICE_CIDR"}]}},
  {"type": "loopback"}]}
JSON
}

containerd_config() {
    mkdir -p "$STATE/containerd"
    cat > "$STATE/containerd/config.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CLUSTER_PAUSE_IMAGE"
  # This machine refuses a negative oom_score_adj even to root, and runc fails a container whose
  # score it cannot set: scores stay at or above containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      Root = "$STATE/runc"
  # The project's registry, as pods name it, over plain HTTP.
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$CLUSTER_REGISTRY"]
    endpoint = ["http://$REGISTRY_ADDR"]
TOML
}

kubelet_config() {
    cat > "$STATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $CLUSTER_ADDR
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
# The disk reports far more capacity than is free: absolute thresholds, and image GC left to us.
evictionHard: {nodefs.available: 2Gi, imagefs.available: 2Gi, memory.available: 200Mi}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 40
YAML
    cat > "$STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
clusterCIDR: $CLUSTER_POD_CIDR
hostnameOverride: $CLUSTER_NODE
bindAddress: $CLUSTER_ADDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$CLUSTER_ADDR/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
}

healthy() { curl -fsS --cacert "$PKI/ca.crt" "https://$CLUSTER_ADDR:6443/readyz" 2>/dev/null | grep -q ok; }
running() { for c in $COMPONENTS; do alive "$c" || return 1; done; healthy; }

start() {
    if running; then say "cluster already running (kubeconfig: $CLUSTER_KUBECONFIG)"; return 0; fi
    stop quiet  # what an interrupted start left
    local began=$SECONDS
    build
    command -v socat >/dev/null && [ -x /usr/lib/cni/bridge ] && command -v conntrack >/dev/null || {
        say "installing containernetworking-plugins, conntrack and socat"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containernetworking-plugins conntrack socat >/dev/null
    }
    pause_image
    mkdir -p "$STATE" "$LOGS" "$PIDS"
    pki; bridge; containerd_config; kubelet_config
    say "starting the cluster (logs: $LOGS)"
    launch etcd "$CLUSTER_BIN/etcd" --name "$CLUSTER_NODE" --data-dir "$STATE/etcd" \
        --listen-client-urls http://127.0.0.1:2479 --advertise-client-urls http://127.0.0.1:2479 \
        --listen-peer-urls http://127.0.0.1:2480 --initial-advertise-peer-urls http://127.0.0.1:2480 \
        --initial-cluster "$CLUSTER_NODE=http://127.0.0.1:2480" --listen-metrics-urls http://127.0.0.1:2481
    launch containerd containerd --config "$STATE/containerd/config.toml"
    # Pods reach the project's registry (loopback only) at the node's address.
    launch registry-proxy socat "TCP-LISTEN:$REGISTRY_PORT,bind=$CLUSTER_ADDR,fork,reuseaddr" "TCP:$REGISTRY_ADDR"
    await etcd 60 curl -fsS http://127.0.0.1:2479/health
    launch kube-apiserver "$CLUSTER_BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2479 \
        --bind-address "$CLUSTER_ADDR" --advertise-address "$CLUSTER_ADDR" --secure-port 6443 \
        --service-cluster-ip-range "$CLUSTER_SERVICE_CIDR" --authorization-mode Node,RBAC \
        --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
        --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
        --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
        --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --enable-admission-plugins NodeRestriction --enable-aggregator-routing=true \
        --allow-privileged=true --profiling=false
    await kube-apiserver 120 healthy
    launch kube-controller-manager "$CLUSTER_BIN/kube-controller-manager" --kubeconfig "$STATE/kube-controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false --use-service-account-credentials \
        --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
        --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" --profiling=false
    launch kube-scheduler "$CLUSTER_BIN/kube-scheduler" --kubeconfig "$STATE/kube-scheduler.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false --profiling=false
    await containerd 30 ctr --address "$CONTAINERD_SOCK" version
    launch kubelet "$CLUSTER_BIN/kubelet" --config "$STATE/kubelet.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
        --root-dir "$STATE/kubelet" --hostname-override "$CLUSTER_NODE" --node-ip "$CLUSTER_ADDR"
    launch kube-proxy "$CLUSTER_BIN/kube-proxy" --config "$STATE/kube-proxy.yaml"
    await kubelet 120 "$CLUSTER_BIN/kubectl" wait --for=condition=Ready "node/$CLUSTER_NODE" --timeout=5s
    await kube-controller-manager 60 "$CLUSTER_BIN/kubectl" get serviceaccount default -n default
    say "cluster ready in $((SECONDS - began))s: KUBECONFIG=$CLUSTER_KUBECONFIG $CLUSTER_BIN/kubectl get pods -A"
}

stop() {
    local c pid reversed=""
    for c in $COMPONENTS; do reversed="$c $reversed"; done
    # The pods' containers go with their sandboxes before the kubelet and containerd do.
    if alive containerd && [ -x "$CLUSTER_BIN/kubectl" ] && healthy; then
        alive kubelet && "$CLUSTER_BIN/kubectl" delete pods -A --all --grace-period=1 --wait=false >/dev/null 2>&1 || true
    fi
    for c in $reversed; do
        [ -f "$PIDS/$c.pid" ] || continue
        pid=$(cat "$PIDS/$c.pid")
        if [ "$c" = containerd ] && kill -0 "$pid" 2>/dev/null; then
            # Its shims (and their containers) are children of no one we know by pid: ask containerd.
            local ctr="ctr --address $CONTAINERD_SOCK -n k8s.io" task
            for task in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
            sleep 1
            for task in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks delete -f "$task" >/dev/null 2>&1 || true; done
        fi
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$PIDS/$c.pid"
        # kube-proxy's iptables chains go with it.
        [ "$c" = kube-proxy ] && "$CLUSTER_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
    done
    # The kubelet's root dir is a bind mount of itself, and pods' volumes are mounts under it;
    # containerd leaves its sandboxes' shm and rootfs mounts.
    grep -o " $STATE/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$STATE" "$CLUSTER_KUBECONFIG"
    ip link show "$CLUSTER_BRIDGE" >/dev/null 2>&1 && ip link del "$CLUSTER_BRIDGE"
    [ "${1:-}" = quiet ] || say "cluster stopped (logs kept in $LOGS)"
}

case "${1:-start}" in
build) build ;;
start) start ;;
stop) stop ;;
status) running && echo "running: KUBECONFIG=$CLUSTER_KUBECONFIG" || { echo "not running"; exit 1; } ;;
*) die "usage: cluster.sh build|start|stop|status" ;;
esac
