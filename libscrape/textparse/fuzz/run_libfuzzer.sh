#!/bin/sh
# Builds the textparse fuzz target with clang's libFuzzer (+ASan/UBSan)
# against the system Abseil and fuzzes for $1 seconds (default 10).
#
#   libscrape/textparse/fuzz/run_libfuzzer.sh 60
#
# Run from the workspace root.
set -eu
secs="${1:-10}"
root=.
out="${TEST_TMPDIR:-/tmp/vigil-textparse-fuzz}"
mkdir -p "$out/corpus"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ absent; skipping libFuzzer run"
  exit 0
fi
libs="$(pkg-config --libs absl_strings absl_str_format absl_status absl_statusor absl_span 2>/dev/null || true)"
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$root" \
  "$root/libscrape/textparse/fuzz/textparse_fuzzer.cc" \
  "$root/libscrape/textparse/parser.cc" \
  "$root/libscrape/textparse/prom_parser.cc" \
  "$root/libscrape/textparse/openmetrics_parser.cc" \
  "$root/libscrape/textparse/internal/lex.cc" \
  "$root/model/labels.cc" \
  $libs -lxxhash -o "$out/textparse_fuzzer"
printf '\000# TYPE a counter\na{b="c"} 1 2\n' > "$out/corpus/prom"
printf '\001# TYPE a counter\na_total 1 # {t="1"} 2 3\n# EOF\n' > "$out/corpus/om"
"$out/textparse_fuzzer" -max_total_time="$secs" -max_len=4096 \
  -print_final_stats=1 "$out/corpus"
