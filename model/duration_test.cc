#include "model/duration.h"

#include "gtest/gtest.h"

namespace vigil::model {
namespace {

TEST(DurationTest, ParsesPrometheusForms) {
  EXPECT_EQ(*ParseDurationMs("5s"), 5000);
  EXPECT_EQ(*ParseDurationMs("1h30m"), 5400000);
  EXPECT_EQ(*ParseDurationMs("2d"), 2 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1y"), 365 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1w2d"), 9 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("500ms"), 500);
  EXPECT_EQ(*ParseDurationMs("1m500ms"), 60500);
  EXPECT_EQ(*ParseDurationMs("0"), 0);
  EXPECT_EQ(*ParseDurationMs("0s"), 0);
  EXPECT_TRUE(*ParseDuration("90s") == absl::Seconds(90));
}

TEST(DurationTest, RejectsBadForms) {
  for (const char* bad : {"5", "1x", "m", "5m1h", "1h1h", "-5s", "1.5h", "5 s", "ms"}) {
    absl::StatusOr<int64_t> d = ParseDurationMs(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().message(),
              std::string("not a valid duration string: \"") + bad + "\"");
  }
  EXPECT_EQ(ParseDurationMs("").status().message(), "empty duration string");
  EXPECT_FALSE(ParseDurationMs("99999999999999999999y").ok());
}

TEST(DurationTest, FormatsCanonically) {
  EXPECT_EQ(FormatDurationMs(0), "0s");
  EXPECT_EQ(FormatDurationMs(5400000), "1h30m");
  EXPECT_EQ(FormatDurationMs(60500), "1m500ms");
  EXPECT_EQ(FormatDurationMs(8 * 86400000LL), "1w1d");
  EXPECT_EQ(FormatDurationMs(-5000), "-5s");
  EXPECT_EQ(DurationString(absl::Hours(24 * 366)), "1y1d");
  for (const char* s : {"1h30m", "5s", "2d", "1y2w3d4h5m6s7ms"}) {
    EXPECT_EQ(FormatDurationMs(*ParseDurationMs(s)), s);
  }
}

}  // namespace
}  // namespace vigil::model
