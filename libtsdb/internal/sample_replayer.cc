#include "libtsdb/internal/sample_replayer.h"

#include <utility>

namespace vigil::tsdb::internal {

SampleReplayer::SampleReplayer(int threads, Apply apply)
    : apply_(std::move(apply)) {
  for (int i = 0; i < threads; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    Shard* sh = shards_.back().get();
    sh->pending.reserve(kBatch);
    sh->worker = std::thread([this, sh] { Work(sh); });
  }
}

SampleReplayer::~SampleReplayer() { Finish(); }

void SampleReplayer::Add(uint64_t key, const RefSample& s) {
  if (shards_.empty()) {
    inline_.push_back(s);
    if (inline_.size() >= kBatch) {
      apply_(inline_);
      inline_.clear();
    }
    return;
  }
  // Refs are handed out sequentially: a multiplicative hash spreads
  // neighbours (and series created together) over the shards.
  Shard* sh = shards_[((key * 0x9E3779B97F4A7C15ULL) >> 32) % shards_.size()].get();
  sh->pending.push_back(s);
  if (sh->pending.size() >= kBatch) Hand(sh);
}

void SampleReplayer::Hand(Shard* sh) {
  std::vector<RefSample> batch;
  batch.reserve(kBatch);
  batch.swap(sh->pending);
  absl::MutexLock l(&sh->mu);
  sh->mu.Await(absl::Condition(
      +[](Shard* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
        return s->queue.size() < kMaxQueued;
      },
      sh));
  sh->queue.push_back(std::move(batch));
}

void SampleReplayer::Work(Shard* sh) {
  for (;;) {
    std::vector<RefSample> batch;
    {
      absl::MutexLock l(&sh->mu);
      sh->mu.Await(absl::Condition(
          +[](Shard* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
            return !s->queue.empty() || s->closing;
          },
          sh));
      if (sh->queue.empty()) return;  // closing, all applied
      batch = std::move(sh->queue.front());
      sh->queue.pop_front();
    }
    apply_(batch);
  }
}

void SampleReplayer::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!inline_.empty()) apply_(inline_);
  inline_.clear();
  for (auto& sh : shards_) {
    if (!sh->pending.empty()) Hand(sh.get());
    absl::MutexLock l(&sh->mu);
    sh->closing = true;
  }
  for (auto& sh : shards_) sh->worker.join();
}

}  // namespace vigil::tsdb::internal
