#!/bin/sh
# make demo, second part: plumb controller keeps fixtures/demo of this checkout synced in a
# sandbox of its own (in memory): the CRD and an Application applied with kubectl, the
# controller started, the Application Synced and Healthy, a kubectl edit reverted by
# selfHeal, then SIGTERM. Needs kubectl. Usage: scripts/demo-controller.sh PLUMB_BINARY
set -eu
bin=$1
command -v kubectl >/dev/null || { echo "(kubectl not found: controller demo skipped)"; exit 0; }
dir=$(mktemp -d)
sandbox=""; controller=""
cleanup() {
    [ -n "$controller" ] && kill -TERM "$controller" 2>/dev/null && wait "$controller" 2>/dev/null || true
    [ -n "$sandbox" ] && kill -TERM "$sandbox" 2>/dev/null && wait "$sandbox" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
export KUBECONFIG="$dir/kubeconfig" HOME="$dir"
"$bin" sandbox --port 0 --kubeconfig-out "$KUBECONFIG" >"$dir/sandbox.log" 2>&1 & sandbox=$!
i=0; until [ -s "$KUBECONFIG" ]; do i=$((i+1)); [ $i -gt 100 ] && { cat "$dir/sandbox.log"; exit 1; }; sleep 0.1; done
wait_for() { # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
    limit=$(( $1 * 10 )); shift; i=0
    until "$@" >/dev/null 2>&1; do i=$((i+1)); [ $i -gt $limit ] && return 1; sleep 0.1; done
}
synced() { [ "$(kubectl get application demo -n demo -o jsonpath='{.status.sync.status}/{.status.health.status}')" = "Synced/Healthy" ]; }
echo '$ kubectl apply --server-side -f charts/plumb/crds/applications.plumb.dev.yaml'
kubectl apply --server-side -f charts/plumb/crds/applications.plumb.dev.yaml
kubectl wait --for=condition=Established --timeout=10s crd/applications.plumb.dev >/dev/null
kubectl create namespace demo >/dev/null
echo '$ kubectl apply -f - # Application demo/demo: this checkout, fixtures/demo, automated, prune, selfHeal'
kubectl apply -f - <<YAML
apiVersion: plumb.dev/v1alpha1
kind: Application
metadata: {name: demo, namespace: demo}
spec:
  source: {repoURL: "$PWD", path: fixtures/demo}
  interval: 1m
  syncPolicy: {automated: true, prune: true, selfHeal: true}
YAML
echo '$ plumb controller --kubeconfig ... --log-format text'
"$bin" controller --kubeconfig "$KUBECONFIG" --audit-db "$dir/audit.db" --cache-dir "$dir/cache" \
    --metrics-address off --log-format text >"$dir/controller.log" 2>&1 & controller=$!
wait_for 30 synced || { echo "the Application did not become Synced/Healthy"; exit 1; }
echo '$ kubectl get applications -A'
kubectl get applications -A
echo '$ kubectl scale deployment web -n demo --replicas=5   # drift: selfHeal puts Git'"'"'s value back'
kubectl scale deployment web -n demo --replicas=5
replicas() { [ "$(kubectl get deployment web -n demo -o jsonpath='{.spec.replicas}')" != "5" ]; }
wait_for 10 replicas || { echo "the drift was not reverted"; exit 1; }
echo "reverted: replicas=$(kubectl get deployment web -n demo -o jsonpath='{.spec.replicas}')"
echo '$ kill -TERM <controller>   # its log:'
kill -TERM "$controller"; wait "$controller" || true; controller=""
cut -c1-160 "$dir/controller.log" | sed 's/^/  | /'
echo '$ plumb history --audit-db ...'
"$bin" history --audit-db "$dir/audit.db"
