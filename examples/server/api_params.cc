#include "examples/server/api_params.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "model/duration.h"
#include "model/timestamp.h"

namespace vigil::server {
namespace {

// Prometheus prints its MinTime/MaxTime this way in API links; both must
// parse back to the open ends of the time range.
constexpr absl::string_view kMinTimeFormatted = "-292273086-05-16T16:47:06Z";
constexpr absl::string_view kMaxTimeFormatted =
    "292277025-08-18T07:12:54.999999999Z";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeMs(absl::string_view s) {
  if (s == kMinTimeFormatted) return model::kMinTimeMs;
  if (s == kMaxTimeFormatted) return model::kMaxTimeMs;
  absl::StatusOr<int64_t> t = model::ParseApiTimeMs(s);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse \"", s, "\" to a valid timestamp"));
  }
  return t;
}

absl::StatusOr<int64_t> ParseDurationParamMs(absl::string_view s) {
  double secs;
  if (absl::SimpleAtod(s, &secs) && !std::isnan(secs)) {
    double ms = secs * 1000.0;
    if (std::isinf(ms) || ms > 9.2e18 || ms < -9.2e18) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot parse \"", s, "\" to a valid duration. It overflows int64"));
    }
    return static_cast<int64_t>(ms);
  }
  absl::StatusOr<int64_t> d = model::ParseDurationMs(s);
  if (d.ok()) return d;
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse \"", s, "\" to a valid duration"));
}

std::string InvalidParam(absl::string_view name, absl::string_view message) {
  return absl::StrCat("invalid parameter \"", name, "\": ", message);
}

std::string GroupThousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

absl::StatusOr<std::string> UnescapeLabelName(absl::string_view s) {
  if (!absl::StartsWith(s, "U__")) return std::string(s);
  absl::string_view rest = s.substr(3);
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '_') {
      out.push_back(rest[i]);
      continue;
    }
    if (i + 1 < rest.size() && rest[i + 1] == '_') {
      out.push_back('_');
      ++i;
      continue;
    }
    size_t end = rest.find('_', i + 1);
    if (end == absl::string_view::npos || end == i + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid escaped label name: \"", s, "\""));
    }
    uint32_t cp = 0;
    for (size_t k = i + 1; k < end; ++k) {
      int h = HexValue(rest[k]);
      if (h < 0 || cp > 0x10FFFF) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid escaped label name: \"", s, "\""));
      }
      cp = cp * 16 + h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid escaped label name: \"", s, "\""));
    }
    AppendUtf8(cp, &out);
    i = end;
  }
  return out;
}

}  // namespace vigil::server
