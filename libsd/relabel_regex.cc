#include "libsd/relabel_regex.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libsd/internal/unicode.h"
#include "re2/re2.h"

namespace vigil::sd {

namespace {

enum class Shape {
  kAny,       // .* or (.*)
  kNonEmpty,  // .+ or (.+)
  kLiteral,   // no metacharacters
  kPrefix,    // literal prefix then (.*) or (.+)
  kRegex,     // everything else: RE2
};

bool HasMeta(absl::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': case '.': case '+': case '*': case '?': case '(': case ')':
      case '|': case '[': case ']': case '{': case '}': case '^': case '$':
        return true;
      default:
        break;
    }
  }
  return false;
}

// Go's regexp/syntax wording for RE2's error codes.
absl::string_view GoErrorText(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    case RE2::ErrorPatternTooLarge: return "expression too large";
    default: return "invalid regular expression";
  }
}

}  // namespace

struct RelabelRegex::Compiled {
  std::string expr;
  Shape shape = Shape::kAny;
  int groups = 0;
  std::string literal;     // kLiteral: the text; kPrefix: the prefix
  size_t min_rest = 0;     // kPrefix/kNonEmpty: 1 for (.+)
  std::unique_ptr<RE2> re;  // kRegex only
  std::map<std::string, int> names;  // named groups (kRegex only)
};

RelabelRegex::RelabelRegex() {
  static const std::shared_ptr<const Compiled>* def = [] {
    auto c = std::make_shared<Compiled>();
    c->expr = "(.*)";
    c->shape = Shape::kAny;
    c->groups = 1;
    return new std::shared_ptr<const Compiled>(std::move(c));
  }();
  compiled_ = *def;
}

absl::StatusOr<RelabelRegex> RelabelRegex::Compile(absl::string_view expr) {
  if (expr == "(.*)") return RelabelRegex();
  auto c = std::make_shared<Compiled>();
  c->expr = std::string(expr);
  if (expr == ".*") {
    c->shape = Shape::kAny;
  } else if (expr == "(.+)" || expr == ".+") {
    c->shape = Shape::kNonEmpty;
    c->groups = expr[0] == '(' ? 1 : 0;
    c->min_rest = 1;
  } else if (!HasMeta(expr)) {
    c->shape = Shape::kLiteral;
    c->literal = std::string(expr);
  } else if ((absl::EndsWith(expr, "(.*)") || absl::EndsWith(expr, "(.+)")) &&
             !HasMeta(expr.substr(0, expr.size() - 4))) {
    c->shape = Shape::kPrefix;
    c->groups = 1;
    c->literal = std::string(expr.substr(0, expr.size() - 4));
    c->min_rest = expr[expr.size() - 2] == '+' ? 1 : 0;
  } else {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<RE2>(absl::StrCat("^(?s:", expr, ")$"), opts);
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("error parsing regexp: ", GoErrorText(re->error_code()),
                       ": `", re->error_arg(), "`"));
    }
    c->shape = Shape::kRegex;
    c->groups = re->NumberOfCapturingGroups();
    c->names = re->NamedCapturingGroups();
    c->re = std::move(re);
  }
  return RelabelRegex(std::move(c));
}

const std::string& RelabelRegex::expr() const { return compiled_->expr; }

bool RelabelRegex::IsDefault() const { return compiled_->expr == "(.*)"; }

int RelabelRegex::NumGroups() const { return compiled_->groups; }

bool RelabelRegex::Match(absl::string_view s) const {
  const Compiled& c = *compiled_;
  switch (c.shape) {
    case Shape::kAny:
      return true;
    case Shape::kNonEmpty:
      return !s.empty();
    case Shape::kLiteral:
      return s == c.literal;
    case Shape::kPrefix:
      return s.size() >= c.literal.size() + c.min_rest &&
             absl::StartsWith(s, c.literal);
    case Shape::kRegex:
      return RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *c.re);
  }
  return false;
}

bool RelabelRegex::MatchGroups(absl::string_view s,
                               absl::Span<absl::string_view> groups) const {
  const Compiled& c = *compiled_;
  switch (c.shape) {
    case Shape::kAny:
    case Shape::kNonEmpty:
      if (s.size() < c.min_rest) return false;
      groups[0] = s;
      if (c.groups == 1) groups[1] = s;
      return true;
    case Shape::kLiteral:
      if (s != c.literal) return false;
      groups[0] = s;
      return true;
    case Shape::kPrefix:
      if (!Match(s)) return false;
      groups[0] = s;
      groups[1] = s.substr(c.literal.size());
      return true;
    case Shape::kRegex: {
      // StringPiece and absl::string_view differ in this Abseil; match into
      // a small local array and convert.
      constexpr int kInline = 16;
      re2::StringPiece inline_sp[kInline];
      std::unique_ptr<re2::StringPiece[]> heap;
      re2::StringPiece* sp = inline_sp;
      int n = c.groups + 1;
      if (n > kInline) {
        heap.reset(new re2::StringPiece[n]);
        sp = heap.get();
      }
      if (!c.re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(),
                       RE2::ANCHOR_BOTH, sp, n)) {
        return false;
      }
      for (int i = 0; i < n; ++i) {
        groups[i] = sp[i].data() == nullptr
                        ? absl::string_view()
                        : absl::string_view(sp[i].data(), sp[i].size());
      }
      return true;
    }
  }
  return false;
}

void RelabelRegex::Expand(absl::string_view tmpl,
                          absl::Span<const absl::string_view> groups,
                          std::string* out) const {
  const Compiled& c = *compiled_;
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == absl::string_view::npos) break;
    out->append(tmpl.data(), dollar);
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out->push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    // Go's extract(): a name of letters, digits and '_', optionally braced.
    absl::string_view rest = tmpl;
    bool brace = !rest.empty() && rest[0] == '{';
    if (brace) rest.remove_prefix(1);
    size_t i = 0;
    while (i < rest.size()) {
      size_t size;
      char32_t r = internal::DecodeRune(rest.substr(i), &size);
      if (r != '_' && !internal::IsLetterOrDigit(r)) break;
      i += size;
    }
    if (i == 0 || (brace && (i >= rest.size() || rest[i] != '}'))) {
      out->push_back('$');  // malformed: the '$' is literal text
      continue;
    }
    absl::string_view name = rest.substr(0, i);
    tmpl = rest.substr(brace ? i + 1 : i);
    long num = 0;
    for (char ch : name) {
      if (ch < '0' || ch > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (ch - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num >= 0) {
      if (num < static_cast<long>(groups.size()) && num <= c.groups) {
        out->append(groups[num].data(), groups[num].size());
      }
    } else if (!c.names.empty()) {
      auto it = c.names.find(std::string(name));
      if (it != c.names.end() && it->second < static_cast<int>(groups.size())) {
        out->append(groups[it->second].data(), groups[it->second].size());
      }
    }
  }
  out->append(tmpl.data(), tmpl.size());
}

}  // namespace vigil::sd
