// Internal helpers shared by the PromQL lexer, parser and printer: Go-style
// number parsing and formatting, string unquoting, positions.
// Logically private to //libpromql/parser.

#ifndef VIGIL_LIBPROMQL_PARSER_INTERNAL_PARSE_UTIL_H_
#define VIGIL_LIBPROMQL_PARSER_INTERNAL_PARSE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::promql::parser::internal {

// "line:col" (1-based, columns in bytes) of byte offset `pos` in `input`, as
// Prometheus's PositionRange.StartPosInput prints it.
std::string PositionString(absl::string_view input, int pos);

// A NUMBER token's value: decimal, hex (0x1F), octal (017), Inf, NaN, with
// Go's '_' digit separators. InvalidArgument "error parsing number: ...".
absl::StatusOr<double> ParseNumber(absl::string_view text);

// The value of a STRING token (quotes included): "..." and '...' with Go
// escapes, `...` raw. InvalidArgument on a malformed escape.
absl::StatusOr<std::string> Unquote(absl::string_view text);

// Appends code point `cp` to `out` in UTF-8.
void AppendUtf8(std::string* out, uint32_t cp);

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-tripping digits
// without exponent; "+Inf", "-Inf", "NaN".
std::string FormatFloat(double v);

// Go's fmt "%v" for a float64: shortest digits, exponent form ("1e+21",
// "1e-05") outside [1e-4, 1e21).
std::string FormatFloatG(double v);

// Go's fmt "%f".
std::string GoFormatF(double v);

}  // namespace vigil::promql::parser::internal

#endif  // VIGIL_LIBPROMQL_PARSER_INTERNAL_PARSE_UTIL_H_
