// Parsing of the HTTP API's request parameters exactly as Prometheus's
// web/api/v1 does: times as float Unix seconds or RFC 3339, durations as
// float seconds or Prometheus durations, and the errors it reports
// (`invalid parameter "step": cannot parse "x" to a valid duration`).
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_API_PARAMS_H_
#define VIGIL_EXAMPLES_SERVER_API_PARAMS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::server {

// A time: "1435781451.781", "4", "2015-07-01T20:10:51.781Z", or
// Prometheus's formatted minimum/maximum times. Returns InvalidArgument
// `cannot parse "x" to a valid timestamp`.
absl::StatusOr<int64_t> ParseTimeMs(absl::string_view s);

// A duration: "15" / "0.5" seconds or "1m30s". Returns InvalidArgument
// `cannot parse "x" to a valid duration`.
absl::StatusOr<int64_t> ParseDurationParamMs(absl::string_view s);

// `invalid parameter "<name>": <message>`, the bad_data text Prometheus
// uses for a parameter that does not parse.
std::string InvalidParam(absl::string_view name, absl::string_view message);

// Go's "%d" grouping used in the 11,000-point message: 11000 -> "11,000".
std::string GroupThousands(int64_t n);

// Decodes a label name given in a URL path, which may be `U__`-escaped for
// UTF-8 names (`U__a_2e_b` is "a.b", `__` is "_"). Returns the input
// unchanged when it does not start with "U__"; InvalidArgument when the
// escape is malformed.
absl::StatusOr<std::string> UnescapeLabelName(absl::string_view s);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_API_PARAMS_H_
