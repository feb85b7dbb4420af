#include "libpromql/promqltest/script.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libpromql/parser/lexer.h"
#include "model/duration.h"
#include "model/status_macros.h"
#include "model/value.h"

namespace vigil::promql::promqltest {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

void SkipSpace(absl::string_view* s) {
  while (!s->empty() && IsSpace(s->front())) s->remove_prefix(1);
}

// Splits off the first whitespace-separated word.
absl::string_view NextWord(absl::string_view* s) {
  SkipSpace(s);
  size_t i = 0;
  while (i < s->size() && !IsSpace((*s)[i])) ++i;
  absl::string_view w = s->substr(0, i);
  s->remove_prefix(i);
  SkipSpace(s);
  return w;
}

absl::Status LineError(int line, absl::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", msg));
}

absl::StatusOr<int64_t> ParseTime(int line, absl::string_view s) {
  absl::StatusOr<int64_t> d = model::ParseDurationMs(s);
  if (!d.ok()) {
    return LineError(line, absl::StrCat("invalid time \"", s, "\": ",
                                        d.status().message()));
  }
  return *d;
}

bool IsNameStart(char c) {
  return absl::ascii_isalpha(c) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || absl::ascii_isdigit(c); }

// Reads one quoted string at the start of `s`, returning its raw text
// including quotes.
absl::StatusOr<absl::string_view> TakeQuoted(absl::string_view* s) {
  if (s->empty()) return absl::InvalidArgumentError("expected string");
  char q = s->front();
  if (q != '"' && q != '\'' && q != '`') {
    return absl::InvalidArgumentError(
        absl::StrCat("expected quoted string at \"", *s, "\""));
  }
  size_t i = 1;
  while (i < s->size()) {
    char c = (*s)[i];
    if (c == '\\' && q != '`') {
      i += 2;
      continue;
    }
    if (c == q) {
      absl::string_view raw = s->substr(0, i + 1);
      s->remove_prefix(i + 1);
      return raw;
    }
    ++i;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unterminated quoted string: ", *s));
}

std::vector<std::string> SplitItems(absl::string_view s) {
  std::vector<std::string> items;
  std::string cur;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '{' && i + 1 < s.size() && s[i + 1] == '{') {
      depth++;
      cur += "{{";
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < s.size() && s[i + 1] == '}' && depth > 0) {
      depth--;
      cur += "}}";
      ++i;
      continue;
    }
    if (IsSpace(c) && depth == 0) {
      if (!cur.empty()) items.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  if (!cur.empty()) items.push_back(std::move(cur));
  return items;
}

}  // namespace

std::optional<double> ParseNumber(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return std::nullopt;
  absl::string_view body = s;
  bool neg = false;
  if (body.front() == '+' || body.front() == '-') {
    neg = body.front() == '-';
    body.remove_prefix(1);
  }
  std::string lower = absl::AsciiStrToLower(body);
  if (lower == "inf" || lower == "infinity") {
    return neg ? -std::numeric_limits<double>::infinity()
               : std::numeric_limits<double>::infinity();
  }
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (body.empty()) return std::nullopt;
  std::string str(s);
  if (lower.size() > 2 && lower[0] == '0' &&
      (lower[1] == 'x' || lower[1] == 'o' || lower[1] == 'b')) {
    int base = lower[1] == 'x' ? 16 : lower[1] == 'o' ? 8 : 2;
    std::string digits = lower.substr(2);
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(digits.c_str(), &end, base);
    if (end != nullptr && *end == '\0' && errno == 0) {
      double d = static_cast<double>(v);
      return neg ? -d : d;
    }
    // Hex floats ("0x1p-2") fall through to strtod.
  }
  // Go's ParseInt with base 0 reads a leading 0 as octal.
  if (lower.size() > 1 && lower[0] == '0' &&
      lower.find_first_not_of("01234567") == std::string::npos) {
    double d = static_cast<double>(std::strtoull(lower.c_str(), nullptr, 8));
    return neg ? -d : d;
  }
  for (char c : lower) {
    if (!(absl::ascii_isdigit(c) || c == '.' || c == 'e' || c == '+' ||
          c == '-' || c == 'x' || c == 'p' || (c >= 'a' && c <= 'f'))) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  double d = std::strtod(str.c_str(), &end);
  if (end == nullptr || *end != '\0' || end == str.c_str()) return std::nullopt;
  return d;
}

absl::StatusOr<model::Labels> ParseSeriesDescription(absl::string_view* s) {
  SkipSpace(s);
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string name;
  size_t i = 0;
  if (!s->empty() && IsNameStart(s->front())) {
    while (i < s->size() && IsNameChar((*s)[i])) ++i;
    name = std::string(s->substr(0, i));
    s->remove_prefix(i);
  }
  if (!s->empty() && s->front() == '{') {
    s->remove_prefix(1);
    while (true) {
      SkipSpace(s);
      if (s->empty()) return absl::InvalidArgumentError("unterminated '{'");
      if (s->front() == '}') {
        s->remove_prefix(1);
        break;
      }
      std::string lname;
      if (s->front() == '"' || s->front() == '\'' || s->front() == '`') {
        VIGIL_ASSIGN_OR_RETURN(absl::string_view raw, TakeQuoted(s));
        VIGIL_ASSIGN_OR_RETURN(lname, parser::GoUnquote(raw));
      } else {
        size_t j = 0;
        while (j < s->size() && IsNameChar((*s)[j])) ++j;
        if (j == 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("expected label name at \"", *s, "\""));
        }
        lname = std::string(s->substr(0, j));
        s->remove_prefix(j);
      }
      SkipSpace(s);
      if (!s->empty() && (s->front() == ',' || s->front() == '}')) {
        // A lone quoted string is the metric name.
        if (!name.empty()) {
          return absl::InvalidArgumentError("metric name given twice");
        }
        name = lname;
      } else {
        if (s->empty() || s->front() != '=') {
          return absl::InvalidArgumentError(
              absl::StrCat("expected '=' after label name ", lname));
        }
        s->remove_prefix(1);
        SkipSpace(s);
        VIGIL_ASSIGN_OR_RETURN(absl::string_view raw, TakeQuoted(s));
        VIGIL_ASSIGN_OR_RETURN(std::string value, parser::GoUnquote(raw));
        pairs.emplace_back(std::move(lname), std::move(value));
      }
      SkipSpace(s);
      if (!s->empty() && s->front() == ',') s->remove_prefix(1);
    }
  } else if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected series description at \"", *s, "\""));
  }
  if (!name.empty()) pairs.emplace_back(std::string(model::kMetricName), name);
  return model::Labels::FromPairs(pairs);
}

