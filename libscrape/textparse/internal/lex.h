// Shared scanning helpers of the exposition parsers: Go-compatible number
// parsing and formatting, escapes, and Prometheus's error wording.
//
// Thread safety: stateless functions, safe from any thread.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_LEX_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_LEX_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace vigil::scrape::textparse::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLabelStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool IsLabelChar(char c) { return IsLabelStart(c) || IsDigit(c); }
inline bool IsMetricStart(char c) { return IsLabelStart(c) || c == ':'; }
inline bool IsMetricChar(char c) { return IsLabelChar(c) || c == ':'; }

// Parses a float as Go's strconv.ParseFloat (decimal forms, Inf/Infinity/
// NaN in any case, optional sign) and rejects 'p', 'P' and '_' as
// Prometheus does. On failure returns false and sets `*err` to Go's text
// (`strconv.ParseFloat: parsing "x": invalid syntax`, `... value out of
// range`, `unsupported character in float`). A NaN result is Prometheus's
// canonical NaN bit pattern.
bool ParseFloat(absl::string_view s, double* out, std::string* err);

// Parses a decimal int64 (optional sign) as strconv.ParseInt(s, 10, 64).
bool ParseInt64(absl::string_view s, int64_t* out, std::string* err);

// Go's strconv.FormatFloat(f, 'g', -1, 64).
std::string FormatGoFloat(double f);
// Prometheus's FormatOpenMetricsFloat: Go's form plus ".0" when it has
// neither '.' nor 'e'; "+Inf", "-Inf", "NaN".
std::string FormatOpenMetricsFloat(double f);

// Go's %q of a byte string (model::QuoteString).
std::string Quote(absl::string_view s);

// Resolves \\ \" \n in `s` into `*out` (other escapes kept verbatim, as
// Prometheus does). `help_only` resolves only \\ and \n (text-format HELP).
void Unescape(absl::string_view s, bool help_only, std::string* out);

// True if `s` is valid UTF-8 (ASCII fast path).
bool ValidUtf8(absl::string_view s);

}  // namespace vigil::scrape::textparse::internal

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_INTERNAL_LEX_H_
