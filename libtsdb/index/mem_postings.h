// MemPostings: the head's inverted index, label pair -> postings, plus the
// sorted value dictionary of every label name. Series are added once, at
// creation, and removed in bulk when the head is truncated.
//
// Thread safety: all methods may be called concurrently (reader/writer
// lock); results are copies.

#ifndef VIGIL_LIBTSDB_INDEX_MEM_POSTINGS_H_
#define VIGIL_LIBTSDB_INDEX_MEM_POSTINGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/index/postings.h"
#include "model/labels.h"

namespace vigil::tsdb::index {

class MemPostings final : public LabelIndex {
 public:
  MemPostings() = default;

  // Indexes series `ref` under each of its label pairs. Refs are expected
  // to grow; an out-of-order ref is inserted in place.
  void Add(uint64_t ref, const model::Labels& labels);
  // Removes the given series everywhere; drops emptied values and names.
  void Delete(const absl::flat_hash_set<uint64_t>& refs);

  // Sorted label names and sorted values of one name, without touching
  // any series.
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(absl::string_view name) const;
  size_t NumValues(absl::string_view name) const;

  void VisitValues(absl::string_view name, absl::string_view prefix,
                   absl::FunctionRef<void(absl::string_view)> fn)
      const override;
  Postings PostingsFor(absl::string_view name,
                       absl::string_view value) const override;
  Postings PostingsForValues(
      absl::string_view name,
      const std::vector<std::string>& values) const override;
  Postings AllPostings() const override;

  // Calls fn(name, value, postings) for every pair in (name, value) order
  // (used when writing a block index).
  void ForEach(absl::FunctionRef<void(absl::string_view, absl::string_view,
                                      const Postings&)>
                   fn) const;

 private:
  using Values = absl::btree_map<std::string, Postings>;
  static void InsertSorted(Postings* p, uint64_t ref);

  mutable absl::Mutex mu_;
  absl::btree_map<std::string, Values> m_ ABSL_GUARDED_BY(mu_);
  Postings all_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::tsdb::index

#endif  // VIGIL_LIBTSDB_INDEX_MEM_POSTINGS_H_
