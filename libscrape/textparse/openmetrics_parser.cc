#include "libscrape/textparse/openmetrics_parser.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libscrape/textparse/internal/lex.h"
#include "libscrape/textparse/internal/scan.h"

namespace vigil::scrape::textparse {
namespace {

using internal::Is;
using internal::kLabelChar;
using internal::kLabelStart;
using internal::kMetricChar;
using internal::kMetricStart;

// Go's %f for the special values the error messages print.
std::string GoPercentF(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  return absl::StrFormat("%f", f);
}

// Whether a timestamp in seconds is finite and its milliseconds fit int64
// (a converted out-of-range double is undefined behaviour).
bool TimestampFitsMs(double seconds) {
  return std::isfinite(seconds) && std::fabs(seconds) < 9.2e15;
}

class OpenMetricsParser final : public Parser {
 public:
  OpenMetricsParser(absl::string_view body, const ParserOptions& options)
      : Parser(body, options) {}

  Entry Next() override;

 private:
  char Peek(size_t i) const { return i < buf_.size() ? buf_[i] : '\0'; }
  Entry Error(absl::string_view exp) {
    const size_t e = std::min(buf_.size(), pos_ + 1);
    absl::string_view tok_name = pos_ >= buf_.size() ? "EOF" : "INVALID";
    return Fail(internal::ParseErrorText(exp, buf_.substr(pos_, e - pos_),
                                         tok_name,
                                         buf_.substr(start_, e - start_)));
  }
  Entry NoEOF() { return Fail("data does not end with # EOF"); }
  Entry ParseMeta();
  Entry ParseSeries();
  bool ParseLabels(bool exemplar, std::vector<RawLabel>* out, Entry* err);
  bool ParseExemplar(Entry* err);
  bool ParseValue(absl::string_view after, double* v, Entry* err);
  Entry CheckSeriesSemantics();

