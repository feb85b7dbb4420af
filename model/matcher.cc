#include "model/matcher.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "re2/re2.h"

namespace vigil::model {

struct Matcher::Compiled {
  Shape shape = Shape::kRegex;
  std::vector<std::string> set;  // kLiteral (one) and kSet
  std::string prefix;            // kPrefix, and a hint for kRegex
  std::unique_ptr<RE2> re;       // kRegex only
};

namespace {

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\': case '.': case '+': case '*': case '?': case '(': case ')':
    case '|': case '[': case ']': case '{': case '}': case '^': case '$':
      return true;
    default:
      return false;
  }
}

bool IsLiteral(absl::string_view s) {
  for (char c : s) {
    if (IsRegexMeta(c)) return false;
  }
  return true;
}

// The literal run at the start of `s`, before the first meta character;
// empty when a quantifier may apply to its last character.
// Whether `s` has an alternation outside any group or character class.
bool HasTopLevelAlternation(absl::string_view s) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

absl::string_view LiteralPrefix(absl::string_view s) {
  if (HasTopLevelAlternation(s)) return absl::string_view();
  size_t i = 0;
  while (i < s.size() && !IsRegexMeta(s[i])) ++i;
  if (i < s.size() &&
      (s[i] == '*' || s[i] == '+' || s[i] == '?' || s[i] == '{')) {
    return i == 0 ? absl::string_view() : s.substr(0, i - 1);
  }
  return s.substr(0, i);
}

const std::vector<std::string>& EmptySet() {
  static const auto* empty = new std::vector<std::string>();
  return *empty;
}

}  // namespace

absl::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

absl::StatusOr<Matcher> Matcher::Create(MatchType type, absl::string_view name,
                                        absl::string_view value) {
  Matcher m(type, name, value);
  auto c = std::make_shared<Compiled>();
  if (type == MatchType::kEqual || type == MatchType::kNotEqual) {
    c->shape = Shape::kLiteral;
    c->set.emplace_back(value);
    c->prefix = std::string(value);
    m.compiled_ = std::move(c);
    return m;
  }
  if (value == ".*") {
    c->shape = Shape::kAny;
  } else if (value == ".+") {
    c->shape = Shape::kNonEmpty;
  } else if (IsLiteral(value)) {
    c->shape = Shape::kLiteral;
    c->set.emplace_back(value);
    c->prefix = std::string(value);
  } else if (absl::EndsWith(value, ".*") &&
             IsLiteral(value.substr(0, value.size() - 2))) {
    c->shape = Shape::kPrefix;
    c->prefix = std::string(value.substr(0, value.size() - 2));
  } else {
    std::vector<absl::string_view> alts = absl::StrSplit(value, '|');
    bool all_literal = alts.size() > 1;
    for (absl::string_view a : alts) all_literal = all_literal && IsLiteral(a);
    if (all_literal) {
      c->shape = Shape::kSet;
      for (absl::string_view a : alts) c->set.emplace_back(a);
    }
  }
  // Always compile, so an invalid pattern is rejected whatever its shape.
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  auto re = std::make_unique<RE2>(absl::StrCat("^(?:", value, ")$"), opts);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid regular expression \"", value, "\": ", re->error()));
  }
  if (c->shape == Shape::kRegex) {
    c->re = std::move(re);
    c->prefix = std::string(LiteralPrefix(value));
  }
  m.compiled_ = std::move(c);
  return m;
}

Matcher Matcher::Equal(absl::string_view name, absl::string_view value) {
  return *Create(MatchType::kEqual, name, value);
}

Matcher Matcher::NotEqual(absl::string_view name, absl::string_view value) {
  return *Create(MatchType::kNotEqual, name, value);
}

bool Matcher::MatchesPositive(absl::string_view v) const {
  const Compiled& c = *compiled_;
  switch (c.shape) {
    case Shape::kAny: return true;
    case Shape::kNonEmpty: return !v.empty();
    case Shape::kLiteral: return v == c.set[0];
    case Shape::kPrefix: return absl::StartsWith(v, c.prefix);
    case Shape::kSet:
      for (const std::string& s : c.set) {
        if (v == s) return true;
      }
      return false;
    case Shape::kRegex:
      if (!absl::StartsWith(v, c.prefix)) return false;
      return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *c.re);
  }
  return false;
}

bool Matcher::Matches(absl::string_view v) const {
  switch (type_) {
    case MatchType::kEqual: return v == value_;
    case MatchType::kNotEqual: return v != value_;
    case MatchType::kRegexMatch: return MatchesPositive(v);
    case MatchType::kRegexNoMatch: return !MatchesPositive(v);
  }
  return false;
}

const std::vector<std::string>& Matcher::SetMatches() const {
  if (type_ == MatchType::kEqual) return compiled_->set;
  if (type_ == MatchType::kRegexMatch &&
      (compiled_->shape == Shape::kLiteral || compiled_->shape == Shape::kSet)) {
    return compiled_->set;
  }
  return EmptySet();
}

absl::string_view Matcher::Prefix() const {
  if (type_ != MatchType::kRegexMatch) return absl::string_view();
  return compiled_->prefix;
}

std::string Matcher::ToString() const {
  return absl::StrCat(name_, MatchTypeString(type_), QuoteString(value_));
}

bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const Matcher& m : matchers) {
    if (!m.MatchesLabels(labels)) return false;
  }
  return true;
}

}  // namespace vigil::model
