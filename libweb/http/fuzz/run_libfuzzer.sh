#!/bin/sh
# Builds the HTTP request fuzz target with clang's libFuzzer (+ASan/UBSan)
# against the system Abseil and Boost and fuzzes for $1 seconds (default
# 10). Extra arguments go to the fuzzer (e.g. -jobs=2).
#
#   libweb/http/fuzz/run_libfuzzer.sh 180
#
# Run from the workspace root. Corpus and binary: $TEST_TMPDIR or
# /tmp/vigil-http-fuzz.
set -eu
secs="${1:-10}"
[ $# -gt 0 ] && shift
root=.
out="${TEST_TMPDIR:-/tmp/vigil-http-fuzz}"
mkdir -p "$out/corpus"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ absent; skipping libFuzzer run"
  exit 0
fi
libs="$(pkg-config --libs absl_strings absl_str_format absl_status absl_statusor 2>/dev/null || true)"
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$root" \
  "$root/libweb/http/fuzz/http_request_fuzzer.cc" \
  "$root/libweb/http/request_parser.cc" \
  "$root/libweb/http/message.cc" \
  $libs -o "$out/http_request_fuzzer"
printf '\000GET /api/v1/query?query=up%%7Bjob%%3D%%22a%%22%%7D HTTP/1.1\r\nHost: h\r\n\r\n' \
  > "$out/corpus/get"
printf '\001POST /api/v1/query HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nquery=a+b%%21' \
  > "$out/corpus/form"
printf '\000POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n' \
  > "$out/corpus/chunked"
"$out/http_request_fuzzer" -max_total_time="$secs" -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus"
