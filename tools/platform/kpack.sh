#!/usr/bin/env bash
# kpack $KPACK_VERSION installed into the cluster (cluster.sh) as kpack installs: its release
# configuration (the module's config/, rendered by kpack_release.py with our image values), with
# every image built here and pushed to the registry:
# - controller, webhook, build-init, build-waiter, completion and rebase, from kpack's cmd/ (the
#   Go module proxy), each binary at /cnb/process/<name> (the path kpack's build pod runs);
# - the lifecycle image of kpack's default ClusterLifecycle, from the lifecycle release tools.sh
#   fetched: its files in one layer at /cnb/lifecycle, its APIs in the labels kpack reads.
# Idempotent: what is built, pushed or installed already is kept.
source "$(dirname "$0")/common.sh"
export KUBECONFIG=$CLUSTER_KUBECONFIG
kubectl() { "$CLUSTER_BIN/kubectl" "$@"; }
PROGRAMS="controller webhook build-init build-waiter completion rebase"
TAG=${KPACK_VERSION#v}

"$PLATFORM_DIR/cluster.sh" status >/dev/null || die "the cluster is not running: tools/platform/cluster.sh start"
command -v go >/dev/null || die "Go is needed to build kpack's programs (apt-get install golang, or the machine's Go)."
kpack_dir=$(go mod download -json "github.com/pivotal/kpack@$KPACK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[ -n "$kpack_dir" ] || die "could not download github.com/pivotal/kpack@$KPACK_VERSION from the Go module proxy"

if [ ! -x "$KPACK_CMD_DIR/controller" ]; then
    say "building kpack $KPACK_VERSION's programs (once per version)"
    rm -rf "$KPACK_CMD_DIR.tmp" && mkdir -p "$KPACK_CMD_DIR.tmp"
    # Inside kpack's module: its go.mod carries replace directives.
    (cd "$kpack_dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/pivotal/kpack/cmd.Version=$TAG" \
        -o "$KPACK_CMD_DIR.tmp/" $(printf './cmd/%s ' $PROGRAMS)) || die "could not build kpack's cmd/"
    rm -rf "$KPACK_CMD_DIR" && mv "$KPACK_CMD_DIR.tmp" "$KPACK_CMD_DIR"
fi

in_registry() {  # in_registry NAME:TAG (a repository of the project's registry)
    curl -fsS -o /dev/null -H "Accept: application/vnd.docker.distribution.manifest.v2+json" \
        "http://$REGISTRY_ADDR/v2/${1%:*}/manifests/${1##*:}"
}

# push ROOT NAME:TAG [docker import -c ...]: ROOT's files as a one-layer image in the registry.
push() {
    local root=$1 image=$REGISTRY/$2; shift 2
    tar -C "$root" --owner=0 --group=0 -c . | docker import "$@" - "$image" >/dev/null \
        && docker push -q "$image" >/dev/null || die "could not push $image (is the registry running? make platform)"
    docker rmi "$image" >/dev/null
    rm -rf "$root"
}

# One image per program, as kpack ships them: the binary, a /tmp, a passwd, and a non-root user
# (kpack's Deployments and its rebase pod set runAsNonRoot without a user).
for program in $PROGRAMS; do
    in_registry "$KPACK_REPO/$program:$TAG" && continue
    root=$(mktemp -d)
    mkdir -p "$root/cnb/process" "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp"
    cp "$KPACK_CMD_DIR/$program" "$root/cnb/process/$program"
    printf 'root:x:0:0:root:/root:/sbin/nologin\ncnb:x:1000:1000:cnb:/home/cnb:/sbin/nologin\n' > "$root/etc/passwd"
    printf 'root:x:0:\ncnb:x:1000:\n' > "$root/etc/group"
    push "$root" "$KPACK_REPO/$program:$TAG" -c "USER 1000:1000" -c "ENTRYPOINT [\"/cnb/process/$program\"]" \
        -c "LABEL io.kpack.version=$TAG"
done

lifecycle=$KPACK_REPO/lifecycle:${LIFECYCLE_VERSION#v}
if ! in_registry "$lifecycle"; then
    root=$(mktemp -d)
    mkdir -p "$root/cnb" && tar -C "$root/cnb" -xzf "$LIFECYCLE_TARBALL" lifecycle
    labels=$(tar -xzOf "$LIFECYCLE_TARBALL" lifecycle.toml | python3 -c '
import json, sys, tomllib
d = tomllib.loads(sys.stdin.read())
# Each a quoted string, as a Dockerfile LABEL keeps it.
print(json.dumps(json.dumps({"lifecycle": d["lifecycle"], "api": d["api"]}, separators=(",", ":"))))
print(json.dumps(json.dumps(d["apis"], separators=(",", ":"))))')
    push "$root" "$lifecycle" -c "LABEL io.buildpacks.builder.metadata=$(sed -n 1p <<<"$labels")" \
        -c "LABEL io.buildpacks.lifecycle.apis=$(sed -n 2p <<<"$labels")"
fi

values=(kpack_version="$TAG" lifecycle.image="$CLUSTER_REGISTRY/$lifecycle")
for program in $PROGRAMS; do values+=("${program//-/_}.image=$CLUSTER_REGISTRY/$KPACK_REPO/$program:$TAG"); done
say "installing kpack $KPACK_VERSION (its release configuration)"
python3 "$PLATFORM_DIR/kpack_release.py" "$kpack_dir/config" "${values[@]}" | kubectl apply -f - >/dev/null \
    || die "kubectl apply of kpack's release configuration failed"
kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
kubectl -n kpack rollout status deployment/kpack-webhook deployment/kpack-controller --timeout=300s >&2 \
    || { kubectl -n kpack get pods -o wide >&2; die "kpack's controller or webhook did not become available"; }
# The webhook answers once it has made its certificate: its default ClusterLifecycle goes through it.
for _ in $(seq 1 60); do
    python3 "$PLATFORM_DIR/kpack_release.py" "$kpack_dir/config" --part lifecycle "${values[@]}" \
        | kubectl apply -f - >/dev/null 2>"$CLUSTER_DIR/logs/kpack-apply.log" && break
    sleep 2
done
kubectl wait --for=condition=Ready clusterlifecycle/default-lifecycle --timeout=120s >/dev/null \
    || die "kpack's default ClusterLifecycle is not Ready: $(kubectl get clusterlifecycle default-lifecycle -o jsonpath='{.status}' 2>&1; cat "$CLUSTER_DIR/logs/kpack-apply.log")"
# Validation reaches the webhook only once it has written its rules into its
# ValidatingWebhookConfiguration, which can come after the defaulting that let the lifecycle in:
# until then an invalid object is stored unchecked. Wait for a refusal (server-side dry run: the
# webhooks have no side effects, and nothing is stored).
probe='{"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterStore", "metadata": {"name": "python-cnb-probe"}, "spec": {"sources": []}}'
for attempt in $(seq 1 60); do
    out=$(echo "$probe" | kubectl apply --dry-run=server -f - 2>&1) || case $out in *"denied the request"*) break;; esac
    [ "$attempt" = 60 ] && die "kpack's validating webhook did not refuse an invalid ClusterStore in 120s: $out"
    sleep 2
done
say "kpack $KPACK_VERSION ready"
