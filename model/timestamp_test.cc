#include "model/timestamp.h"

#include "gtest/gtest.h"

namespace vigil::model {
namespace {

TEST(TimestampTest, ParsesUnixSecondsAndRfc3339) {
  EXPECT_EQ(*ParseApiTimeMs("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseApiTimeMs("1435781451"), 1435781451000);
  EXPECT_EQ(*ParseApiTimeMs("4"), 4000);
  EXPECT_EQ(*ParseApiTimeMs("0.0015"), 2);
  EXPECT_EQ(*ParseApiTimeMs("-1.5"), -1500);
  EXPECT_EQ(*ParseApiTimeMs("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseApiTimeMs("2015-07-01T22:10:51+02:00"), 1435781451000);
}

TEST(TimestampTest, RejectsGarbage) {
  absl::StatusOr<int64_t> t = ParseApiTimeMs("yesterday");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "cannot parse \"yesterday\" to a valid timestamp");
  EXPECT_FALSE(ParseApiTimeMs("").ok());
  EXPECT_FALSE(ParseApiTimeMs("NaN").ok());
}

TEST(TimestampTest, FormatSeconds) {
  EXPECT_EQ(FormatSeconds(1435781451781), "1435781451.781");
  EXPECT_EQ(FormatSeconds(1435781451000), "1435781451");
  EXPECT_EQ(FormatSeconds(1500), "1.5");
  EXPECT_EQ(FormatSeconds(-1500), "-1.5");
  EXPECT_EQ(FormatSeconds(10), "0.01");
}

TEST(TimestampTest, MillisRoundTrip) {
  EXPECT_EQ(ToMillis(FromMillis(1234567)), 1234567);
  EXPECT_GT(NowMillis(), 1600000000000);
}

}  // namespace
}  // namespace vigil::model