  size_t start_ = 0;
  bool eof_ = false;
};

Entry OpenMetricsParser::Next() {
  if (failed_) return Entry::kError;
  if (eof_) return Entry::kEOF;
  ResetEntry();
  ++line_;
  start_ = pos_;
  if (pos_ >= buf_.size()) return NoEOF();
  const char c = buf_[pos_];
  if (c == '#') return ParseMeta();
  if (Is(c, kMetricStart) || c == '{') return ParseSeries();
  return Error("expected a valid start token");
}

Entry OpenMetricsParser::ParseMeta() {
  absl::string_view rest = buf_.substr(pos_);
  if (!absl::StartsWith(rest, "# ")) {
    return Error("expected a valid start token");
  }
  rest.remove_prefix(2);
  if (absl::StartsWith(rest, "EOF")) {
    size_t after = pos_ + 5;
    if (after < buf_.size() && buf_[after] == '\n') ++after;
    if (after != buf_.size()) return Fail("unexpected data after # EOF");
    pos_ = after;
    eof_ = true;
    return Entry::kEOF;
  }
  absl::string_view kw;
  Entry kind;
  if (absl::StartsWith(rest, "HELP ")) {
    kw = "HELP";
    kind = Entry::kHelp;
  } else if (absl::StartsWith(rest, "TYPE ")) {
    kw = "TYPE";
    kind = Entry::kType;
  } else if (absl::StartsWith(rest, "UNIT ")) {
    kw = "UNIT";
    kind = Entry::kUnit;
  } else {
    pos_ += 2;
    return Error("expected a valid start token");
  }
  pos_ += 7;
  if (pos_ < buf_.size() && Is(buf_[pos_], kMetricStart)) {
    size_t e = internal::ScanClass(buf_, pos_ + 1, kMetricChar);
    meta_name_ = buf_.substr(pos_, e - pos_);
    pos_ = e;
  } else if (Peek(pos_) == '"') {
    bool esc = false;
    size_t e = internal::ScanQuoted(buf_, pos_, &esc);
    if (e == absl::string_view::npos) {
      return Error(absl::StrCat("expected metric name after ", kw));
    }
    meta_name_ = buf_.substr(pos_ + 1, e - pos_ - 2);
    pos_ = e;
  } else {
    return Error(absl::StrCat("expected metric name after ", kw));
  }
  // Text: one space, anything, a newline.
  size_t eol = buf_.find('\n', pos_);
  if (Peek(pos_) != ' ' || eol == absl::string_view::npos) {
    return Fail(absl::StrCat("expected text in ", kw));
  }
  absl::string_view text = buf_.substr(pos_ + 1, eol - pos_ - 1);
  pos_ = eol + 1;
  if (meta_name_ != family_name_) {
    family_name_.assign(meta_name_.data(), meta_name_.size());
    family_type_ = MetricType::kUnknown;
  }
  switch (kind) {
    case Entry::kType:
      if (text == "counter") {
        type_ = MetricType::kCounter;
      } else if (text == "gauge") {
        type_ = MetricType::kGauge;
      } else if (text == "histogram") {
        type_ = MetricType::kHistogram;
      } else if (text == "gaugehistogram") {
        type_ = MetricType::kGaugeHistogram;
      } else if (text == "summary") {
        type_ = MetricType::kSummary;
      } else if (text == "info") {
        type_ = MetricType::kInfo;
      } else if (text == "stateset") {
        type_ = MetricType::kStateset;
      } else if (text == "unknown") {
        type_ = MetricType::kUnknown;
      } else {
        return Fail(
            absl::StrCat("invalid metric type ", internal::Quote(text)));
      }
      family_type_ = type_;
      return Entry::kType;
    case Entry::kHelp:
      if (!internal::ValidUtf8(text)) {
        return Fail(absl::StrCat("help text ", internal::Quote(text),
                                 " is not a valid utf8 string"));
      }
      if (text.find('\\') != absl::string_view::npos) {
        internal::Unescape(text, /*help_only=*/false, &help_scratch_);
        help_ = help_scratch_;
      } else {
        help_ = text;
      }
      return Entry::kHelp;
    default: {
      unit_ = text;
      if (!text.empty()) {
        absl::string_view m = meta_name_;
        if (!absl::EndsWith(m, text) || m.size() < text.size() + 1 ||
            m[m.size() - text.size() - 1] != '_') {
          return Fail(absl::StrCat("unit ", internal::Quote(text),
                                   " not a suffix of metric ",
                                   internal::Quote(m)));
        }
      }
      return Entry::kUnit;
    }
  }
}

bool OpenMetricsParser::ParseLabels(bool exemplar, std::vector<RawLabel>* out,
                                    Entry* err) {
  for (;;) {
    const char c = Peek(pos_);
    if (c == '}') {
      ++pos_;
      return true;
    }
    absl::string_view name;
    bool quoted = false;
    if (Is(c, kLabelStart)) {
      size_t e = internal::ScanClass(buf_, pos_ + 1, kLabelChar);
      name = buf_.substr(pos_, e - pos_);
      pos_ = e;
    } else if (c == '"') {
      bool esc = false;
      size_t e = internal::ScanQuoted(buf_, pos_, &esc);
      if (e == absl::string_view::npos) {
        *err = Error("expected label name");
        return false;
      }
      has_escapes_ |= esc;
      name = buf_.substr(pos_ + 1, e - pos_ - 2);
      pos_ = e;
      quoted = true;
    } else {
      *err = Error("expected label name");
      return false;
    }
    const char d = Peek(pos_);
    if (quoted && (d == ',' || d == '}')) {
      if (exemplar) {
        *err = Error("expected label name");
        return false;
      }
      if (!metric_name_.empty() || metric_name_quoted_) {
        *err = Fail(absl::StrCat(
            "metric name already set while parsing: ",
            internal::Quote(buf_.substr(start_, pos_ + 1 - start_))));
        return false;
      }
      metric_name_ = name;
      metric_name_quoted_ = true;
      ++pos_;
      if (d == '}') return true;
      continue;
    }
    if (d != '=') {
      *err = Error("expected equal");
      return false;
    }
    ++pos_;
    if (Peek(pos_) != '"') {
      *err = Error("expected label value");
      return false;
    }
    bool esc = false;
    size_t e = internal::ScanQuoted(buf_, pos_, &esc);
    if (e == absl::string_view::npos) {
      *err = Error("expected label value");
      return false;
    }
    has_escapes_ |= esc;
    absl::string_view value = buf_.substr(pos_ + 1, e - pos_ - 2);
    if (!internal::ValidUtf8(value)) {
      *err = Fail(absl::StrCat("invalid UTF-8 label value: ",
                               internal::Quote(buf_.substr(pos_, e - pos_))));
      return false;
    }
    pos_ = e;
    out->push_back(RawLabel{name, value});
    const char f = Peek(pos_);
    if (f == ',') {
      ++pos_;
    } else if (f != '}') {
      *err = Error("expected comma or brace close");
      return false;
    }
  }
}

bool OpenMetricsParser::ParseValue(absl::string_view after, double* v,
                                   Entry* err) {
  if (Peek(pos_) != ' ' || Peek(pos_ + 1) == ' ' || Peek(pos_ + 1) == '\n' ||
      pos_ + 1 >= buf_.size()) {
    *err = Error(absl::StrCat("expected value after ", after));
    return false;
  }
  const size_t v0 = ++pos_;
  while (pos_ < buf_.size() && buf_[pos_] != ' ' && buf_[pos_] != '\n') ++pos_;
  std::string e;
  if (!internal::ParseFloat(buf_.substr(v0, pos_ - v0), v, &e)) {
    *err = Fail(absl::StrCat(
        e, " while parsing: ",
        internal::Quote(buf_.substr(start_, pos_ - start_))));
    return false;
  }
  return true;
}

bool OpenMetricsParser::ParseExemplar(Entry* err) {
  // pos_ is just after " # {".
  if (!ParseLabels(/*exemplar=*/true, &exemplar_labels_, err)) return false;
  if (!ParseValue("exemplar labels", &exemplar_value_, err)) return false;
  has_exemplar_ = true;
  exemplar_has_ts_ = false;
  if (pos_ >= buf_.size()) {
    *err = NoEOF();
    return false;
  }
  if (buf_[pos_] == '\n') {
    ++pos_;
    return true;
  }
  if (buf_[pos_] == ' ' && Peek(pos_ + 1) != ' ' && Peek(pos_ + 1) != '\n' &&
      pos_ + 1 < buf_.size()) {
    const size_t t0 = ++pos_;
    while (pos_ < buf_.size() && buf_[pos_] != ' ' && buf_[pos_] != '\n') {
      ++pos_;
    }
    double ts;
    std::string e;
    if (!internal::ParseFloat(buf_.substr(t0, pos_ - t0), &ts, &e)) {
      *err = Fail(absl::StrCat(
          e, " while parsing: ",
          internal::Quote(buf_.substr(start_, pos_ - start_))));
      return false;
    }
    if (!TimestampFitsMs(ts)) {
      *err = Fail(absl::StrCat("invalid exemplar timestamp ", GoPercentF(ts)));
      return false;
    }
    exemplar_has_ts_ = true;
    exemplar_ts_ms_ = static_cast<int64_t>(ts * 1000);
    if (Peek(pos_) != '\n' || pos_ >= buf_.size()) {
      *err = Error("expected next entry after exemplar timestamp");
      return false;
    }
    ++pos_;
    return true;
  }
  *err = Error("expected timestamp or comment");
  return false;
}

Entry OpenMetricsParser::ParseSeries() {
  const size_t series_start = pos_;
  metric_name_quoted_ = false;
  if (buf_[pos_] != '{') {
    size_t e = internal::ScanClass(buf_, pos_ + 1, kMetricChar);
    metric_name_ = buf_.substr(pos_, e - pos_);
    pos_ = e;
  }
  if (Peek(pos_) == '{') {
    ++pos_;
    Entry err;
    if (!ParseLabels(/*exemplar=*/false, &labels_, &err)) return err;
    if (metric_name_.empty() && !metric_name_quoted_) {
      return Fail(absl::StrCat(
          "metric name not set while parsing: ",
          internal::Quote(buf_.substr(start_, pos_ - start_))));
    }
  }
  series_ = buf_.substr(series_start, pos_ - series_start);
  Entry err;
  if (!ParseValue("metric", &value_, &err)) return err;
  if (pos_ >= buf_.size()) return NoEOF();
  auto at_exemplar = [this] {
    return absl::StartsWith(buf_.substr(pos_), " # {");
  };
  if (buf_[pos_] == '\n') {
    ++pos_;
  } else if (at_exemplar()) {
    pos_ += 4;
    if (!ParseExemplar(&err)) return err;
  } else if (buf_[pos_] == ' ' && Peek(pos_ + 1) != 'c' &&
             Peek(pos_ + 1) != ' ' && Peek(pos_ + 1) != '\n' &&
             pos_ + 1 < buf_.size()) {
    const size_t t0 = ++pos_;
    while (pos_ < buf_.size() && buf_[pos_] != ' ' && buf_[pos_] != '\n') {
      ++pos_;
    }
    double ts;
    std::string e;
    if (!internal::ParseFloat(buf_.substr(t0, pos_ - t0), &ts, &e)) {
      return Fail(absl::StrCat(
          e, " while parsing: ",
          internal::Quote(buf_.substr(start_, pos_ - start_))));
    }
    if (!TimestampFitsMs(ts)) {
      return Fail(absl::StrCat("invalid timestamp ", GoPercentF(ts)));
    }
    has_ts_ = true;
    ts_ms_ = static_cast<int64_t>(ts * 1000);
    if (pos_ >= buf_.size()) return NoEOF();
    if (buf_[pos_] == '\n') {
      ++pos_;
    } else if (at_exemplar()) {
      pos_ += 4;
      if (!ParseExemplar(&err)) return err;
    } else {
      return Error("expected next entry after timestamp");
    }
  } else {
    return Error("expected timestamp or comment");
  }
  return CheckSeriesSemantics();
}

Entry OpenMetricsParser::CheckSeriesSemantics() {
  if (family_type_ == MetricType::kUnknown || family_type_ == MetricType::kGauge) {
    return Entry::kSeries;
  }
  absl::string_view name = metric_name_;
  if (!absl::StartsWith(name, family_name_)) return Entry::kSeries;
  absl::string_view suffix = name.substr(family_name_.size());
  switch (family_type_) {
    case MetricType::kCounter:
      if (suffix == "_created") {
        is_created_ = true;
      } else if (suffix != "_total") {
        if (!suffix.empty()) break;  // another family sharing a prefix
        return Fail(absl::StrCat("counter sample ", internal::Quote(name),
                                 " must be named ",
                                 internal::Quote(absl::StrCat(name, "_total")),
                                 " in OpenMetrics"));
      }
      break;
    case MetricType::kSummary:
    case MetricType::kHistogram:
    case MetricType::kGaugeHistogram:
      if (suffix == "_created") is_created_ = true;
      break;
    case MetricType::kInfo:
      if (suffix == "_info" && value_ != 1) {
        return Fail(absl::StrCat("info sample ", internal::Quote(name),
                                 " must have value 1, got ",
                                 internal::FormatGoFloat(value_)));
      }
      break;
    case MetricType::kStateset:
      if (suffix.empty() && value_ != 0 && value_ != 1) {
        return Fail(absl::StrCat("stateset sample ", internal::Quote(name),
                                 " must have value 0 or 1, got ",
                                 internal::FormatGoFloat(value_)));
      }
      break;
    default:
      break;
  }
  return Entry::kSeries;
}

}  // namespace

std::unique_ptr<Parser> NewOpenMetricsParser(absl::string_view body,
                                             const ParserOptions& options) {
  return std::make_unique<OpenMetricsParser>(body, options);
}

}  // namespace vigil::scrape::textparse
