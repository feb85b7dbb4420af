#!/usr/bin/env bash
# Starts the real binary on a free loopback port: health, readiness, a query,
# SIGHUP reload (a broken config is refused and the old one keeps serving, a
# fixed one is taken), the lifecycle API refusing without its flag, a bad
# config at start, and a clean SIGTERM shutdown. Stops the server by PID.
# Bounded: every wait polls at most ~10 s.
set -euo pipefail

bin="$TEST_SRCDIR/vigil/examples/server"
config="$TEST_SRCDIR/vigil/examples/prometheus.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$TEST_TMPDIR/server.log"
cfg="$TEST_TMPDIR/prometheus.yml"
cp "$config" "$cfg"
chmod u+w "$cfg"
base="http://127.0.0.1:$port"

"$bin" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$TEST_TMPDIR/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

ok=""
for _ in $(seq 1 100); do
  if body=$(curl -fsS "$base/-/ready" 2>/dev/null); then ok=1; break; fi
  sleep 0.1
done
[ -n "$ok" ] || { echo "server did not become ready; log:"; cat "$log"; exit 1; }
body=$(curl -fsS "$base/-/healthy")
echo "healthy: $body"
case "$body" in *Healthy*) ;; *) echo "unexpected body"; exit 1 ;; esac

json_get() {  # url, python expression over `d`
  curl -fsS "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}
[ "$(json_get "$base/api/v1/query?query=1%2B1&time=4" 'd["data"]["result"]')" = "[4, '2']" ] ||
  { echo "1+1 failed"; exit 1; }
[ "$(json_get "$base/api/v1/status/buildinfo" 'd["status"]')" = success ]

# Discovery hands the two static targets to the scrape manager (<= ~5 s).
n=0
for _ in $(seq 1 100); do
  n=$(json_get "$base/api/v1/targets" 'len(d["data"]["activeTargets"])')
  [ "$n" = 2 ] && break
  sleep 0.1
done
[ "$n" = 2 ] || { echo "expected 2 active targets, got $n"; exit 1; }

# SIGHUP with a broken config: refused, the server keeps serving.
printf 'scrape_configs:\n  - job_name: x\n    nonsense: 1\n' >"$cfg"
kill -HUP "$pid"
state=""
for _ in $(seq 1 100); do
  state=$(json_get "$base/api/v1/status/runtimeinfo" 'd["data"]["reloadConfigSuccess"]')
  [ "$state" = False ] && break
  sleep 0.1
done
[ "$state" = False ] || { echo "broken config was not refused"; cat "$log"; exit 1; }
grep -q 'field nonsense not found' "$log" || { echo "reload error not logged"; cat "$log"; exit 1; }
[ "$(json_get "$base/api/v1/targets" 'len(d["data"]["activeTargets"])')" = 2 ]

# Fixed config: taken.
printf 'global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: only\n    static_configs: [{targets: ["127.0.0.1:1"]}]\n' >"$cfg"
kill -HUP "$pid"
for _ in $(seq 1 100); do
  state=$(json_get "$base/api/v1/status/runtimeinfo" 'd["data"]["reloadConfigSuccess"]')
  [ "$state" = True ] && break
  sleep 0.1
done
[ "$state" = True ] || { echo "fixed config was not taken"; cat "$log"; exit 1; }
for _ in $(seq 1 100); do
  pools=$(json_get "$base/api/v1/targets" '",".join(sorted({t["scrapePool"] for t in d["data"]["activeTargets"]}))')
  [ "$pools" = only ] && break
  sleep 0.1
done
[ "$pools" = only ] || { echo "targets after reload: $pools"; exit 1; }

# Lifecycle API is off without --web.enable-lifecycle.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/-/reload")
[ "$code" = 403 ] || { echo "/-/reload answered $code"; exit 1; }

# A bad config file is refused at start with its position.
printf 'global:\n  scrape_interval: [\n' > "$TEST_TMPDIR/bad.yml"
if "$bin" --config.file="$TEST_TMPDIR/bad.yml" --web.listen-address=127.0.0.1:0 2>"$TEST_TMPDIR/bad.log"; then
  echo "server accepted a broken config"; exit 1
fi
grep -q 'bad.yml:3:1' "$TEST_TMPDIR/bad.log" || { cat "$TEST_TMPDIR/bad.log"; exit 1; }
# Unknown flags are a usage error.
if "$bin" --no-such-flag 2>/dev/null; then echo "unknown flag accepted"; exit 1; fi

kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "server did not stop on SIGTERM"; exit 1; fi
wait "$pid" || { echo "server exited with $?"; cat "$log"; exit 1; }
grep -q 'See you next time' "$log"
trap - EXIT
echo "PASS"
