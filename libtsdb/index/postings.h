// Postings: sorted lists of series references, the unit of the inverted
// index, with the set operations queries combine them by; and matcher
// resolution over any label index (the head's MemPostings or a block's
// index reader).
//
// A posting list is a std::vector<uint64_t>, strictly increasing.
//
// Thread safety: the functions are pure. A LabelIndex implementation says
// its own rules.

#ifndef VIGIL_LIBTSDB_INDEX_POSTINGS_H_
#define VIGIL_LIBTSDB_INDEX_POSTINGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/matcher.h"

namespace vigil::tsdb::index {

using Postings = std::vector<uint64_t>;

// a ∩ b.
Postings Intersect(const Postings& a, const Postings& b);
// ∩ of all lists (empty input gives an empty list); smallest first.
Postings IntersectAll(std::vector<Postings> lists);
// a ∪ b.
Postings Union(const Postings& a, const Postings& b);
// ∪ of all lists.
Postings Merge(std::vector<Postings> lists);
// a \ b.
Postings Subtract(const Postings& a, const Postings& b);

// What matcher resolution needs from an index.
class LabelIndex {
 public:
  virtual ~LabelIndex() = default;
  // Calls fn for each value of label `name` starting with `prefix`, in
  // increasing order.
  virtual void VisitValues(absl::string_view name, absl::string_view prefix,
                           absl::FunctionRef<void(absl::string_view)> fn)
      const = 0;
  // Postings of series with name=value (empty when none).
  virtual Postings PostingsFor(absl::string_view name,
                               absl::string_view value) const = 0;
  // Union of PostingsFor(name, v) for every v in `values`.
  virtual Postings PostingsForValues(
      absl::string_view name, const std::vector<std::string>& values) const;
  // Every series.
  virtual Postings AllPostings() const = 0;
};

// Series matching all of `matchers` (Prometheus's PostingsForMatchers):
// matchers selecting the empty value also select series without the
// label. Regexes are evaluated against the label's value dictionary only;
// SetMatches() and Prefix() avoid scanning it. An empty matcher list
// selects nothing.
Postings PostingsForMatchers(const LabelIndex& index,
                             const std::vector<model::Matcher>& matchers);

}  // namespace vigil::tsdb::index

#endif  // VIGIL_LIBTSDB_INDEX_POSTINGS_H_
