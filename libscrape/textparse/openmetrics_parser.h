// The OpenMetrics 1.0 text format (`application/openmetrics-text`), with
// its stricter rules enforced:
//
//   1. The body must end with "# EOF" (optionally followed by one newline);
//      missing -> "data does not end with # EOF", anything after it ->
//      "unexpected data after # EOF".
//   2. Tokens are separated by exactly one space; no tabs, no blank lines,
//      no free comments (only HELP, TYPE, UNIT, EOF).
//   3. Timestamps are seconds (float); they are returned as milliseconds.
//   4. Types: counter, gauge, histogram, gaugehistogram, summary, info,
//      stateset, unknown. Counter samples are `<family>_total` or
//      `<family>_created`; info samples are `<family>_info` with value 1;
//      stateset samples have value 0 or 1.
//   5. `# UNIT` must be a suffix of its family name.
//   6. Exemplars follow a sample: `x_total 1 # {trace_id="a"} 0.5 1.6e9`.
//
// `_created` samples are returned as ordinary series with
// IsCreatedSeries() true. Errors use Prometheus's words prefixed with the
// line number.
//
// Thread safety: a parser is used by one thread at a time.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_OPENMETRICS_PARSER_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_OPENMETRICS_PARSER_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "libscrape/textparse/parser.h"

namespace vigil::scrape::textparse {

// Returns a parser over `body`, which must outlive it. Never fails: errors
// surface from Next().
std::unique_ptr<Parser> NewOpenMetricsParser(absl::string_view body,
                                             const ParserOptions& options = {});

}  // namespace vigil::scrape::textparse

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_OPENMETRICS_PARSER_H_
