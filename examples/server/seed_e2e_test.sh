#!/usr/bin/env bash
# The seed's prometheus.yml and prometheus.rules, unchanged, on the real
# server binary against a fake Kubernetes cluster (examples/testdata/
# seed_e2e.py has the details and the checks).
#
# The seed is written for a pod: in-cluster Kubernetes config (the
# KUBERNETES_SERVICE_* variables and the service account under
# /var/run/secrets/kubernetes.io/serviceaccount/), rules at
# /etc/prometheus/prometheus.rules, and cluster DNS names. Instead of
# changing the seed or the server, this test gives the server the same view
# a pod has: it re-runs itself in private network and mount namespaces
# (unshare) with its own loopback, /etc/hosts naming the seed's services,
# the seed's files mounted at /etc/prometheus and a tmpfs at /run for the
# service account. Nothing outside the namespaces is touched.
#
# Skips (passes with a message) when ../shared/seed is absent, when
# prometheus-node-exporter is not installed, or when namespaces cannot be
# created (neither root nor unprivileged user namespaces).
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
  seed=""
  for d in "$TEST_SRCDIR/vigil_shared/seed" "$TEST_SRCDIR/vigil/external/vigil_shared/seed"; do
    [ -f "$d/prometheus.yml" ] && { seed="$d"; break; }
  done
  if [ -z "$seed" ]; then echo "SKIP: ../shared/seed is absent"; exit 0; fi
  if [ ! -x /usr/bin/prometheus-node-exporter ]; then
    echo "SKIP: /usr/bin/prometheus-node-exporter not installed"; exit 0
  fi
  if [ ! -d /etc/prometheus ]; then
    echo "SKIP: no /etc/prometheus directory to mount the seed's files on"; exit 0
  fi
  ns=(unshare --net --mount --propagation private)
  if ! "${ns[@]}" true 2>/dev/null; then
    ns=(unshare --map-root-user --net --mount --propagation private)
    if ! "${ns[@]}" true 2>/dev/null; then
      echo "SKIP: cannot create network and mount namespaces (unshare)"; exit 0
    fi
  fi
  export SEED_DIR="$seed"
  exec "${ns[@]}" "$0" --inside
fi

# Inside the namespaces.
tmp="$TEST_TMPDIR"
ip link set lo up
mkdir -p "$tmp/etc-prometheus"
cp "$SEED_DIR/prometheus.yml" "$SEED_DIR/prometheus.rules" "$tmp/etc-prometheus/"
cmp "$SEED_DIR/prometheus.yml" "$tmp/etc-prometheus/prometheus.yml"
cmp "$SEED_DIR/prometheus.rules" "$tmp/etc-prometheus/prometheus.rules"
mount --bind "$tmp/etc-prometheus" /etc/prometheus
cat >"$tmp/hosts" <<'HOSTS'
127.0.0.1 localhost
127.0.0.1 kubernetes.default.svc kubernetes.default.svc.cluster.local
127.0.0.1 kube-state-metrics.kube-system.svc.cluster.local
127.0.0.1 alertmanager.monitoring.svc alertmanager.monitoring.svc.cluster.local
::1 localhost ip6-localhost ip6-loopback
HOSTS
mount --bind "$tmp/hosts" /etc/hosts
mount -t tmpfs -o size=16m,mode=755 tmpfs /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount

testdata="$TEST_SRCDIR/vigil/examples/testdata"
exec python3 "$testdata/seed_e2e.py" --server "$TEST_SRCDIR/vigil/examples/server" \
  --cluster "$testdata/seed_cluster.py" --tmp "$tmp"
