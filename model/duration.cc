#include "model/duration.h"

#include <limits>

#include "absl/strings/str_cat.h"

namespace vigil::model {
namespace {

struct Unit {
  absl::string_view name;
  int64_t ms;
};

// In the order they must appear. "ms" precedes "m" when matching.
constexpr Unit kUnits[] = {
    {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},       {"h", 3600LL * 1000},
    {"m", 60LL * 1000},              {"s", 1000},
    {"ms", 1},
};
constexpr int kNumUnits = sizeof(kUnits) / sizeof(kUnits[0]);

absl::Status Invalid(absl::string_view s) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a valid duration string: \"", s, "\""));
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view s) {
  if (s.empty()) return absl::InvalidArgumentError("empty duration string");
  if (s == "0") return 0;
  int64_t total = 0;
  int next_unit = 0;  // index of the first unit still allowed
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        return absl::InvalidArgumentError("duration out of range");
      }
      n = n * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return Invalid(s);
    // Longest unit name matching here ("ms" before "m").
    int unit = -1;
    for (int u = 0; u < kNumUnits; ++u) {
      absl::string_view name = kUnits[u].name;
      if (s.substr(i, name.size()) == name &&
          (unit < 0 || name.size() > kUnits[unit].name.size())) {
        unit = u;
      }
    }
    if (unit < next_unit) return Invalid(s);
    i += kUnits[unit].name.size();
    next_unit = unit + 1;
    if (n > std::numeric_limits<int64_t>::max() / kUnits[unit].ms ||
        total > std::numeric_limits<int64_t>::max() - n * kUnits[unit].ms) {
      return absl::InvalidArgumentError("duration out of range");
    }
    total += n * kUnits[unit].ms;
  }
  return total;
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view s) {
  absl::StatusOr<int64_t> ms = ParseDurationMs(s);
  if (!ms.ok()) return ms.status();
  return absl::Milliseconds(*ms);
}

std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    rest = 0 - rest;
  }
  for (const Unit& u : kUnits) {
    uint64_t n = rest / static_cast<uint64_t>(u.ms);
    if (n == 0) continue;
    absl::StrAppend(&out, n, u.name);
    rest -= n * static_cast<uint64_t>(u.ms);
  }
  return out;
}

std::string DurationString(absl::Duration d) {
  return FormatDurationMs(absl::ToInt64Milliseconds(d));
}

}  // namespace vigil::model