absl::StatusOr<std::vector<SequenceValue>> ParseValueSequence(
    absl::string_view s) {
  std::vector<SequenceValue> out;
  for (const std::string& item_str : SplitItems(s)) {
    absl::string_view item = item_str;
    if (absl::StrContains(item, "{{")) {
      // Native histogram: {{h}}, {{h}}xN, {{h1}}+{{h2}}xN.
      size_t last = item.rfind("}}");
      int64_t n = 0;
      absl::string_view tail = item.substr(last + 2);
      if (!tail.empty()) {
        if (tail.front() != 'x' ||
            !absl::SimpleAtoi(tail.substr(1), &n) || n < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("bad histogram repetition: ", item));
        }
      }
      for (int64_t k = 0; k <= n; ++k) {
        SequenceValue v;
        v.histogram = true;
        out.push_back(v);
      }
      continue;
    }
    if (item == "_") {
      out.push_back(SequenceValue{true, false, 0});
      continue;
    }
    if (absl::StartsWith(item, "_x")) {
      int64_t n;
      if (!absl::SimpleAtoi(item.substr(2), &n) || n < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad item: ", item));
      }
      for (int64_t k = 0; k < n; ++k) out.push_back(SequenceValue{true, false, 0});
      continue;
    }
    if (item == "stale") {
      out.push_back(SequenceValue{false, false, model::StaleNaN()});
      continue;
    }
    size_t x = item.rfind('x');
    if (x != absl::string_view::npos && x > 0 && x + 1 < item.size() &&
        absl::ascii_isdigit(item[x + 1])) {
      int64_t n;
      if (!absl::SimpleAtoi(item.substr(x + 1), &n) || n < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad repetition: ", item));
      }
      absl::string_view left = item.substr(0, x);
      // Find a binary + or - (not a leading sign, not an exponent sign).
      size_t op = absl::string_view::npos;
      for (size_t k = 1; k < left.size(); ++k) {
        if ((left[k] == '+' || left[k] == '-') && left[k - 1] != 'e' &&
            left[k - 1] != 'E') {
          op = k;
          break;
        }
      }
      if (op == absl::string_view::npos) {
        std::optional<double> a;
        if (left == "stale") {
          a = model::StaleNaN();
        } else {
          a = ParseNumber(left);
        }
        if (!a) return absl::InvalidArgumentError(absl::StrCat("bad value: ", item));
        for (int64_t k = 0; k <= n; ++k) out.push_back(SequenceValue{false, false, *a});
        continue;
      }
      std::optional<double> a = ParseNumber(left.substr(0, op));
      std::optional<double> b = ParseNumber(left.substr(op + 1));
      if (!a || !b) {
        return absl::InvalidArgumentError(absl::StrCat("bad value: ", item));
      }
      double step = left[op] == '-' ? -*b : *b;
      double v = *a;
      out.push_back(SequenceValue{false, false, v});
      for (int64_t k = 1; k <= n; ++k) {
        v += step;
        out.push_back(SequenceValue{false, false, v});
      }
      continue;
    }
    std::optional<double> v = ParseNumber(item);
    if (!v) return absl::InvalidArgumentError(absl::StrCat("bad value: ", item));
    out.push_back(SequenceValue{false, false, *v});
  }
  return out;
}

