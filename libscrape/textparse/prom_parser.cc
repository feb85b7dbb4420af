#include "libscrape/textparse/prom_parser.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libscrape/textparse/internal/lex.h"
#include "libscrape/textparse/internal/scan.h"

namespace vigil::scrape::textparse {
namespace {

using internal::Is;
using internal::kLabelStart;
using internal::kLabelChar;
using internal::kMetricChar;
using internal::kMetricStart;
using internal::kValueEnd;

class PromParser final : public Parser {
 public:
  PromParser(absl::string_view body, const ParserOptions& options)
      : Parser(body, options) {}

  Entry Next() override;

 private:
  void SkipBlanks() {
    while (pos_ < buf_.size() && (buf_[pos_] == ' ' || buf_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool AtEol() const { return pos_ >= buf_.size() || buf_[pos_] == '\n'; }
  size_t LineEnd(size_t from) const {
    size_t e = buf_.find('\n', from);
    return e == absl::string_view::npos ? buf_.size() : e;
  }
  // Prometheus's parse error with the offending token at pos_ (one byte,
  // or EOF at the end of input).
  Entry Error(absl::string_view exp, absl::string_view tok_name = "INVALID") {
    const size_t e = std::min(buf_.size(), pos_ + 1);
    absl::string_view got = buf_.substr(pos_, e - pos_);
    if (pos_ >= buf_.size()) tok_name = "EOF";
    return Fail(internal::ParseErrorText(exp, got, tok_name,
                                         buf_.substr(start_, e - start_)));
  }
  Entry ParseMeta();
  Entry ParseSeries();
  bool ParseLabels(Entry* err);

  size_t start_ = 0;
  int pending_lines_ = 0;  // raw newlines inside the last entry's values
};

Entry PromParser::Next() {
  if (failed_) return Entry::kError;
  ResetEntry();
  line_ += pending_lines_;
  pending_lines_ = 0;
  for (;;) {
    if (pos_ >= buf_.size()) return Entry::kEOF;
    ++line_;
    start_ = pos_;
    SkipBlanks();
    if (pos_ >= buf_.size()) return Entry::kEOF;
    const char c = buf_[pos_];
    if (c == '\n') {
      ++pos_;
      continue;
    }
    if (c == '#') return ParseMeta();
    if (Is(c, kMetricStart) || c == '{') return ParseSeries();
    return Error("expected a valid start token");
  }
}

Entry PromParser::ParseMeta() {
  const size_t hash = pos_;
  ++pos_;
  if (pos_ < buf_.size() && (buf_[pos_] == ' ' || buf_[pos_] == '\t')) {
    SkipBlanks();
    absl::string_view rest = buf_.substr(pos_);
    const bool help = absl::StartsWith(rest, "HELP");
    const bool type = !help && absl::StartsWith(rest, "TYPE");
    if ((help || type) && rest.size() > 4 &&
        (rest[4] == ' ' || rest[4] == '\t')) {
      const absl::string_view kw = help ? "HELP" : "TYPE";
      pos_ += 4;
      SkipBlanks();
      if (pos_ < buf_.size() && Is(buf_[pos_], kMetricStart)) {
        size_t e = internal::ScanClass(buf_, pos_ + 1, kMetricChar);
        meta_name_ = buf_.substr(pos_, e - pos_);
        pos_ = e;
      } else if (pos_ < buf_.size() && buf_[pos_] == '"') {
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
      const size_t eol = LineEnd(pos_);
      absl::string_view text = buf_.substr(pos_, eol - pos_);
      if (!text.empty()) text.remove_prefix(1);
      pos_ = std::min(buf_.size(), eol + 1);
      if (type) {
        if (text == "counter") {
          type_ = MetricType::kCounter;
        } else if (text == "gauge") {
          type_ = MetricType::kGauge;
        } else if (text == "histogram") {
          type_ = MetricType::kHistogram;
        } else if (text == "summary") {
          type_ = MetricType::kSummary;
        } else if (text == "untyped") {
          type_ = MetricType::kUnknown;
        } else {
          return Fail(absl::StrCat("invalid metric type ",
                                   internal::Quote(text)));
        }
        family_name_.assign(meta_name_.data(), meta_name_.size());
        family_type_ = type_;
        return Entry::kType;
      }
      if (!internal::ValidUtf8(text)) {
        return Fail(absl::StrCat("help text ", internal::Quote(text),
                                 " is not a valid utf8 string"));
      }
      if (text.find('\\') != absl::string_view::npos) {
        internal::Unescape(text, /*help_only=*/true, &help_scratch_);
        help_ = help_scratch_;
      } else {
        help_ = text;
      }
      return Entry::kHelp;
    }
  }
  const size_t eol = LineEnd(hash);
  comment_ = buf_.substr(hash, eol - hash);
  pos_ = std::min(buf_.size(), eol + 1);
  return Entry::kComment;
}

bool PromParser::ParseLabels(Entry* err) {
  const size_t n = buf_.size();
  for (;;) {
    SkipBlanks();
    if (pos_ >= n) {
      *err = Error("expected label name");
      return false;
    }
    char c = buf_[pos_];
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
      *err = Error("expected label name",
                   c == ',' ? "COMMA" : (c == '=' ? "EQUAL" : "INVALID"));
      return false;
    }
    SkipBlanks();
    if (quoted && pos_ < n && (buf_[pos_] == ',' || buf_[pos_] == '}')) {
      // A bare quoted string is the metric name.
      if (!metric_name_.empty() || metric_name_quoted_) {
        *err = Fail(absl::StrCat(
            "metric name already set while parsing: ",
            internal::Quote(buf_.substr(start_, pos_ + 1 - start_))));
        return false;
      }
      metric_name_ = name;
      metric_name_quoted_ = true;
      if (buf_[pos_++] == '}') return true;
      continue;
    }
    if (pos_ >= n || buf_[pos_] != '=') {
      *err = Error("expected equal");
      return false;
    }
    ++pos_;
    SkipBlanks();
    if (pos_ >= n || buf_[pos_] != '"') {
      *err = Error("expected label value");
      return false;
    }
    bool esc = false;
    // Raw newlines are allowed inside label values (as Prometheus's lexer
    // does); they count towards later entries' line numbers.
    size_t e = internal::ScanQuoted(buf_, pos_, &esc, &pending_lines_);
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
    labels_.push_back(RawLabel{name, value});
    SkipBlanks();
    if (pos_ < n && buf_[pos_] == ',') ++pos_;
  }
}

Entry PromParser::ParseSeries() {
  const size_t series_start = pos_;
  metric_name_quoted_ = false;
  if (buf_[pos_] != '{') {
    size_t e = internal::ScanClass(buf_, pos_ + 1, kMetricChar);
    metric_name_ = buf_.substr(pos_, e - pos_);
    pos_ = e;
    series_ = buf_.substr(series_start, e - series_start);
    SkipBlanks();
  }
  if (pos_ < buf_.size() && buf_[pos_] == '{') {
    ++pos_;
    Entry err;
    if (!ParseLabels(&err)) return err;
    series_ = buf_.substr(series_start, pos_ - series_start);
    if (metric_name_.empty() && !metric_name_quoted_) {
      return Fail(absl::StrCat(
          "metric name not set while parsing: ",
          internal::Quote(buf_.substr(start_, pos_ - start_))));
    }
    SkipBlanks();
  }
  const size_t v0 = pos_;
  while (pos_ < buf_.size() && !Is(buf_[pos_], kValueEnd)) ++pos_;
  if (pos_ == v0) return Error("expected value after metric");
  std::string err;
  if (!internal::ParseFloat(buf_.substr(v0, pos_ - v0), &value_, &err)) {
    return Fail(absl::StrCat(
        err, " while parsing: ",
        internal::Quote(buf_.substr(start_, pos_ - start_))));
  }
  SkipBlanks();
  if (AtEol()) {
    if (pos_ < buf_.size()) ++pos_;
    return Entry::kSeries;
  }
  if (!internal::IsDigit(buf_[pos_])) {
    return Error("expected timestamp or new record");
  }
  const size_t t0 = pos_;
  while (pos_ < buf_.size() && internal::IsDigit(buf_[pos_])) ++pos_;
  if (!internal::ParseInt64(buf_.substr(t0, pos_ - t0), &ts_ms_, &err)) {
    return Fail(absl::StrCat(
        err, " while parsing: ",
        internal::Quote(buf_.substr(start_, pos_ - start_))));
  }
  has_ts_ = true;
  SkipBlanks();
  if (!AtEol()) return Error("expected next entry after timestamp");
  if (pos_ < buf_.size()) ++pos_;
  return Entry::kSeries;
}

}  // namespace

std::unique_ptr<Parser> NewPromParser(absl::string_view body,
                                      const ParserOptions& options) {
  return std::make_unique<PromParser>(body, options);
}

}  // namespace vigil::scrape::textparse
