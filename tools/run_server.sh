#!/usr/bin/env bash
# Runs the Vigil server on a fresh Debian 12 machine: installs what is
# missing, builds optimized, and starts it with Prometheus's flags.
#   ./tools/run_server.sh                       # examples/prometheus.yml, :9090
#   ./tools/run_server.sh --config.file=/etc/prometheus/prometheus.yml
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install_deps.sh
args=("$@")
have_config=""
for a in "$@"; do [[ "$a" == --config.file* ]] && have_config=1; done
[ -z "$have_config" ] && args=("--config.file=$PWD/examples/prometheus.yml" "${args[@]}")
exec bazel run -c opt //examples:server -- "${args[@]}"
