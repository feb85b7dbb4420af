#!/usr/bin/env bash
# Interop and differential test against the real Prometheus 2.42 (Debian):
#  1. Prometheus scrapes a fixture target and remote-writes everything to
#     Vigil (--web.enable-remote-write-receiver): the samples arrive.
#  2. Differential: the same API requests (queries, ranges, series, labels,
#     errors) to Prometheus and to Vigil, which now hold the same samples,
#     give the same JSON up to ordering and float tolerance.
#  3. A second Prometheus with `remote_read` pointed at Vigil (it asks for
#     STREAMED_XOR_CHUNKS) reads Vigil's data back.
# Every process binds 127.0.0.1 on a free port and is stopped by PID.
# Skips (passes with a message) when /usr/bin/prometheus is absent.
set -euo pipefail

PROM=${PROMETHEUS_BIN:-/usr/bin/prometheus}
if [ ! -x "$PROM" ]; then
  echo "SKIP: $PROM not installed"; exit 0
fi
bin="$TEST_SRCDIR/vigil/examples/server"
testdata="$TEST_SRCDIR/vigil/examples/testdata"
tmp="$TEST_TMPDIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url, tries of 0.1 s
  for _ in $(seq 1 "${2:-150}"); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $1"; return 1
}
query() {  # base, promql -> first value or empty
  curl -fsS --data-urlencode "query=$2" "$1/api/v1/query" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

# Fixture target.
python3 "$testdata/fixture_target.py" 0 >"$tmp/fixture.port" 2>"$tmp/fixture.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$tmp/fixture.port" ] && break; sleep 0.1; done
fport=$(head -1 "$tmp/fixture.port")

# Vigil: receives remote write, scrapes nothing.
vport=$(free_port)
printf 'global:\n  scrape_interval: 1s\n' >"$tmp/vigil.yml"
"$bin" --config.file="$tmp/vigil.yml" --storage.tsdb.path="$tmp/vigil-data" \
  --web.listen-address="127.0.0.1:$vport" --web.enable-remote-write-receiver \
  >"$tmp/vigil.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$vport/-/ready"

# Prometheus 2.42: scrapes the fixture every second, writes to Vigil.
pport=$(free_port)
cat >"$tmp/prom.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: fixture
    static_configs: [{targets: ["127.0.0.1:$fport"]}]
remote_write:
  - url: http://127.0.0.1:$vport/api/v1/write
    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 500ms}
YML
"$PROM" --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/prom-data" \
  --web.listen-address="127.0.0.1:$pport" >"$tmp/prom.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pport/-/ready"

V="http://127.0.0.1:$vport"
P="http://127.0.0.1:$pport"
# 1. Samples arrive at Vigil.
got=""
for _ in $(seq 1 150); do
  got=$(query "$V" 'count(fixture_requests_total)' || true)
  [ "$got" = "3" ] && break
  sleep 0.2
done
if [ "$got" != "3" ]; then
  echo "remote write did not arrive (got '$got')"; tail -20 "$tmp/prom.log"; tail -20 "$tmp/vigil.log"; exit 1
fi
echo "remote write: Vigil holds the 3 fixture_requests_total series from Prometheus"

# Let ~25 s of data accumulate, then compare at a time both have fully.
sleep 25
t=$(python3 -c 'import time; print("%.3f" % (time.time() - 5))')
# Both must hold the same number of samples up to t before comparing.
same=""
for _ in $(seq 1 50); do
  a=$(curl -fsS --data-urlencode "query=count_over_time(up[10m])" --data-urlencode "time=$t" "$P/api/v1/query")
  b=$(curl -fsS --data-urlencode "query=count_over_time(up[10m])" --data-urlencode "time=$t" "$V/api/v1/query")
  [ "$a" = "$b" ] && { same=1; break; }
  sleep 0.2
done
[ -n "$same" ] || { echo "Vigil never caught up: $a vs $b"; exit 1; }

# 2. Differential.
python3 "$testdata/compare_api.py" "$P" "$V" "$t"

# 3. Prometheus reads Vigil back through remote_read (streamed XOR chunks).
p2port=$(free_port)
cat >"$tmp/prom2.yml" <<YML
global:
  scrape_interval: 1m
remote_read:
  - url: http://127.0.0.1:$vport/api/v1/read
    read_recent: true
YML
"$PROM" --config.file="$tmp/prom2.yml" --storage.tsdb.path="$tmp/prom2-data" \
  --web.listen-address="127.0.0.1:$p2port" >"$tmp/prom2.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$p2port/-/ready"
P2="http://127.0.0.1:$p2port"
want=$(curl -fsS --data-urlencode "query=count_over_time(fixture_temperature[10m])" --data-urlencode "time=$t" "$P/api/v1/query")
have=$(curl -fsS --data-urlencode "query=count_over_time(fixture_temperature[10m])" --data-urlencode "time=$t" "$P2/api/v1/query")
echo "via remote read: $have"
python3 - "$want" "$have" <<'PY'
import json, sys
a, b = (json.loads(x)["data"]["result"] for x in sys.argv[1:3])
va = [(tuple(sorted(s["metric"].items())), s["value"][1]) for s in a]
vb = [(tuple(sorted(s["metric"].items())), s["value"][1]) for s in b]
assert va and va == vb, (va, vb)
print("remote read: same", va)
PY
echo PASS
