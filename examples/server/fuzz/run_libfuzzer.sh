#!/bin/sh
# Builds the remote-write fuzz target with clang's libFuzzer (+ASan/UBSan)
# against the system Abseil, protobuf, snappy and RE2 (protoc generates the
# prompb sources) and fuzzes for $1 seconds (default 10). Extra arguments
# go to the fuzzer (e.g. -jobs=2).
#
#   examples/server/fuzz/run_libfuzzer.sh 180
#
# Run from the workspace root. Corpus, generated code and binary:
# $TEST_TMPDIR or /tmp/vigil-remote-write-fuzz.
set -eu
secs="${1:-10}"
[ $# -gt 0 ] && shift
root=.
out="${TEST_TMPDIR:-/tmp/vigil-remote-write-fuzz}"
mkdir -p "$out/corpus" "$out/gen"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ absent; skipping libFuzzer run"
  exit 0
fi
protoc --proto_path="$root" --cpp_out="$out/gen" \
  model/proto/types.proto model/proto/remote.proto
libs="$(pkg-config --libs absl_strings absl_str_format absl_status absl_statusor \
  absl_span protobuf 2>/dev/null || true)"
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$root" -I"$out/gen" \
  "$root/examples/server/fuzz/remote_write_fuzzer.cc" \
  "$root/examples/server/remote_write_handler.cc" \
  "$root/libtsdb/storage/storage.cc" \
  "$root/libweb/http/message.cc" \
  "$root/libweb/http/router.cc" \
  "$root/model/labels.cc" \
  "$out/gen/model/proto/types.pb.cc" \
  "$out/gen/model/proto/remote.pb.cc" \
  $libs -lprotobuf -lsnappy -lre2 -lxxhash -o "$out/remote_write_fuzzer"
# Seeds: a WriteRequest for up{job="node"} with two samples, raw (selector
# 1: compressed by the target) and as a snappy body (selector 0).
printf '\001\n\037\n\014\n\010__name__\022\002up\n\013\n\003job\022\004node\022\013\t\000\000\000\000\000\000\360?\020\001' \
  > "$out/corpus/raw"
printf '\000\001\000' > "$out/corpus/empty_snappy"
"$out/remote_write_fuzzer" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$@" "$out/corpus"