namespace {

absl::StatusOr<SeriesLine> ParseSeriesLine(int line, absl::string_view text) {
  SeriesLine sl;
  sl.line = line;
  absl::string_view rest = text;
  absl::StatusOr<model::Labels> labels = ParseSeriesDescription(&rest);
  if (!labels.ok()) return LineError(line, labels.status().message());
  sl.labels = *std::move(labels);
  absl::StatusOr<std::vector<SequenceValue>> vals = ParseValueSequence(rest);
  if (!vals.ok()) return LineError(line, vals.status().message());
  sl.values = *std::move(vals);
  for (const SequenceValue& v : sl.values) {
    if (v.histogram) sl.has_histogram = true;
  }
  return sl;
}

// Parses `msg: text`, `regex: re` or nothing after `expect warn` etc.
absl::StatusOr<AnnotationExpectation> ParseMatch(int line,
                                                 absl::string_view rest) {
  AnnotationExpectation m;
  rest = absl::StripAsciiWhitespace(rest);
  if (rest.empty()) return m;
  if (absl::ConsumePrefix(&rest, "msg:")) {
    m.mode = AnnotationExpectation::Mode::kMessage;
  } else if (absl::ConsumePrefix(&rest, "regex:")) {
    m.mode = AnnotationExpectation::Mode::kRegex;
  } else {
    return LineError(line, absl::StrCat("invalid expect modifier: ", rest));
  }
  m.text = std::string(absl::StripAsciiWhitespace(rest));
  return m;
}

absl::Status ParseEvalHeader(int line, absl::string_view text,
                             EvalCommand* ev) {
  absl::string_view rest = text;
  absl::string_view cmd = NextWord(&rest);
  std::string lower = absl::AsciiStrToLower(cmd);
  absl::string_view variant;
  if (lower.size() > 4) {
    if (lower[4] != '_') return LineError(line, absl::StrCat("unknown command ", cmd));
    variant = absl::string_view(lower).substr(5);
  }
  std::string variant_s(variant);
  if (variant_s == "fail") {
    ev->expect_fail = true;
  } else if (variant_s == "ordered") {
    ev->ordered = true;
  } else if (variant_s == "warn") {
    ev->expect_warn.push_back({});
  } else if (variant_s == "info") {
    ev->expect_info.push_back({});
  } else if (!variant_s.empty()) {
    return LineError(line, absl::StrCat("unknown command ", cmd));
  }
  absl::string_view kind = NextWord(&rest);
  if (kind == "instant") {
    absl::string_view save = rest;
    absl::string_view w = NextWord(&rest);
    if (w != "at") rest = save;
    absl::string_view t = NextWord(&rest);
    VIGIL_ASSIGN_OR_RETURN(ev->start_ms, ParseTime(line, t));
    ev->end_ms = ev->start_ms;
  } else if (kind == "range") {
    if (ev->ordered) {
      return LineError(line, "eval_ordered is not supported for range queries");
    }
    ev->is_range = true;
    if (NextWord(&rest) != "from") return LineError(line, "expected 'from'");
    VIGIL_ASSIGN_OR_RETURN(ev->start_ms, ParseTime(line, NextWord(&rest)));
    if (NextWord(&rest) != "to") return LineError(line, "expected 'to'");
    VIGIL_ASSIGN_OR_RETURN(ev->end_ms, ParseTime(line, NextWord(&rest)));
    if (NextWord(&rest) != "step") return LineError(line, "expected 'step'");
    VIGIL_ASSIGN_OR_RETURN(ev->step_ms, ParseTime(line, NextWord(&rest)));
    if (ev->end_ms < ev->start_ms) {
      return LineError(line, "invalid test definition, end timestamp is before start timestamp");
    }
    if (ev->step_ms <= 0) return LineError(line, "step must be positive");
  } else {
    return LineError(line, absl::StrCat("invalid eval kind \"", kind,
                                        "\", want instant or range"));
  }
  if (rest.empty()) return LineError(line, "missing expression");
  ev->expr = std::string(absl::StripAsciiWhitespace(rest));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Script> ParseScript(absl::string_view text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (std::string& l : lines) {
    absl::string_view t = absl::StripAsciiWhitespace(l);
    if (absl::StartsWith(t, "#")) t = absl::string_view();
    l = std::string(t);
  }
  Script script;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    int lineno = static_cast<int>(i) + 1;
    if (l.empty()) {
      ++i;
      continue;
    }
    absl::string_view rest = l;
    std::string word = absl::AsciiStrToLower(NextWord(&rest));
    Command cmd;
    cmd.line = lineno;
    if (word == "clear") {
      cmd.kind = Command::Kind::kClear;
      script.commands.push_back(std::move(cmd));
      ++i;
      continue;
    }
    if (absl::StartsWith(word, "load")) {
      cmd.kind = Command::Kind::kLoad;
      if (word == "load_with_nhcb") {
        cmd.load.with_nhcb = true;
      } else if (word != "load") {
        return LineError(lineno, absl::StrCat("unknown command ", word));
      }
      absl::string_view iv = NextWord(&rest);
      if (iv.empty()) return LineError(lineno, "load needs an interval");
      VIGIL_ASSIGN_OR_RETURN(cmd.load.interval_ms, ParseTime(lineno, iv));
      ++i;
      while (i < lines.size() && !lines[i].empty()) {
        int ln = static_cast<int>(i) + 1;
        absl::string_view sl = lines[i];
        // `metric{...}@st <offsets>` start-timestamp line.
        absl::string_view probe = sl;
        absl::StatusOr<model::Labels> desc = ParseSeriesDescription(&probe);
        if (desc.ok() && absl::StartsWith(probe, "@st")) {
          cmd.load.has_start_timestamps = true;
          ++i;
          continue;
        }
        VIGIL_ASSIGN_OR_RETURN(SeriesLine series, ParseSeriesLine(ln, sl));
        // A repeated label set replaces the earlier line.
        bool replaced = false;
        for (SeriesLine& prev : cmd.load.series) {
          if (prev.labels == series.labels) {
            prev = series;
            replaced = true;
            break;
          }
        }
        if (!replaced) cmd.load.series.push_back(std::move(series));
        ++i;
      }
      script.commands.push_back(std::move(cmd));
      continue;
    }
    if (absl::StartsWith(word, "eval")) {
      cmd.kind = Command::Kind::kEval;
      EvalCommand& ev = cmd.eval;
      ev.line = lineno;
      VIGIL_RETURN_IF_ERROR(ParseEvalHeader(lineno, l, &ev));
      ++i;
      while (i < lines.size() && !lines[i].empty()) {
        int ln = static_cast<int>(i) + 1;
        absl::string_view b = lines[i];
        ++i;
        if (absl::StartsWith(b, "expected_fail_message")) {
          absl::string_view r = b.substr(strlen("expected_fail_message"));
          ev.fail_match = AnnotationExpectation{
              AnnotationExpectation::Mode::kMessage,
              std::string(absl::StripAsciiWhitespace(r))};
          continue;
        }
        if (absl::StartsWith(b, "expected_fail_regexp")) {
          absl::string_view r = b.substr(strlen("expected_fail_regexp"));
          ev.fail_match = AnnotationExpectation{
              AnnotationExpectation::Mode::kRegex,
              std::string(absl::StripAsciiWhitespace(r))};
          continue;
        }
        absl::string_view br = b;
        absl::string_view first = NextWord(&br);
        if (first == "expect") {
          absl::string_view what = NextWord(&br);
          if (what == "fail") {
            if (ev.fail_match.has_value()) {
              return LineError(ln, "multiple expect fail lines");
            }
            ev.expect_fail = true;
            VIGIL_ASSIGN_OR_RETURN(AnnotationExpectation m, ParseMatch(ln, br));
            if (m.mode != AnnotationExpectation::Mode::kAny) ev.fail_match = m;
          } else if (what == "warn") {
            VIGIL_ASSIGN_OR_RETURN(AnnotationExpectation m, ParseMatch(ln, br));
            ev.expect_warn.push_back(m);
          } else if (what == "info") {
            VIGIL_ASSIGN_OR_RETURN(AnnotationExpectation m, ParseMatch(ln, br));
            ev.expect_info.push_back(m);
          } else if (what == "no_warn") {
            ev.expect_no_warn = true;
          } else if (what == "no_info") {
            ev.expect_no_info = true;
          } else if (what == "ordered") {
            if (ev.is_range) {
              return LineError(ln, "expect ordered is not supported for range queries");
            }
            ev.ordered = true;
          } else if (what == "string") {
            absl::string_view q = absl::StripAsciiWhitespace(br);
            absl::StatusOr<std::string> s = parser::GoUnquote(q);
            if (!s.ok()) return LineError(ln, s.status().message());
            ev.expect_string = *s;
          } else if (what == "range") {
            if (NextWord(&br) != "vector" || NextWord(&br) != "from") {
              return LineError(ln, "expected 'expect range vector from'");
            }
            ev.expect_range_vector = true;
            VIGIL_ASSIGN_OR_RETURN(ev.rv_start_ms, ParseTime(ln, NextWord(&br)));
            if (NextWord(&br) != "to") return LineError(ln, "expected 'to'");
            VIGIL_ASSIGN_OR_RETURN(ev.rv_end_ms, ParseTime(ln, NextWord(&br)));
            if (NextWord(&br) != "step") return LineError(ln, "expected 'step'");
            VIGIL_ASSIGN_OR_RETURN(ev.rv_step_ms, ParseTime(ln, NextWord(&br)));
            if (ev.rv_step_ms <= 0) return LineError(ln, "step must be positive");
          } else {
            return LineError(ln, absl::StrCat("unknown expect directive: ", what));
          }
          continue;
        }
        if (std::optional<double> num = ParseNumber(b)) {
          ev.expect_scalar = *num;
          break;  // a scalar line ends the block
        }
        VIGIL_ASSIGN_OR_RETURN(SeriesLine series, ParseSeriesLine(ln, b));
        if (!ev.is_range && !ev.expect_range_vector && series.values.size() != 1) {
          return LineError(ln, "expecting exactly one value for an instant query");
        }
        if (series.has_histogram) ev.expected_has_histogram = true;
        ev.expected.push_back(std::move(series));
      }
      if (ev.expect_no_warn && !ev.expect_warn.empty()) {
        return LineError(lineno, "expect no_warn combined with expect warn");
      }
      if (ev.expect_no_info && !ev.expect_info.empty()) {
        return LineError(lineno, "expect no_info combined with expect info");
      }
      script.commands.push_back(std::move(cmd));
      continue;
    }
    return LineError(lineno, absl::StrCat("invalid command \"", word, "\""));
  }
  return script;
}

}  // namespace vigil::promql::promqltest
