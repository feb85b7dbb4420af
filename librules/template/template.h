// Template is the subset of Go's text/template that Prometheus alert
// labels and annotations use:
//
//   {{ $labels.instance }} is at {{ $value | humanize }}
//   {{ if gt $value 10.0 }}high{{ else }}low{{ end }}
//   {{ range query "up" }}{{ .Labels.job }}={{ .Value }} {{ end }}
//   {{ with $labels.team }}team {{ . }}{{ end }}
//
// Supported: text with {{ }} actions and `{{-`/`-}}` trimming, comments,
// fields (.A.B), variables ($, $x, $x.y, `:=`, `=`), string/raw/number/
// bool/nil literals, pipelines with `|`, parenthesised pipelines, if/else
// if/else, with/else, range (lists, maps, `$i, $e :=`), break/continue,
// the builtins and, or, not, eq, ne, lt, le, gt, ge, len, index, print,
// printf, println, urlquery, html, js, and Prometheus's functions: query,
// first, label, value, sortByLabel, strvalue, humanize, humanize1024,
// humanizeDuration, humanizePercentage, humanizeTimestamp, toTime,
// toDuration, now,
// title, toUpper, toLower, match, reReplaceAll, safeHtml, stripPort,
// stripDomain, args, parseDuration, urlQueryEscape, externalURL,
// pathPrefix, graphLink, tableLink. `define`/`template`/`block` and
// anything else are rejected at parse time with a clear message.
//
// Errors use Go's wording: parse errors are InvalidArgument
// `template: NAME:LINE: undefined variable "$label"`; execution errors are
// InvalidArgument `template: NAME:LINE:COL: executing "NAME" at <cmd>: msg`.
// Map lookups of missing keys give "" (Prometheus's missingkey=zero).
//
// Thread safety: a parsed Template is immutable and may be executed from
// many threads at once.

#ifndef VIGIL_LIBRULES_TEMPLATE_TEMPLATE_H_
#define VIGIL_LIBRULES_TEMPLATE_TEMPLATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "librules/template/value.h"
#include "model/labels.h"

namespace vigil::rules::tmpl {

namespace internal {
struct Tree;
}

// What the `query` template function returns for one element.
struct QuerySample {
  model::Labels labels;
  double value = 0;
};
using TemplateQueryFunc =
    std::function<absl::StatusOr<std::vector<QuerySample>>(
        absl::string_view expr)>;

struct ExecOptions {
  // Backs the `query` function; when unset `query` fails with
  // FailedPrecondition-like text "query is not available".
  TemplateQueryFunc query;
  std::string external_url;  // for externalURL, pathPrefix, graphLink
  int64_t time_ms = 0;       // evaluation time, for `now`
  // Output larger than this fails the execution (runaway range loops).
  size_t max_output_bytes = 1 << 20;
};

class Template {
 public:
  // Parses `text`. `variables` names the variables defined before the
  // template starts (e.g. "$labels"); `$` is always defined.
  static absl::StatusOr<Template> Parse(
      absl::string_view name, absl::string_view text,
      absl::Span<const std::string> variables = {});

  // Runs the template with `dot` as `.` and `$`, and `variables` bound to
  // the names given at parse time (same order; missing ones are nil).
  absl::StatusOr<std::string> Execute(const Value& dot,
                                      absl::Span<const Value> variables,
                                      const ExecOptions& options) const;

  const std::string& name() const;
  // True when the text has no {{ }} action: Execute returns it unchanged.
  bool is_plain_text() const { return plain_; }

 private:
  std::shared_ptr<const internal::Tree> tree_;
  std::vector<std::string> variables_;
  bool plain_ = false;
};

// Prometheus's alert template environment: `.` is AlertTemplateData
// {Labels, ExternalLabels, ExternalURL, Value} and the variables are
// $labels, $externalLabels, $externalURL and $value.
class AlertTemplate {
 public:
  // Parses `text` as the template named `name` ("__alert_" + alertname in
  // Prometheus).
  static absl::StatusOr<AlertTemplate> Parse(absl::string_view name,
                                             absl::string_view text);

  absl::StatusOr<std::string> Expand(const model::Labels& labels,
                                     const model::Labels& external_labels,
                                     double value,
                                     const ExecOptions& options) const;
  bool is_plain_text() const { return tmpl_.is_plain_text(); }

 private:
  Template tmpl_;
};

// A query result element as templates see it (Go's *template.sample with
// fields Labels and Value).
Value MakeSampleValue(const model::Labels& labels, double value);

}  // namespace vigil::rules::tmpl

#endif  // VIGIL_LIBRULES_TEMPLATE_TEMPLATE_H_
