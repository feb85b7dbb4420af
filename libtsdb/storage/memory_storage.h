// MemoryStorage is a small, complete in-memory storage: it implements both
// Appendable and Queryable with sorted vectors, no compression, no WAL.
//
// It is the reference the TSDB is tested against, the storage under the
// PromQL conformance scripts, and an example of plugging one's own data
// under PromQL. Samples per series must arrive in timestamp order (the
// same out-of-order and duplicate errors as the TSDB).
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBTSDB_STORAGE_MEMORY_STORAGE_H_
#define VIGIL_LIBTSDB_STORAGE_MEMORY_STORAGE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"

namespace vigil::storage {

class MemoryStorage final : public Appendable, public Queryable {
 public:
  struct Sample {
    int64_t t;
    double v;
  };

  MemoryStorage() = default;

  std::unique_ptr<Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(int64_t mint_ms,
                                                      int64_t maxt_ms) override;

  // Number of series and samples held.
  size_t NumSeries() const;
  size_t NumSamples() const;

  // Drops everything.
  void Clear();

 private:
  class MemAppender;
  class MemQuerier;
  struct Series {
    model::Labels labels;
    // Shared with iterators so a later append cannot invalidate them;
    // appends copy-on-write when an iterator still holds the vector.
    std::shared_ptr<std::vector<Sample>> samples;
  };

  mutable absl::Mutex mu_;
  std::vector<Series> series_ ABSL_GUARDED_BY(mu_);  // index = ref - 1
  absl::flat_hash_map<model::Labels, size_t> by_labels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::storage

#endif  // VIGIL_LIBTSDB_STORAGE_MEMORY_STORAGE_H_
