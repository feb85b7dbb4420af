#!/bin/bash
# Bytes per sample on disk, Vigil against Prometheus 2.42, for the same
# samples: the node-exporter replay (bench/node_exporter_replay.h) written
# by Vigil's DB and by `promtool tsdb create-blocks-from openmetrics`.
# Prints both figures; fails when Vigil's blocks are larger than
# Prometheus's by more than 1%.
#
#   bazel test //bench:tsdb_size_vs_prometheus_test   (2h, one block)
#   bench/tsdb_size_vs_prometheus.sh [hours]          (after a build)
set -euo pipefail

hours="${1:-2}"
if ! command -v promtool >/dev/null; then
  echo "SKIP: promtool not installed (Debian package prometheus)"
  exit 0
fi
here="${TEST_SRCDIR:-}"
if [[ -n "$here" ]]; then
  compare="$TEST_SRCDIR/vigil/bench/tsdb_size_compare"
  fixture="$TEST_SRCDIR/vigil/bench/testdata/node_exporter_15s.tsv"
  out="$TEST_TMPDIR/size"
else
  root="$(cd "$(dirname "$0")/.." && pwd)"
  compare="$root/bazel-bin/bench/tsdb_size_compare"
  fixture="$root/bench/testdata/node_exporter_15s.tsv"
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
rm -rf "$out" && mkdir -p "$out"

read -r _ samples _ vigil _ vigil_chunks < <("$compare" "$fixture" "$out" "$hours")
promtool tsdb create-blocks-from openmetrics "$out/data.om" "$out/prom" >/dev/null
prom=$(find "$out/prom" -mindepth 2 \( -name index -o -name meta.json -o -name tombstones -o -path '*/chunks/*' \) -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
prom_chunks=$(find "$out/prom" -path '*/chunks/*' -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
prom_blocks=$(find "$out/prom" -name meta.json | wc -l)
vigil_blocks=$(find "$out/vigil" -name meta.json | wc -l)

python3 - "$samples" "$vigil" "$vigil_chunks" "$vigil_blocks" "$prom" "$prom_chunks" "$prom_blocks" "$hours" <<'PY'
import sys
n, v, vc, vb, p, pc, pb, h = (int(x) for x in sys.argv[1:])
print(f"node-exporter replay, {h}h, {n} samples")
print(f"vigil:      {v/n:.3f} bytes/sample ({vc/n:.3f} in chunks), {vb} block(s)")
print(f"prometheus: {p/n:.3f} bytes/sample ({pc/n:.3f} in chunks), {pb} block(s)")
if v > p * 1.01:
    print("FAIL: Vigil's blocks are more than 1% larger than Prometheus's")
    sys.exit(1)
PY
