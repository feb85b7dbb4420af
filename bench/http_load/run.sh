#!/bin/bash
# The HTTP load test, Vigil beside Prometheus (see http_load.py): builds the
# server with -c opt, then runs 50 clients (keep-alive, then pipelined x8)
# for 30 s + 20 s against each server with 1,000 idle keep-alive
# connections open, and prints p50/p99, requests per second and whether
# scraping kept its 1 s interval. About 2 minutes.
#
#   bench/http_load/run.sh                    # from the workspace root
#   bench/http_load/run.sh --no-build --servers vigil --duration 10
#
# Prometheus is /usr/bin/prometheus (Debian package prometheus); it is
# skipped when absent. Arguments after the options below go to http_load.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=1
if [[ "${1:-}" == "--no-build" ]]; then
  build=0
  shift
fi
vigil=bazel-out/k8-opt/bin/examples/server
if [[ $build == 1 ]]; then
  bazel build -c opt //examples:server
fi
if ! command -v prometheus >/dev/null; then
  echo "note: prometheus is not installed (apt-get install prometheus); Vigil only"
fi
ulimit -n "$(ulimit -Hn)"
exec python3 bench/http_load/http_load.py --vigil "$vigil" "$@"
