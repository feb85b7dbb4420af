#include "libscrape/textparse/content_type.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libscrape/textparse/internal/lex.h"
#include "libscrape/textparse/openmetrics_parser.h"
#include "libscrape/textparse/prom_parser.h"

namespace vigil::scrape::textparse {
namespace {

constexpr ScrapeProtocol kAllProtocols[] = {
    ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kOpenMetricsText0_0_1,
    ScrapeProtocol::kOpenMetricsText1_0_0,
    ScrapeProtocol::kPrometheusText0_0_4,
    ScrapeProtocol::kPrometheusText1_0_0};

bool IsTokenChar(char c) {
  // RFC 2045 token: printable ASCII except tspecials and space.
  if (c <= 0x20 || c >= 0x7f) return false;
  static constexpr absl::string_view kSpecials = "()<>@,;:\\\"/[]?=";
  return kSpecials.find(c) == absl::string_view::npos;
}

bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Like Go's mime.ParseMediaType, reduced to what selection needs: returns
// the lower-cased "type/subtype", or false when the value is malformed.
bool ParseMediaType(absl::string_view v, std::string* media_type) {
  std::vector<absl::string_view> parts = absl::StrSplit(v, ';');
  absl::string_view mt = absl::StripAsciiWhitespace(parts[0]);
  size_t slash = mt.find('/');
  if (slash == absl::string_view::npos) {
    if (!IsToken(mt)) return false;
  } else if (!IsToken(mt.substr(0, slash)) || !IsToken(mt.substr(slash + 1))) {
    return false;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
    if (p.empty() && i + 1 == parts.size()) break;  // trailing ';'
    size_t eq = p.find('=');
    if (eq == absl::string_view::npos || !IsToken(p.substr(0, eq))) {
      return false;
    }
    absl::string_view val = p.substr(eq + 1);
    if (val.empty()) return false;
    if (val.front() == '"') {
      if (val.size() < 2 || val.back() != '"') return false;
    } else if (!IsToken(val)) {
      return false;
    }
  }
  *media_type = absl::AsciiStrToLower(mt);
  return true;
}

Format FormatOf(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto:
      return Format::kProtobuf;
    case ScrapeProtocol::kOpenMetricsText0_0_1:
    case ScrapeProtocol::kOpenMetricsText1_0_0:
      return Format::kOpenMetrics;
    case ScrapeProtocol::kPrometheusText0_0_4:
    case ScrapeProtocol::kPrometheusText1_0_0:
      return Format::kPrometheusText;
  }
  return Format::kPrometheusText;
}

}  // namespace

absl::string_view ScrapeProtocolName(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto:
      return "PrometheusProto";
    case ScrapeProtocol::kOpenMetricsText0_0_1:
      return "OpenMetricsText0.0.1";
    case ScrapeProtocol::kOpenMetricsText1_0_0:
      return "OpenMetricsText1.0.0";
    case ScrapeProtocol::kPrometheusText0_0_4:
      return "PrometheusText0.0.4";
    case ScrapeProtocol::kPrometheusText1_0_0:
      return "PrometheusText1.0.0";
  }
  return "";
}

absl::StatusOr<ScrapeProtocol> ParseScrapeProtocol(absl::string_view name) {
  for (ScrapeProtocol p : kAllProtocols) {
    if (ScrapeProtocolName(p) == name) return p;
  }
  std::vector<std::string> names;
  for (ScrapeProtocol p : kAllProtocols) {
    names.push_back(std::string(ScrapeProtocolName(p)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scrape protocol ", internal::Quote(name),
                   ", supported: [", absl::StrJoin(names, " "), "]"));
}

absl::string_view ScrapeProtocolMediaType(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto:
      return "application/vnd.google.protobuf;proto=io.prometheus.client."
             "MetricFamily;encoding=delimited";
    case ScrapeProtocol::kOpenMetricsText0_0_1:
      return "application/openmetrics-text;version=0.0.1";
    case ScrapeProtocol::kOpenMetricsText1_0_0:
      return "application/openmetrics-text;version=1.0.0";
    case ScrapeProtocol::kPrometheusText0_0_4:
      return "text/plain;version=0.0.4";
    case ScrapeProtocol::kPrometheusText1_0_0:
      return "text/plain;version=1.0.0";
  }
  return "";
}

