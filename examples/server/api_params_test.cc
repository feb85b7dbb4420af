#include "examples/server/api_params.h"

#include "gtest/gtest.h"
#include "model/timestamp.h"

namespace vigil::server {
namespace {

TEST(ApiParamsTest, Times) {
  EXPECT_EQ(*ParseTimeMs("4"), 4000);
  EXPECT_EQ(*ParseTimeMs("1.5"), 1500);
  EXPECT_EQ(*ParseTimeMs("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("-292273086-05-16T16:47:06Z"), model::kMinTimeMs);
  EXPECT_EQ(*ParseTimeMs("292277025-08-18T07:12:54.999999999Z"), model::kMaxTimeMs);
  absl::StatusOr<int64_t> bad = ParseTimeMs("abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"abc\" to a valid timestamp");
  EXPECT_FALSE(ParseTimeMs("").ok());
  EXPECT_FALSE(ParseTimeMs("NaN").ok());
}

TEST(ApiParamsTest, Durations) {
  EXPECT_EQ(*ParseDurationParamMs("15"), 15000);
  EXPECT_EQ(*ParseDurationParamMs("0.5"), 500);
  EXPECT_EQ(*ParseDurationParamMs("1m30s"), 90000);
  EXPECT_EQ(*ParseDurationParamMs("5m"), 300000);
  absl::StatusOr<int64_t> bad = ParseDurationParamMs("xyz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"xyz\" to a valid duration");
  EXPECT_FALSE(ParseDurationParamMs("").ok());
  EXPECT_FALSE(ParseDurationParamMs("1e300").ok());
}

TEST(ApiParamsTest, Helpers) {
  EXPECT_EQ(GroupThousands(11000), "11,000");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EXPECT_EQ(InvalidParam("step", "x"), "invalid parameter \"step\": x");
}

TEST(ApiParamsTest, UnescapeLabelNames) {
  EXPECT_EQ(*UnescapeLabelName("job"), "job");
  EXPECT_EQ(*UnescapeLabelName("U__a_2e_b"), "a.b");
  EXPECT_EQ(*UnescapeLabelName("U__a__b"), "a_b");
  EXPECT_EQ(*UnescapeLabelName("U___1f600_"), "\xF0\x9F\x98\x80");
  EXPECT_FALSE(UnescapeLabelName("U__a_zz_").ok());
  EXPECT_FALSE(UnescapeLabelName("U__a_2e").ok());
  EXPECT_FALSE(UnescapeLabelName("U__a_d800_").ok());
}

}  // namespace
}  // namespace vigil::server
