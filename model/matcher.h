// A Matcher selects label values: `name="v"`, `name!="v"`, `name=~"re"`,
// `name!~"re"`. Regexes use RE2 syntax, are fully anchored and let `.`
// match newlines, as Prometheus 3.x does (`^(?s:re)$`).
//
// Common regex shapes skip RE2 entirely: a literal, an alternation of
// literals (`a|b|c`), `.*`, `.+`, and `prefix.*`. The index uses
// SetMatches() and Prefix() to resolve a matcher without scanning values.
//
// Thread safety: a Matcher is immutable and may be shared across threads;
// copies share the compiled regex.

#ifndef VIGIL_MODEL_MATCHER_H_
#define VIGIL_MODEL_MATCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace vigil::model {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
absl::string_view MatchTypeString(MatchType t);

class Matcher {
 public:
  // Returns InvalidArgument when a regex does not compile; the message
  // carries RE2's reason and the pattern.
  static absl::StatusOr<Matcher> Create(MatchType type, absl::string_view name,
                                        absl::string_view value);
  // Equality matchers cannot fail.
  static Matcher Equal(absl::string_view name, absl::string_view value);
  static Matcher NotEqual(absl::string_view name, absl::string_view value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether `v` is selected. An absent label matches as "".
  bool Matches(absl::string_view v) const;
  bool MatchesLabels(const Labels& labels) const {
    return Matches(labels.Get(name_));
  }
  // Whether the empty value is selected (then series lacking the label are).
  bool MatchesEmpty() const { return Matches(absl::string_view()); }

  // For `=` and for `=~` over a finite alternation of literals: every value
  // the matcher accepts. Empty for all other matchers.
  const std::vector<std::string>& SetMatches() const;
  // A literal prefix every value accepted by `=~` starts with ("" when
  // none is known); "" for the other types.
  absl::string_view Prefix() const;

  // PromQL form: job=~"api.*".
  std::string ToString() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  // How Matches() decides, after the type's negation is taken out.
  enum class Shape { kLiteral, kSet, kAny, kNonEmpty, kPrefix, kRegex };
  struct Compiled;

  Matcher(MatchType type, absl::string_view name, absl::string_view value)
      : type_(type), name_(name), value_(value) {}

  bool MatchesPositive(absl::string_view v) const;

  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const Compiled> compiled_;  // never null once created
};

// Whether every matcher accepts `labels`.
bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels);

}  // namespace vigil::model

#endif  // VIGIL_MODEL_MATCHER_H_
