#!/usr/bin/env bash
# Starts the real binary with the exact argument lists prometheus-operator
# generates (a Prometheus 3.x server with web config, TLS and a Thanos
# sidecar's block durations; the 2.x-era list with console flags and the
# shipper file) and with the prom/prometheus image's default commands
# (3.x, and 2.x with console flags): each one starts, becomes ready, names
# the flags it does not act on in one warning line, and stops cleanly on
# SIGTERM. Paths are moved under TEST_TMPDIR; nothing else is changed.
# Stops every server by PID; each wait is bounded (~15 s).
set -euo pipefail

bin="$TEST_SRCDIR/vigil/examples/server"
tmp="$TEST_TMPDIR"
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
printf 'global:\n  scrape_interval: 15s\n  external_labels:\n    prometheus: monitoring/k8s\n    prometheus_replica: ${POD_NAME}\n' \
  >"$tmp/prometheus.env.yaml"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/tls.key" -out "$tmp/tls.crt" -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
printf 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n' >"$tmp/web-config.yaml"

pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT

# run <name> <scheme> <args...>: start, wait ready, check the warning line,
# SIGTERM, expect exit 0.
run() {
  local name=$1 scheme=$2; shift 2
  local port log curl_args=(-fsS)
  port=$(free_port)
  log="$tmp/$name.log"
  rm -rf "$tmp/data-$name"
  [ "$scheme" = https ] && curl_args+=(--cacert "$tmp/tls.crt")
  POD_NAME=prometheus-k8s-0 "$bin" "$@" --web.listen-address="127.0.0.1:$port" \
    --storage.tsdb.path="$tmp/data-$name" >"$log" 2>&1 &
  pid=$!
  local ok=""
  for _ in $(seq 1 150); do
    if curl "${curl_args[@]}" "$scheme://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ok" ]; then echo "FAIL $name: not ready; log:"; cat "$log"; exit 1; fi
  # The operator reads its replica label back from the config.
  curl "${curl_args[@]}" "$scheme://127.0.0.1:$port/api/v1/status/config" |
    grep -q 'prometheus_replica: prometheus-k8s-0' ||
    { echo "FAIL $name: external label not expanded"; exit 1; }
  local warnings
  warnings=$(grep -c 'flags accepted without effect' "$log" || true)
  if [ "$warnings" -gt 1 ]; then echo "FAIL $name: $warnings warning lines"; exit 1; fi
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" = 0 ] || { echo "FAIL $name: exit $rc; log:"; cat "$log"; exit 1; }
  echo "ok: $name ($(grep -o 'flags accepted without effect[^"]*' "$log" || echo 'no warning'))"
}

# pkg/prometheus/promcfg.go + server/statefulset.go, Prometheus 3.x, with a
# Thanos sidecar (equal block durations) and web config.
run operator-3x https \
  --config.file="$tmp/prometheus.env.yaml" \
  --web.enable-lifecycle \
  --web.enable-remote-write-receiver \
  --web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest \
  --enable-feature=exemplar-storage \
  --web.route-prefix=/ \
  --storage.tsdb.retention.time=24h \
  --web.enable-admin-api \
  --web.config.file="$tmp/web-config.yaml" \
  --storage.tsdb.max-block-duration=2h \
  --storage.tsdb.min-block-duration=2h \
  --no-storage.tsdb.allow-overlapping-compaction

# The same operator for a 2.x image: console flags, the shipper file.
run operator-2x http \
  --web.console.templates=/etc/prometheus/consoles \
  --web.console.libraries=/etc/prometheus/console_libraries \
  --config.file="$tmp/prometheus.env.yaml" \
  --web.enable-lifecycle \
  --storage.tsdb.retention.time=24h \
  --storage.tsdb.delay-compact-file.path="$tmp/thanos.shipper.json" \
  --storage.tsdb.allow-overlapping-blocks \
  --web.route-prefix=/

# prom/prometheus's default CMD: 3.x, then 2.x with the console flags.
run image-3x http --config.file="$tmp/prometheus.env.yaml"
run image-2x http --config.file="$tmp/prometheus.env.yaml" \
  --web.console.libraries=/usr/share/prometheus/console_libraries \
  --web.console.templates=/usr/share/prometheus/consoles
echo PASS
