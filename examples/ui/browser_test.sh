#!/usr/bin/env bash
# The web UI in real headless Chromium against the real server binary.
#
# Starts //examples:server on a free 127.0.0.1 port with a config that scrapes
# itself (and a node-exporter started here when /usr/bin/prometheus-node-exporter
# exists), waits until `up` has a few samples, then runs browser_test.js
# (playwright-core driving Debian's /usr/bin/chromium). Screenshots go to
# $TEST_UNDECLARED_OUTPUTS_DIR. Skips with a message only when chromium, node
# or node_modules/playwright-core is missing: tools/install_deps.sh installs
# all three. Every process is stopped by PID; every wait is bounded.
set -euo pipefail

root="$TEST_SRCDIR/vigil"
bin="$root/examples/server"
js="$root/examples/ui/browser_test.js"
chromium="${CHROMIUM:-/usr/bin/chromium}"
exporter=/usr/bin/prometheus-node-exporter
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}"

skip() {
  echo "SKIPPED: $1 (run tools/install_deps.sh to install it)"
  exit 0
}
[ -x "$chromium" ] || skip "no Chromium at $chromium"
command -v node >/dev/null || skip "node is not installed"
[ -f "$root/examples/ui/node_modules/playwright-core/package.json" ] ||
  skip "examples/ui/node_modules/playwright-core is missing"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

port=$(free_port)
pools="vigil"
node_job=""
if [ -x "$exporter" ]; then
  nport=$(free_port)
  "$exporter" --web.listen-address="127.0.0.1:$nport" >"$TEST_TMPDIR/node-exporter.log" 2>&1 &
  pids+=($!)
  pools="vigil,node"
  node_job="  - job_name: node
    static_configs:
      - targets: [\"127.0.0.1:$nport\"]"
else
  echo "note: $exporter is absent; scraping the server only"
fi

cat >"$TEST_TMPDIR/rules.yml" <<'EOF'
groups:
  - name: ui-test
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: VigilUp
        expr: up{job="vigil"} == 1
        labels:
          severity: info
        annotations:
          summary: "{{ $labels.instance }} is up"
EOF
cat >"$TEST_TMPDIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ["127.0.0.1:$port"]
  - job_name: dropped
    static_configs:
      - targets: ["127.0.0.1:1"]
    relabel_configs:
      - action: drop
        source_labels: [__address__]
        regex: ".*"
$node_job
EOF

"$bin" --config.file="$TEST_TMPDIR/prometheus.yml" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$TEST_TMPDIR/data" >"$TEST_TMPDIR/server.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$port"

ready=""
for _ in $(seq 1 100); do
  if curl -fsS "$base/-/ready" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "server did not get ready within 10s; log:"; cat "$TEST_TMPDIR/server.log"; exit 1
fi

# Wait (at most 30 s) until every pool's `up` has at least 4 samples.
want=$(echo "$pools" | tr ',' '\n' | wc -l)
enough=""
for _ in $(seq 1 60); do
  n=$(curl -fsS --max-time 5 "$base/api/v1/query" --data-urlencode 'query=count(count_over_time(up[1m]) >= 4)' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' ||
    echo 0)
  if [ "$n" -ge "$want" ] 2>/dev/null; then enough=1; break; fi
  sleep 0.5
done
if [ -z "$enough" ]; then
  echo "up did not get 4 samples per target within 30s; log:"; tail -50 "$TEST_TMPDIR/server.log"; exit 1
fi
echo "server on $base scrapes: $pools"

rc=0
BASE_URL="$base" CHROMIUM="$chromium" USER_DATA_DIR="$TEST_TMPDIR/chromium-profile" OUT_DIR="$out" \
  EXPECT_POOLS="$pools" HOME="$TEST_TMPDIR" timeout -k 5 420 node "$js" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "browser test failed (exit $rc); server log tail:"; tail -30 "$TEST_TMPDIR/server.log"
fi
exit "$rc"
