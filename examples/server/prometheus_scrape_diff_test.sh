#!/usr/bin/env bash
# Differential scrape test against the real Prometheus 2.42 (Debian): both
# servers scrape the same deterministic fixture targets with the same
# config, then the same API requests must answer the same JSON up to
# ordering and float tolerance. examples/testdata/scrape_diff.py explains
# how two independent scrapers are made comparable. Every process binds
# 127.0.0.1 on a free port and is stopped by PID; every wait is bounded.
# Skips (passes with a message) when /usr/bin/prometheus is absent.
set -euo pipefail
PROM=${PROMETHEUS_BIN:-/usr/bin/prometheus}
if [ ! -x "$PROM" ]; then
  echo "SKIP: $PROM not installed"; exit 0
fi
testdata="$TEST_SRCDIR/vigil/examples/testdata"
exec python3 "$testdata/scrape_diff.py" --prometheus "$PROM" \
  --vigil "$TEST_SRCDIR/vigil/examples/server" \
  --fixture "$testdata/diff_fixture.py" --tmp "$TEST_TMPDIR"
