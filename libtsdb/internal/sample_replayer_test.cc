#include "libtsdb/internal/sample_replayer.h"

#include <map>
#include <random>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace vigil::tsdb::internal {
namespace {

// Every sample is applied once, and each key's samples in the order added.
void CheckOrder(int threads) {
  absl::Mutex mu;
  std::map<uint64_t, std::vector<int64_t>> seen;
  {
    SampleReplayer r(threads, [&](absl::Span<const RefSample> batch) {
      absl::MutexLock l(&mu);
      for (const RefSample& s : batch) seen[s.ref].push_back(s.t);
    });
    std::mt19937_64 rng(5);
    std::map<uint64_t, int64_t> next_t;
    for (int i = 0; i < 50000; ++i) {
      uint64_t ref = 1 + rng() % 300;
      r.Add(ref, RefSample{ref, next_t[ref]++, 1.0});
    }
    r.Finish();
    size_t total = 0;
    for (const auto& [ref, ts] : seen) {
      ASSERT_EQ(static_cast<int64_t>(ts.size()), next_t[ref]) << "ref " << ref;
      for (size_t k = 0; k < ts.size(); ++k) {
        ASSERT_EQ(ts[k], static_cast<int64_t>(k)) << "ref " << ref;
      }
      total += ts.size();
    }
    EXPECT_EQ(total, 50000u);
  }
}

TEST(SampleReplayerTest, InlineKeepsOrder) { CheckOrder(0); }
TEST(SampleReplayerTest, ShardsKeepEachSeriesInOrder) { CheckOrder(3); }

TEST(SampleReplayerTest, FinishTwiceAndDestroyWithoutSamples) {
  SampleReplayer r(2, [](absl::Span<const RefSample>) {});
  r.Finish();
  r.Finish();
}

}  // namespace
}  // namespace vigil::tsdb::internal
