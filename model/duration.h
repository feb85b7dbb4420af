// Prometheus duration strings: "1h30m", "5s", "2d", "500ms", "1y".
//
// Units are y (365d), w, d, h, m, s, ms, each at most once and in that
// order, with non-negative integer counts; "0" alone means zero. This is
// the syntax of prometheus.yml (`scrape_interval: 15s`), rule files and
// PromQL range selectors.

#ifndef VIGIL_MODEL_DURATION_H_
#define VIGIL_MODEL_DURATION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::model {

// Returns the duration in milliseconds, or InvalidArgument with
// Prometheus's text (`not a valid duration string: "1x"`, `empty duration
// string`, `duration out of range`).
absl::StatusOr<int64_t> ParseDurationMs(absl::string_view s);
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view s);

// The canonical form Prometheus prints: largest units first, zero parts
// omitted, "0s" for zero. Negative values get a leading '-'.
std::string FormatDurationMs(int64_t ms);
std::string DurationString(absl::Duration d);

}  // namespace vigil::model

#endif  // VIGIL_MODEL_DURATION_H_
