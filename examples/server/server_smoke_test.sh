#!/usr/bin/env bash
# Starts the example server on a free loopback port, checks /-/healthy and
# /-/ready, and stops it by PID. Bounded: at most ~10 s of polling.
set -euo pipefail

bin="$TEST_SRCDIR/vigil/examples/server"
config="$TEST_SRCDIR/vigil/examples/prometheus.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$TEST_TMPDIR/server.log"

"$bin" --config.file="$config" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$TEST_TMPDIR/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

ok=""
for _ in $(seq 1 100); do
  if body=$(curl -fsS "http://127.0.0.1:$port/-/healthy" 2>/dev/null); then
    ok=1
    break
  fi
  sleep 0.1
done
if [ -z "$ok" ]; then
  echo "server did not answer /-/healthy; log:"; cat "$log"; exit 1
fi
echo "healthy: $body"
case "$body" in *Healthy*) ;; *) echo "unexpected body"; exit 1 ;; esac
curl -fsS "http://127.0.0.1:$port/-/ready" | grep -q Ready

# A bad config file is refused with its line and column.
printf 'global:\n  scrape_interval: [\n' > "$TEST_TMPDIR/bad.yml"
if "$bin" --config.file="$TEST_TMPDIR/bad.yml" --web.listen-address=127.0.0.1:0 2>"$TEST_TMPDIR/bad.log"; then
  echo "server accepted a broken config"; exit 1
fi
grep -q 'bad.yml:3:1' "$TEST_TMPDIR/bad.log" || { cat "$TEST_TMPDIR/bad.log"; exit 1; }

kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "server did not stop on SIGTERM"; exit 1; fi
trap - EXIT
echo "PASS"
