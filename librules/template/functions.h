// The formatting functions Prometheus offers in alert and console
// templates (template/template.go), usable on their own: humanize,
// humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp,
// title, stripPort, stripDomain, reReplaceAll, and Go's fmt.Sprintf.
//
// They follow Go's output byte for byte where tests pin it down: Go's
// "%.4g" (NaN, +Inf), strings.Title, regexp.ReplaceAllString's `$1` and
// `${name}` expansion, time.Time.String() in UTC.
//
// Thread safety: all functions are pure and may be called concurrently.

#ifndef VIGIL_LIBRULES_TEMPLATE_FUNCTIONS_H_
#define VIGIL_LIBRULES_TEMPLATE_FUNCTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "librules/template/value.h"

namespace vigil::rules::tmpl {

// Go's fmt.Sprintf over template values: verbs v s d f F e E g G q x X t c %
// with flags "-+# 0", width and precision; Go's `%!d(float64=1.5)`,
// `%!s(MISSING)` and `%!(EXTRA ...)` notes for mismatches.
std::string GoSprintf(absl::string_view format, const std::vector<Value>& args);

// Go's fmt "%.4g" of v ("NaN", "+Inf", "-Inf" for the specials).
std::string FormatG4(double v);

// Converts a template argument to float64 as Prometheus's convertToFloat
// does: floats and ints as is, strings through strconv.ParseFloat.
// InvalidArgument `strconv.ParseFloat: parsing "x": invalid syntax` else.
absl::StatusOr<double> ConvertToFloat(const Value& v);

std::string Humanize(double v);
std::string Humanize1024(double v);
std::string HumanizeDuration(double seconds);
std::string HumanizePercentage(double ratio);
// Unix seconds as Go's time.Time.String() in UTC:
// "2006-01-02 15:04:05.123 +0000 UTC" (millisecond precision).
std::string HumanizeTimestamp(double seconds);

// strings.Title: upper-cases the first letter of each word.
std::string Title(absl::string_view s);
std::string ToUpper(absl::string_view s);
std::string ToLower(absl::string_view s);

// Drops a ":port" suffix ("host:9090" -> "host", "[::1]:80" -> "::1");
// returns the input unchanged when it has no port.
std::string StripPort(absl::string_view hostport);
// Drops everything from the first dot of the host part, keeping the port.
std::string StripDomain(absl::string_view hostport);

// regexp.MustCompile(pattern).ReplaceAllString(text, repl), with Go's
// `$1`, `${1}`, `$name`, `${name}` and `$$` expansion. InvalidArgument when
// the pattern does not compile.
absl::StatusOr<std::string> ReReplaceAll(absl::string_view pattern,
                                         absl::string_view repl,
                                         absl::string_view text);
// regexp.MatchString: true when the pattern matches anywhere in text.
absl::StatusOr<bool> RegexMatch(absl::string_view pattern,
                                absl::string_view text);

// url.QueryEscape.
std::string QueryEscape(absl::string_view s);

}  // namespace vigil::rules::tmpl

#endif  // VIGIL_LIBRULES_TEMPLATE_FUNCTIONS_H_
