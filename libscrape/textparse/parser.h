// Parser is the common interface of the exposition-format parsers: it walks
// a scrape response one entry (series sample, HELP, TYPE, UNIT, comment) at
// a time, in place over the caller's buffer.
//
// Nothing is copied on the steady path: the series' raw bytes, its metric
// name and its labels are views into the buffer, so a scrape loop can hash
// Series() and find a cached series ref without building a Labels object.
// Labels are only materialised (unescaped, sorted) by BuildLabels().
//
//   std::unique_ptr<Parser> p = NewPromParser(body);
//   for (Entry e = p->Next(); e != Entry::kEOF; e = p->Next()) {
//     if (e == Entry::kError) return p->status();
//     if (e == Entry::kSeries) Use(p->Series(), p->Value());
//   }
//
// Errors are kept in status() (InvalidArgument) once Next() returned kError;
// the message starts with "line N: " and then says what was expected in
// Prometheus's words ("expected value after metric, got ...").
//
// Views returned by the accessors are valid until the next call to Next()
// (those into the body: as long as the body lives).
//
// Thread safety: a Parser is used by one thread at a time.

#ifndef VIGIL_LIBSCRAPE_TEXTPARSE_PARSER_H_
#define VIGIL_LIBSCRAPE_TEXTPARSE_PARSER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/labels.h"

namespace vigil::scrape::textparse {

enum class Entry {
  kEOF,      // end of input (for OpenMetrics: after "# EOF")
  kError,    // see status(); the parser stays in this state
  kSeries,   // a sample line
  kHelp,     // # HELP name text
  kType,     // # TYPE name type
  kUnit,     // # UNIT name unit (OpenMetrics)
  kComment,  // any other "#" line (Prometheus text format only)
};

enum class MetricType {
  kUnknown,  // "untyped" in the Prometheus text format
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};

// "counter", "gauge", ..., "unknown".
absl::string_view MetricTypeName(MetricType t);

// One label of the current series exactly as it appears in the body:
// surrounding quotes removed, escapes (\\ \" \n) not yet resolved.
struct RawLabel {
  absl::string_view name;
  absl::string_view value;
};

// An OpenMetrics exemplar attached to a sample.
struct Exemplar {
  model::Labels labels;
  double value = 0;
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;
};

struct ParserOptions {
  // Prometheus 3.x rewrites `le` (histograms) and `quantile` (summaries)
  // label values to the canonical float form ("1" -> "1.0"); 2.x kept the
  // text as exposed. BuildLabels() follows this flag.
  bool normalize_le_quantile = true;
};

class Parser {
 public:
  virtual ~Parser() = default;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Advances to the next entry. Returns kEOF at the end and kError (sticky)
  // on malformed input.
  virtual Entry Next() = 0;

  // The error after kError; OK otherwise.
  const absl::Status& status() const { return status_; }

  // 1-based line number of the current entry.
  int line() const { return line_; }

  // --- after kSeries -------------------------------------------------------
  // The raw bytes naming the series: metric name and the `{...}` label block
  // as exposed. Equal bytes mean an equal series for a given format; use it
  // as a cache key.
  absl::string_view Series() const { return series_; }
  double Value() const { return value_; }
  bool HasTimestamp() const { return has_ts_; }
  int64_t TimestampMs() const { return ts_ms_; }
  // Metric name (escaped form when it was quoted) and labels, as views.
  absl::string_view RawMetricName() const { return metric_name_; }
  absl::Span<const RawLabel> RawLabels() const { return labels_; }
  // True when the name or a label contains an escape sequence.
  bool HasEscapes() const { return has_escapes_; }
  // The type of the family this series belongs to, from the latest TYPE line
  // whose name is this series' name or its family prefix (`_total`,
  // `_bucket`, `_sum`, `_count`, `_created`, `_info`, `_gsum`, `_gcount`).
  MetricType SeriesType() const;
  // OpenMetrics: this sample is the `_created` series of a counter, summary,
  // histogram or gauge histogram family (its value is a Unix time in s).
  bool IsCreatedSeries() const { return is_created_; }

  // Builds the sorted label set with `__name__`, escapes resolved. Returns
  // InvalidArgument when a label name repeats (`label name "a" is not
  // unique`) or a name is empty.
  absl::Status BuildLabels(model::Labels* out);

  // OpenMetrics: fills `*e` and returns true when the sample carries an
  // exemplar (`# {trace_id="x"} 1.0 1.6e9`).
  bool GetExemplar(Exemplar* e) const;

  // --- after kHelp / kType / kUnit ----------------------------------------
  absl::string_view MetaName() const { return meta_name_; }
  // HELP text with escapes resolved (a view into the body unless escaped).
  absl::string_view Help() const { return help_; }
  MetricType Type() const { return type_; }
  absl::string_view Unit() const { return unit_; }

  // --- after kComment -------------------------------------------------------
  // The whole comment line, from '#' to the end of the line.
  absl::string_view Comment() const { return comment_; }

 protected:
  Parser(absl::string_view body, const ParserOptions& options)
      : buf_(body), options_(options) {}

  // Enters the sticky error state with "line N: <msg>".
  Entry Fail(std::string msg);
  // Resets the per-entry state.
  void ResetEntry() {
    labels_.clear();
    exemplar_labels_.clear();
    has_exemplar_ = false;
    has_escapes_ = false;
    has_ts_ = false;
    is_created_ = false;
    metric_name_ = absl::string_view();
  }

  absl::string_view buf_;
  size_t pos_ = 0;
  int line_ = 0;
  ParserOptions options_;
  absl::Status status_;
  bool failed_ = false;

  absl::string_view series_;
  absl::string_view metric_name_;
  bool metric_name_quoted_ = false;
  std::vector<RawLabel> labels_;
  bool has_escapes_ = false;
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ms_ = 0;
  bool is_created_ = false;

  std::vector<RawLabel> exemplar_labels_;
  bool has_exemplar_ = false;
  double exemplar_value_ = 0;
  bool exemplar_has_ts_ = false;
  int64_t exemplar_ts_ms_ = 0;

  absl::string_view meta_name_;
  absl::string_view help_;
  std::string help_scratch_;
  MetricType type_ = MetricType::kUnknown;
  absl::string_view unit_;
  absl::string_view comment_;

  // The family of the latest TYPE line.
  std::string family_name_;
  MetricType family_type_ = MetricType::kUnknown;

 private:
  std::vector<std::pair<std::string, std::string>> scratch_pairs_;
};

}  // namespace vigil::scrape::textparse

#endif  // VIGIL_LIBSCRAPE_TEXTPARSE_PARSER_H_
