// Internal: applies the samples of a WAL replay on several threads.
//
// Samples are sharded by series (the key the caller gives), so the samples
// of one series are applied in WAL order, by one thread; different series
// go on in parallel. The reading thread hands batches over through small
// bounded queues, so memory stays bounded whatever the WAL size.
//
//   SampleReplayer r(threads, [&](absl::Span<const RefSample> batch) {...});
//   for (...) r.Add(key, sample);
//   r.Finish();  // every sample applied
//
// With 0 threads, the caller's thread applies them, a batch at a time.
//
// Thread safety: Add and Finish are called by one thread; `apply` runs on
// the workers, concurrently for different shards.

#ifndef VIGIL_LIBTSDB_INTERNAL_SAMPLE_REPLAYER_H_
#define VIGIL_LIBTSDB_INTERNAL_SAMPLE_REPLAYER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "libtsdb/head.h"

namespace vigil::tsdb::internal {

class SampleReplayer {
 public:
  using Apply = std::function<void(absl::Span<const RefSample>)>;

  SampleReplayer(int threads, Apply apply);
  ~SampleReplayer();  // Finish()

  SampleReplayer(const SampleReplayer&) = delete;
  SampleReplayer& operator=(const SampleReplayer&) = delete;

  // Queues `s` on the shard of `key` (samples of one series must share a
  // key). May block while that shard's queue is full, or apply a batch.
  void Add(uint64_t key, const RefSample& s);

  // Hands over what is pending, waits until every sample is applied and
  // stops the workers. Idempotent.
  void Finish();

 private:
  static constexpr size_t kBatch = 4096;
  static constexpr size_t kMaxQueued = 4;  // batches per shard

  struct Shard {
    absl::Mutex mu;
    std::deque<std::vector<RefSample>> queue ABSL_GUARDED_BY(mu);
    bool closing ABSL_GUARDED_BY(mu) = false;
    std::vector<RefSample> pending;  // filled by the reading thread
    std::thread worker;
  };

  void Hand(Shard* sh);
  void Work(Shard* sh);

  Apply apply_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<RefSample> inline_;  // the batch being filled, 0 threads
  bool finished_ = false;
};

}  // namespace vigil::tsdb::internal

#endif  // VIGIL_LIBTSDB_INTERNAL_SAMPLE_REPLAYER_H_
