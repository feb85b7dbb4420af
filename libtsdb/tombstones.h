// Tombstones mark deleted time ranges of series: DB::Delete adds them, the
// head and blocks hide the covered samples, and compaction (or
// CleanTombstones) rewrites the data without them. Blocks store them in
// the `tombstones` file (libtsdb/docs/format/tombstones.md).
//
// Thread safety: TombstoneMap is internally locked; Intervals is a value.

#ifndef VIGIL_LIBTSDB_TOMBSTONES_H_
#define VIGIL_LIBTSDB_TOMBSTONES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vigil::tsdb {

// A closed interval [mint, maxt] of milliseconds.
struct Interval {
  int64_t mint;
  int64_t maxt;
  friend bool operator==(const Interval& a, const Interval& b) {
    return a.mint == b.mint && a.maxt == b.maxt;
  }
};

// Sorted, disjoint, non-adjacent intervals.
using Intervals = std::vector<Interval>;

// Adds `iv`, merging overlapping and adjacent intervals.
void AddInterval(Intervals* ivs, Interval iv);
// Whether `t` lies in one of `ivs`.
bool IsDeleted(const Intervals& ivs, int64_t t);
// Whether [mint, maxt] is entirely covered.
bool FullyDeleted(const Intervals& ivs, int64_t mint, int64_t maxt);

// Series ref -> deleted intervals.
class TombstoneMap {
 public:
  void Add(uint64_t ref, Interval iv);
  Intervals Get(uint64_t ref) const;
  size_t NumSeries() const;
  bool Empty() const { return NumSeries() == 0; }
  absl::btree_map<uint64_t, Intervals> Snapshot() const;
  void Erase(uint64_t ref);

  // The block `tombstones` file: magic, version, entries, CRC32C.
  std::string Encode() const;
  // Returns DataLoss naming `what` for a bad magic, version or checksum.
  static absl::StatusOr<TombstoneMap> Decode(absl::string_view data,
                                             absl::string_view what);

  TombstoneMap() = default;
  TombstoneMap(const TombstoneMap& o) : m_(o.Snapshot()) {}
  TombstoneMap& operator=(const TombstoneMap& o) {
    auto s = o.Snapshot();
    absl::MutexLock l(&mu_);
    m_ = std::move(s);
    return *this;
  }

 private:
  mutable absl::Mutex mu_;
  absl::btree_map<uint64_t, Intervals> m_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_TOMBSTONES_H_