std::vector<ScrapeProtocol> DefaultScrapeProtocols() {
  return {ScrapeProtocol::kOpenMetricsText1_0_0,
          ScrapeProtocol::kOpenMetricsText0_0_1,
          ScrapeProtocol::kPrometheusText1_0_0,
          ScrapeProtocol::kPrometheusText0_0_4};
}

std::string AcceptHeader(absl::Span<const ScrapeProtocol> protocols) {
  std::vector<std::string> vals;
  int weight = static_cast<int>(std::size(kAllProtocols)) + 1;
  for (ScrapeProtocol p : protocols) {
    std::string v(ScrapeProtocolMediaType(p));
    if (p == ScrapeProtocol::kPrometheusText1_0_0 ||
        p == ScrapeProtocol::kOpenMetricsText1_0_0) {
      v.append(";escaping=allow-utf-8");
    }
    absl::StrAppend(&v, ";q=0.", weight);
    vals.push_back(std::move(v));
    --weight;
  }
  vals.push_back(absl::StrCat("*/*;q=0.", weight));
  return absl::StrJoin(vals, ",");
}

absl::StatusOr<FormatChoice> SelectFormat(
    absl::string_view content_type,
    std::optional<ScrapeProtocol> fallback_protocol) {
  std::string fallback_mt;
  if (fallback_protocol.has_value()) {
    fallback_mt = std::string(ScrapeProtocolMediaType(*fallback_protocol));
  }
  auto use_fallback = [&](std::string warning) -> FormatChoice {
    return FormatChoice{FormatOf(*fallback_protocol), std::move(warning)};
  };
  if (content_type.empty()) {
    if (!fallback_protocol) {
      return absl::InvalidArgumentError(
          "non-compliant scrape target sending blank Content-Type and no "
          "fallback_scrape_protocol specified for target");
    }
    return use_fallback(absl::StrCat(
        "non-compliant scrape target sending blank Content-Type, using "
        "fallback_scrape_protocol ",
        internal::Quote(fallback_mt)));
  }
  std::string mt;
  if (!ParseMediaType(content_type, &mt)) {
    if (!fallback_protocol) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot parse Content-Type ", internal::Quote(content_type),
          " and no fallback_scrape_protocol for target"));
    }
    return use_fallback(absl::StrCat(
        "could not parse received Content-Type ",
        internal::Quote(content_type), ", using fallback_scrape_protocol ",
        internal::Quote(fallback_mt)));
  }
  if (mt == "application/openmetrics-text") {
    return FormatChoice{Format::kOpenMetrics, ""};
  }
  if (mt == "text/plain") return FormatChoice{Format::kPrometheusText, ""};
  if (mt == "application/vnd.google.protobuf") {
    return FormatChoice{Format::kProtobuf, ""};
  }
  if (!fallback_protocol) {
    return absl::InvalidArgumentError(absl::StrCat(
        "received unsupported Content-Type ", internal::Quote(content_type),
        " and no fallback_scrape_protocol specified for target"));
  }
  return use_fallback(absl::StrCat(
      "received unsupported Content-Type ", internal::Quote(content_type),
      ", using fallback_scrape_protocol ", internal::Quote(fallback_mt)));
}

absl::StatusOr<std::unique_ptr<Parser>> NewParser(
    Format format, absl::string_view body, const ParserOptions& options) {
  switch (format) {
    case Format::kPrometheusText:
      return NewPromParser(body, options);
    case Format::kOpenMetrics:
      return NewOpenMetricsParser(body, options);
    case Format::kProtobuf:
      break;
  }
  return absl::UnimplementedError(
      "the protobuf exposition format is not supported yet; configure "
      "scrape_protocols without PrometheusProto");
}

}  // namespace vigil::scrape::textparse
