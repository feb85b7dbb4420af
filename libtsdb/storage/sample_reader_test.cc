#include "libtsdb/storage/sample_reader.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace vigil::storage {
namespace {

// Implements only the per-sample calls, so NextBatch is the default one.
class VectorIterator final : public SampleIterator {
 public:
  explicit VectorIterator(std::vector<int64_t> ts) : ts_(std::move(ts)) {}
  bool Next() override {
    if (i_ == kBefore) {
      i_ = 0;
    } else if (i_ < ts_.size()) {
      ++i_;
    }
    return i_ < ts_.size();
  }
  bool Seek(int64_t t) override {
    if (i_ == kBefore) i_ = 0;
    while (i_ < ts_.size() && ts_[i_] < t) ++i_;
    return i_ < ts_.size();
  }
  int64_t timestamp() const override { return ts_[i_]; }
  double value() const override { return static_cast<double>(ts_[i_]) / 2; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  static constexpr size_t kBefore = static_cast<size_t>(-1);
  std::vector<int64_t> ts_;
  size_t i_ = kBefore;
};

TEST(SampleReaderTest, DefaultNextBatchFollowsNext) {
  VectorIterator it({1, 2, 3, 5, 8});
  int64_t ts[3];
  double vs[3];
  ASSERT_EQ(it.NextBatch(ts, vs, 3), 3);
  EXPECT_EQ(ts[0], 1);
  EXPECT_EQ(ts[2], 3);
  EXPECT_EQ(vs[2], 1.5);
  EXPECT_EQ(it.timestamp(), 3);  // stands on the last sample read
  ASSERT_EQ(it.NextBatch(ts, vs, 3), 2);
  EXPECT_EQ(ts[1], 8);
  EXPECT_EQ(it.NextBatch(ts, vs, 3), 0);
}

TEST(SampleReaderTest, NextAndSeekMatchTheIterator) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int64_t> want;
    int64_t t = 0;
    int n = static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) want.push_back(t += 1 + rng() % 10);
    VectorIterator it(want);
    SampleReader r(&it);
    size_t pos = 0;
    bool started = false;
    for (int step = 0; step < 100; ++step) {
      bool ok;
      if (rng() % 3 == 0) {
        int64_t target = static_cast<int64_t>(rng() % (t + 20));
        ok = r.Seek(target);
        size_t j = started ? pos : 0;
        while (j < want.size() && want[j] < target) ++j;
        pos = j;
      } else {
        ok = r.Next();
        pos = started ? pos + 1 : 0;
      }
      ASSERT_EQ(ok, pos < want.size()) << "trial " << trial << " step " << step;
      if (!ok) break;
      started = true;
      ASSERT_EQ(r.timestamp(), want[pos]);
      ASSERT_EQ(r.value(), static_cast<double>(want[pos]) / 2);
    }
  }
}

}  // namespace
}  // namespace vigil::storage
