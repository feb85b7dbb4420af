// Scrape protocols and content negotiation: what the scraper asks for
// (`Accept`) and which parser a response's `Content-Type` selects, with
// Prometheus 3.x's fallback rules.
//
//   Content-Type                       -> format
//   application/openmetrics-text       -> OpenMetrics
//   text/plain                         -> Prometheus text
//   application/vnd.google.protobuf    -> protobuf (not built: Unimplemented)
//   blank, unparsable or anything else -> `fallback_scrape_protocol` when set
//                                         (with a warning), else an error.
//
// Thread safety: stateless functions, safe from any thread.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_CONTENT_TYPE_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_CONTENT_TYPE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libscrape/textparse/parser.h"

namespace vigil::scrape::textparse {

enum class ScrapeProtocol {
  kPrometheusProto,
  kOpenMetricsText0_0_1,
  kOpenMetricsText1_0_0,
  kPrometheusText0_0_4,
  kPrometheusText1_0_0,
};

// The configuration names: "PrometheusProto", "OpenMetricsText0.0.1",
// "OpenMetricsText1.0.0", "PrometheusText0.0.4", "PrometheusText1.0.0".
absl::string_view ScrapeProtocolName(ScrapeProtocol p);
// Returns InvalidArgument `unknown scrape protocol "x", supported: ...`.
absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(absl::string_view name);

// The media type (with version parameter) of a protocol, e.g.
// "application/openmetrics-text;version=1.0.0".
absl::string_view ScrapeProtocolMediaType(ScrapeProtocol p);

// Prometheus 3.x's default order: OpenMetricsText1.0.0,
// OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4.
std::vector<ScrapeProtocol> DefaultScrapeProtocols();

// The Accept header Prometheus 3.x sends for `protocols` in order of
// preference, e.g. for the defaults:
// "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,
//  application/openmetrics-text;version=0.0.1;q=0.5,text/plain;
//  version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;
//  q=0.3,*/*;q=0.2" (one line).
std::string AcceptHeader(absl::Span<const ScrapeProtocol> protocols);

enum class Format { kPrometheusText, kOpenMetrics, kProtobuf };

struct FormatChoice {
  Format format;
  // Non-empty when the fallback protocol was used: Prometheus's log text,
  // e.g. `non-compliant scrape target sending blank Content-Type, using
  // fallback_scrape_protocol "text/plain;version=0.0.4"`.
  std::string warning;
};

// Chooses the format for a response. Returns InvalidArgument with
// Prometheus's text when there is no usable Content-Type and no fallback
// (`non-compliant scrape target sending blank Content-Type and no
// fallback_scrape_protocol specified for target`, `received unsupported
// Content-Type "text/html" and no fallback_scrape_protocol specified for
// target`, `cannot parse Content-Type "..." and no
// fallback_scrape_protocol for target`).
absl::StatusOr<FormatChoice> SelectFormat(
    absl::string_view content_type,
    std::optional<ScrapeProtocol> fallback_protocol);

// A parser of `format` over `body`. Returns Unimplemented for protobuf.
absl::StatusOr<std::unique_ptr<Parser>> NewParser(
    Format format, absl::string_view body, const ParserOptions& options = {});

}  // namespace vigil::scrape::textparse

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_CONTENT_TYPE_H_
