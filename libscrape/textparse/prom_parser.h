// The Prometheus text exposition format, versions 0.0.4 and 1.0.0
// (`text/plain; version=...`): `# HELP`, `# TYPE`, free comments, samples
// `name{label="value",...} value [timestamp_ms]`, label escapes \\ \" \n,
// values in Go float syntax incl. NaN and +Inf/-Inf, and the UTF-8 quoted
// names of 1.0.0 (`{"my.metric", "a.b"="v"}`, `# HELP "my.metric" ...`).
//
// Blank lines and spaces/tabs between tokens are allowed, as in Prometheus.
// Errors use Prometheus's words prefixed with the line number, e.g.
// `line 3: expected value after metric, got "\n" ("INVALID") while
// parsing: "foo\n"`.
//
// Thread safety: a parser is used by one thread at a time.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_PROM_PARSER_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_PROM_PARSER_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "libscrape/textparse/parser.h"

namespace vigil::scrape::textparse {

// Returns a parser over `body`, which must outlive it. Never fails: errors
// surface from Next().
std::unique_ptr<Parser> NewPromParser(absl::string_view body,
                                      const ParserOptions& options = {});

}  // namespace vigil::scrape::textparse

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_PROM_PARSER_H_
