#include "libscrape/textparse/parser.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libscrape/textparse/internal/lex.h"

namespace vigil::scrape::textparse {
namespace {

// Whether series `name` belongs to the family `family` (itself or one of the
// suffixed sample names a family of some type exposes).
bool IsPartOfFamily(absl::string_view name, absl::string_view family) {
  if (!absl::StartsWith(name, family)) return false;
  absl::string_view suffix = name.substr(family.size());
  if (suffix.empty()) return true;
  static constexpr absl::string_view kSuffixes[] = {
      "_total", "_created", "_bucket", "_sum",  "_count",
      "_info",  "_gsum",    "_gcount", "_ratio"};
  for (absl::string_view s : kSuffixes) {
    if (suffix == s) return true;
  }
  return false;
}

}  // namespace

absl::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kUnknown:
      return "unknown";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "unknown";
}

Entry Parser::Fail(std::string msg) {
  failed_ = true;
  status_ = absl::InvalidArgumentError(
      absl::StrCat("line ", line_, ": ", msg));
  return Entry::kError;
}

MetricType Parser::SeriesType() const {
  if (family_name_.empty()) return MetricType::kUnknown;
  if (!IsPartOfFamily(metric_name_, family_name_)) return MetricType::kUnknown;
  return family_type_;
}

absl::Status Parser::BuildLabels(model::Labels* out) {
  const size_t n = labels_.size() + 1;
  if (scratch_pairs_.size() < n) scratch_pairs_.resize(n);
  auto& pairs = scratch_pairs_;
  pairs[0].first.assign(model::kMetricName.data(), model::kMetricName.size());
  if (has_escapes_ && metric_name_quoted_) {
    internal::Unescape(metric_name_, false, &pairs[0].second);
  } else {
    pairs[0].second.assign(metric_name_.data(), metric_name_.size());
  }
  MetricType type = MetricType::kUnknown;
  if (options_.normalize_le_quantile) type = SeriesType();
  for (size_t i = 0; i < labels_.size(); ++i) {
    auto& [name, value] = pairs[i + 1];
    if (has_escapes_) {
      internal::Unescape(labels_[i].name, false, &name);
      internal::Unescape(labels_[i].value, false, &value);
    } else {
      name.assign(labels_[i].name.data(), labels_[i].name.size());
      value.assign(labels_[i].value.data(), labels_[i].value.size());
    }
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_, ": empty label name in ", internal::Quote(series_)));
    }
    if ((type == MetricType::kHistogram && name == "le") ||
        (type == MetricType::kSummary && name == "quantile")) {
      double f;
      std::string err;
      if (internal::ParseFloat(value, &f, &err)) {
        value = internal::FormatOpenMetricsFloat(f);
      }
    }
  }
  // Repeated names are an error, not "last wins".
  if (n > 1) {
    absl::InlinedVector<absl::string_view, 16> names;
    names.reserve(n);
    for (size_t i = 0; i < n; ++i) names.push_back(pairs[i].first);
    std::sort(names.begin(), names.end());
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i] == names[i - 1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_, ": label name ",
                         internal::Quote(names[i]), " is not unique"));
      }
    }
  }
  *out = model::Labels::FromPairs(
      absl::Span<const std::pair<std::string, std::string>>(pairs.data(), n));
  return absl::OkStatus();
}

bool Parser::GetExemplar(Exemplar* e) const {
  if (!has_exemplar_) return false;
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(exemplar_labels_.size());
  for (const RawLabel& l : exemplar_labels_) {
    std::string name, value;
    internal::Unescape(l.name, false, &name);
    internal::Unescape(l.value, false, &value);
    pairs.emplace_back(std::move(name), std::move(value));
  }
  e->labels = model::Labels::FromPairs(pairs);
  e->value = exemplar_value_;
  e->has_timestamp = exemplar_has_ts_;
  e->timestamp_ms = exemplar_ts_ms_;
  return true;
}

}  // namespace vigil::scrape::textparse
