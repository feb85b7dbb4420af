// libFuzzer target for the server's request path: bytes -> Boost.Beast's
// request parser under the server's limits -> Request (path decoding, query
// and form parameters), through ParseRequest, which Server shares. The
// first input byte picks the limits (bit 0 set: small ones, so the 431 and
// 413 paths are reached; clear: the server's defaults); the rest is what a
// client sent, possibly several pipelined requests, parsed one after the
// other as a connection would.
//
// Built two ways: by http_request_fuzz_test (a gtest driver feeding it
// mutated seeds under `bazel test`) and by run_libfuzzer.sh with
// clang -fsanitize=fuzzer for open-ended fuzzing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "libweb/http/message.h"
#include "libweb/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  vigil::web::RequestLimits limits;
  if (data[0] & 1) {
    limits.max_header_bytes = 512;
    limits.max_body_bytes = 256;
  }
  // A copy of exactly `size - 1` bytes, so reads past the end are caught.
  const std::string wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::string_view rest = wire;
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    size_t used = 0;
    absl::StatusOr<vigil::web::Request> r = vigil::web::ParseRequest(rest, limits, &used);
    if (!r.ok()) {
      switch (r.status().code()) {
        case absl::StatusCode::kOutOfRange:
        case absl::StatusCode::kResourceExhausted:
        case absl::StatusCode::kInvalidArgument:
          return 0;  // the server answers or closes; the connection ends
        default:
          std::abort();
      }
    }
    if (used == 0 || used > rest.size()) std::abort();
    const vigil::web::Request& req = *r;
    if (req.method.empty() || req.target.empty()) std::abort();
    if (req.body.size() > limits.max_body_bytes) std::abort();
    if (req.body.size() > used) std::abort();
    // Without escapes the path is the target up to its query.
    absl::string_view raw_path = absl::string_view(req.target).substr(0, req.target.find('?'));
    if (raw_path.find('%') == absl::string_view::npos && req.path != raw_path) std::abort();
    if (req.path.size() > raw_path.size()) std::abort();
    for (const auto& [name, value] : req.params) {
      if (!req.HasParam(name)) std::abort();
      (void)value.size();
    }
    (void)req.Header("Content-Type").size();
    (void)req.Param("query").size();
    rest.remove_prefix(used);
  }
  return 0;
}
