#include "model/timestamp.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vigil::model {

absl::StatusOr<int64_t> ParseApiTimeMs(absl::string_view s) {
  double secs;
  if (absl::SimpleAtod(s, &secs) && std::isfinite(secs)) {
    // Round to milliseconds the way Prometheus does: whole seconds plus the
    // fraction rounded to three decimals.
    double whole = std::trunc(secs);
    double frac = std::round((secs - whole) * 1000.0);
    if (std::fabs(whole) < 9.2e15) {
      return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(frac);
    }
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse \"", s, "\" to a valid timestamp"));
}

std::string FormatSeconds(int64_t ms) {
  if (ms < 0) return absl::StrCat("-", FormatSeconds(-ms));
  int64_t secs = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem == 0) return absl::StrCat(secs);
  std::string frac = absl::StrFormat("%03d", rem);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return absl::StrCat(secs, ".", frac);
}

}  // namespace vigil::model
