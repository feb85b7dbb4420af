#include "libtsdb/tombstones.h"

#include "gtest/gtest.h"

namespace vigil::tsdb {
namespace {

TEST(TombstonesTest, AddIntervalMergesOverlapsAndNeighbours) {
  Intervals ivs;
  AddInterval(&ivs, {10, 20});
  AddInterval(&ivs, {30, 40});
  EXPECT_EQ(ivs, (Intervals{{10, 20}, {30, 40}}));
  AddInterval(&ivs, {21, 25});
  EXPECT_EQ(ivs, (Intervals{{10, 25}, {30, 40}}));
  AddInterval(&ivs, {0, 100});
  EXPECT_EQ(ivs, (Intervals{{0, 100}}));
  AddInterval(&ivs, {INT64_MIN, INT64_MAX});
  EXPECT_EQ(ivs, (Intervals{{INT64_MIN, INT64_MAX}}));
  EXPECT_TRUE(IsDeleted(ivs, 5));
  Intervals two{{10, 20}, {30, 40}};
  EXPECT_FALSE(IsDeleted(two, 25));
  EXPECT_TRUE(IsDeleted(two, 30));
  EXPECT_TRUE(FullyDeleted(two, 11, 19));
  EXPECT_FALSE(FullyDeleted(two, 11, 31));
}

TEST(TombstonesTest, FileRoundTripAndCorruption) {
  TombstoneMap m;
  m.Add(16, {100, 200});
  m.Add(16, {300, 400});
  m.Add(32, {-5, 5});
  std::string enc = m.Encode();
  auto back = TombstoneMap::Decode(enc, "t");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->Get(16), (Intervals{{100, 200}, {300, 400}}));
  EXPECT_EQ(back->Get(32), (Intervals{{-5, 5}}));
  for (size_t i = 0; i < enc.size(); ++i) {
    std::string bad = enc;
    bad[i] ^= 0x40;
    EXPECT_FALSE(TombstoneMap::Decode(bad, "t").ok()) << i;
  }
  EXPECT_EQ(TombstoneMap::Decode(enc.substr(0, 6), "blk").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::tsdb
