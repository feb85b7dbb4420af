#!/usr/bin/env bash
# Runs run_libfuzzer.sh from the runfiles tree (the workspace layout it
# expects) and fails on any crash or sanitizer report.
set -euo pipefail
cd "$TEST_SRCDIR/vigil"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "SKIP: clang++ is absent (tools/install_deps.sh installs clang)"
  exit 0
fi
sh libweb/http/fuzz/run_libfuzzer.sh "${1:-10}"
