// Timestamps in Vigil's data path are int64 milliseconds since the Unix
// epoch, as in Prometheus. These helpers convert to and from absl::Time and
// parse the forms the HTTP API accepts.

#ifndef VIGIL_MODEL_TIMESTAMP_H_
#define VIGIL_MODEL_TIMESTAMP_H_

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::model {

// Prometheus's MinTime/MaxTime used for open-ended API ranges.
inline constexpr int64_t kMinTimeMs = std::numeric_limits<int64_t>::min() / 2;
inline constexpr int64_t kMaxTimeMs = std::numeric_limits<int64_t>::max() / 2;

inline int64_t ToMillis(absl::Time t) { return absl::ToUnixMillis(t); }
inline absl::Time FromMillis(int64_t ms) { return absl::FromUnixMillis(ms); }
inline int64_t NowMillis() { return absl::ToUnixMillis(absl::Now()); }

// Parses Unix seconds with an optional fraction ("1435781451.781") or an
// RFC 3339 time ("2015-07-01T20:10:51.781Z"). Returns InvalidArgument
// naming the input otherwise (`cannot parse "x" to a valid timestamp`).
absl::StatusOr<int64_t> ParseApiTimeMs(absl::string_view s);

// Milliseconds as seconds with up to three decimals, as the API prints
// sample timestamps: 1435781451.781, 1435781451.
std::string FormatSeconds(int64_t ms);

}  // namespace vigil::model

#endif  // VIGIL_MODEL_TIMESTAMP_H_
