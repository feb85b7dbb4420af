#!/usr/bin/env bash
# Runs Vigil's whole test suite on a fresh Debian 12 machine: installs what
# is missing, then `bazel test //...` (unit tests, integration tests against
# real Prometheus/Alertmanager/node-exporter, benchmark smoke runs, PromQL
# conformance). Ends with one line "N passed, N failed", counted from the
# per-target results, and exits non-zero on any failure.
#
# Extra arguments go to `bazel test` (e.g. --config=asan, or a target list
# after `--`).
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/install_deps.sh || { echo "0 passed, 1 failed (dependency install)"; exit 1; }

targets=("//...")
args=()
for a in "$@"; do
  if [ "$a" = "--" ]; then targets=(); continue; fi
  if [ ${#targets[@]} -eq 0 ] || [[ "$a" == //* ]]; then
    [[ "$a" == //* ]] && { targets+=("$a"); continue; }
  fi
  args+=("$a")
done
[ ${#targets[@]} -eq 0 ] && targets=("//...")

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bazel test --keep_going --nocache_test_results --test_summary=short ${args[@]+"${args[@]}"} -- "${targets[@]}" 2>&1 | tee "$log"
bazel_rc=${PIPESTATUS[0]}

# Conformance figures printed by the runners, repeated here for the record.
for f in bazel-testlogs/libpromql/promqltest/conformance_test/test.log; do
  if [ -f "$f" ]; then
    echo "PromQL conformance (Prometheus v3.14 scripts):"
    grep -E '^(TOTAL|EXTRA CHECKS)|Skipped|is absent' "$f" | sed 's/^/  /' || true
  fi
done

# Per-target verdicts from the summary lines: "//pkg:target  (cached) PASSED in 0.1s".
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|INCOMPLETE|NO STATUS|FAILED TO BUILD)' "$log")
if [ "$bazel_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build broke before any test could report (e.g. a BUILD file error).
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bazel_rc" -eq 0 ]
