// Internal to the head: the per-series state and the lock stripes.
//
// Lock order: hash stripe -> ref stripe -> series -> tombstones.

#ifndef VIGIL_LIBTSDB_INTERNAL_HEAD_SERIES_H_
#define VIGIL_LIBTSDB_INTERNAL_HEAD_SERIES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/head.h"
#include "libtsdb/internal/spin_lock.h"

namespace vigil::tsdb {

struct Head::Series {
  Series(uint64_t r, model::Labels l) : ref(r), labels(std::move(l)) {}

  struct FullChunk {
    std::shared_ptr<const void> owner;  // heap string or mapped file
    absl::string_view bytes;
    int64_t mint;
    int64_t maxt;
    bool mapped;
  };

  const uint64_t ref;
  const model::Labels labels;
  // Appenders holding uncommitted samples for this series.
  std::atomic<int32_t> pending{0};
  // Last committed sample (read without the lock for early checks).
  std::atomic<int64_t> last_t{INT64_MIN};
  std::atomic<uint64_t> last_vbits{0};
  std::atomic<bool> has_samples{false};
  // Its series record is in the WAL. Until then every appender committing
  // samples for it logs the record too (replay ignores repeats), so its
  // samples never precede it in the WAL whichever appender commits first.
  std::atomic<bool> logged{false};

  mutable internal::SpinLock mu;
  std::vector<FullChunk> full ABSL_GUARDED_BY(mu);
  chunkenc::XorChunk open ABSL_GUARDED_BY(mu);
  bool has_open ABSL_GUARDED_BY(mu) = false;
  int64_t open_mint ABSL_GUARDED_BY(mu) = 0;
  int64_t next_at ABSL_GUARDED_BY(mu) = INT64_MIN;
};

struct Head::RefStripe {
  mutable internal::SpinLock mu;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Series>> m ABSL_GUARDED_BY(mu);
};

struct Head::HashStripe {
  mutable internal::SpinLock mu;
  absl::flat_hash_map<uint64_t, absl::InlinedVector<Series*, 1>> m
      ABSL_GUARDED_BY(mu);
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_INTERNAL_HEAD_SERIES_H_
