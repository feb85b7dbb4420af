// RelabelRegex is the compiled `regex` of a relabel config: an RE2 pattern
// matched fully anchored with `.` matching newlines, as Prometheus 3.x
// compiles it (`^(?s:<expr>)$`), plus Go's Regexp.Expand for `$1`, `${1}`,
// `$name` and `${name}` in templates.
//
// Common shapes never reach RE2: the default `(.*)`, `.*`, `(.+)`, `.+`, a
// literal, and a literal prefix followed by `(.*)` or `(.+)` (the
// `__meta_kubernetes_pod_label_(.+)` of labelmap rules).
//
// Thread safety: immutable after Compile(); copies share the compiled form
// and may be used from many threads at once.

#ifndef VIGIL_LIBSD_RELABEL_REGEX_H_
#define VIGIL_LIBSD_RELABEL_REGEX_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vigil::sd {

class RelabelRegex {
 public:
  // The default regex, `(.*)`.
  RelabelRegex();

  // Compiles `expr` (unanchored, as written in the config). Returns
  // InvalidArgument "error parsing regexp: <reason>: `<expr>`" when RE2
  // rejects it.
  static absl::StatusOr<RelabelRegex> Compile(absl::string_view expr);

  // The expression as written (without the anchors).
  const std::string& expr() const;
  // Whether this is the default `(.*)`.
  bool IsDefault() const;
  // Number of capturing groups (group 0, the whole match, not counted).
  int NumGroups() const;

  // Whether `s` matches fully.
  bool Match(absl::string_view s) const;

  // Full match filling groups[0..NumGroups()] (unmatched groups empty).
  // `groups` must hold at least NumGroups() + 1 entries. Returns false,
  // leaving `groups` unspecified, when `s` does not match.
  bool MatchGroups(absl::string_view s, absl::Span<absl::string_view> groups)
      const;

  // Appends `tmpl` to `out` with `$n`, `${n}`, `$name`, `${name}` replaced
  // by the groups of a match, following Go's Regexp.Expand: `$$` is `$`,
  // names are as long as possible (`$1x` is group "1x", hence empty), a
  // malformed reference stays literal, unknown groups expand to "".
  void Expand(absl::string_view tmpl, absl::Span<const absl::string_view> groups,
              std::string* out) const;

  friend bool operator==(const RelabelRegex& a, const RelabelRegex& b) {
    return a.expr() == b.expr();
  }
  friend bool operator!=(const RelabelRegex& a, const RelabelRegex& b) {
    return !(a == b);
  }

 private:
  struct Compiled;
  explicit RelabelRegex(std::shared_ptr<const Compiled> c)
      : compiled_(std::move(c)) {}
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_RELABEL_REGEX_H_
