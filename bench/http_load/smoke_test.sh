#!/bin/bash
# A short run of http_load.py against Vigil only (10 clients, 100 idle
# connections, 5 s keep-alive + 5 s pipelined): fails unless every request
# is answered 200, every idle connection stays open and scraping keeps its
# 1 s interval. Run by //examples:http_load_smoke_test.
set -euo pipefail
cd "$TEST_SRCDIR/vigil"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 bench/http_load/http_load.py --servers vigil --vigil examples/server \
  --clients 10 --idle 100 --duration 5 --pipelined-duration 5 --check
