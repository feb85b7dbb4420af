#include "libpromql/kernels.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace vigil::promql::kernels {
namespace {

std::vector<FPoint> Series(int64_t start, int64_t step,
                           std::vector<double> values) {
  std::vector<FPoint> out;
  for (size_t i = 0; i < values.size(); ++i) {
    out.push_back(FPoint{start + static_cast<int64_t>(i) * step, values[i]});
  }
  return out;
}

TEST(KernelsTest, RateExtrapolatesToWindowEdges) {
  // Samples every 10s from 10s to 50s of a window (0, 60s]: 0,10,20,30,40.
  auto p = Series(10000, 10000, {0, 10, 20, 30, 40});
  // Increase 40 over 40s sampled; extrapolated to 60s with a zero point at
  // 10s (duration to zero = 0s), to the end by 10s: 50 over 60s.
  std::optional<double> inc = ExtrapolatedRate(p, 0, 60000, 60000, true, false);
  ASSERT_TRUE(inc.has_value());
  EXPECT_DOUBLE_EQ(*inc, 50);
  std::optional<double> rate = ExtrapolatedRate(p, 0, 60000, 60000, true, true);
  EXPECT_DOUBLE_EQ(*rate, 50.0 / 60);
}

TEST(KernelsTest, RateHandlesCounterResets) {
  auto p = Series(0, 10000, {10, 20, 5, 15});
  // 20 lost at the reset: (15 - 10) + 20 = 25 over 30s sampled.
  std::optional<double> inc =
      ExtrapolatedRate(p, -1, 30000, 30001, true, false);
  ASSERT_TRUE(inc.has_value());
  EXPECT_NEAR(*inc, 25.0 * (30 + 0.001) / 30, 1e-9);
  EXPECT_FALSE(ExtrapolatedRate(Series(0, 1, {1}), -5, 0, 5, true, true));
}

TEST(KernelsTest, DeltaIsNotCounterCorrected) {
  auto p = Series(0, 10000, {10, 20, 5});
  std::optional<double> d = ExtrapolatedRate(p, -1, 20000, 20001, false, false);
  ASSERT_TRUE(d.has_value());
  EXPECT_NEAR(*d, -5.0 * 20.001 / 20, 1e-9);
}

TEST(KernelsTest, IrateAndIdelta) {
  auto p = Series(0, 5000, {1, 4, 10});
  EXPECT_DOUBLE_EQ(*InstantValue(p, true), 6.0 / 5);
  EXPECT_DOUBLE_EQ(*InstantValue(p, false), 6.0);
  auto reset = Series(0, 5000, {10, 4});
  EXPECT_DOUBLE_EQ(*InstantValue(reset, true), 4.0 / 5);
}

TEST(KernelsTest, OverTimeAggregates) {
  auto p = Series(0, 1000, {1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(*AvgOverTime(p), 2.5);
  EXPECT_DOUBLE_EQ(*SumOverTime(p), 10);
  EXPECT_DOUBLE_EQ(*CountOverTime(p), 4);
  EXPECT_DOUBLE_EQ(*MinOverTime(p), 1);
  EXPECT_DOUBLE_EQ(*MaxOverTime(p), 4);
  EXPECT_DOUBLE_EQ(*StdvarOverTime(p), 1.25);
  EXPECT_DOUBLE_EQ(*StddevOverTime(p), std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(*QuantileOverTime(0.5, p), 2.5);
  EXPECT_DOUBLE_EQ(*MadOverTime(p), 1);
  EXPECT_DOUBLE_EQ(*TsOfMaxOverTime(p), 3);
  EXPECT_FALSE(AvgOverTime({}).has_value());
}

TEST(KernelsTest, KahanSumKeepsSmallTerms) {
  auto p = Series(0, 1000, {1e100, 1, -1e100});
  EXPECT_DOUBLE_EQ(*SumOverTime(p), 1);
}

TEST(KernelsTest, AvgOverTimeSurvivesOverflow) {
  double big = std::numeric_limits<double>::max();
  auto p = Series(0, 1000, {big, big});
  EXPECT_DOUBLE_EQ(*AvgOverTime(p), big);
}

TEST(KernelsTest, ChangesAndResets) {
  auto p = Series(0, 1000, {1, 1, 2, 0, 0, 3});
  EXPECT_DOUBLE_EQ(*Changes(p), 3);
  EXPECT_DOUBLE_EQ(*Resets(p), 1);
}

TEST(KernelsTest, DerivAndPredictLinear) {
  auto p = Series(0, 10000, {0, 10, 20, 30});
  EXPECT_DOUBLE_EQ(*Deriv(p), 1);
  // At t=30s the line is at 30; 60s later at 90.
  EXPECT_DOUBLE_EQ(*PredictLinear(p, 30000, 60), 90);
  EXPECT_FALSE(Deriv(Series(0, 1, {1})).has_value());
}

TEST(KernelsTest, QuantileEdgeCases) {
  std::vector<double> v = {3, 1, 2};
  EXPECT_DOUBLE_EQ(Quantile(0, &v), 1);
  EXPECT_DOUBLE_EQ(Quantile(1, &v), 3);
  EXPECT_TRUE(std::isinf(Quantile(1.5, &v)));
  EXPECT_TRUE(std::isinf(Quantile(-1, &v)));
  EXPECT_TRUE(std::isnan(Quantile(NAN, &v)));
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(Quantile(0.5, &empty)));
}

TEST(KernelsTest, BucketQuantileInterpolates) {
  std::vector<Bucket> b = {{0.5, 5}, {1, 10}, {INFINITY, 10}};
  BucketQuantileResult r = BucketQuantile(0.5, &b);
  EXPECT_DOUBLE_EQ(r.value, 0.5);
  b = {{1, 10}, {0.5, 5}, {INFINITY, 10}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.75, &b).value, 0.75);
  b = {{1, 5}, {2, 10}, {INFINITY, 20}};
  // Rank 18 falls in the +Inf bucket: the highest finite bound.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.9, &b).value, 2);
  b = {{1, 5}, {2, 10}};
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, &b).value));
}

TEST(KernelsTest, BucketQuantileForcesMonotonicity) {
  std::vector<Bucket> b = {{1, 10}, {2, 5}, {INFINITY, 10}};
  BucketQuantileResult r = BucketQuantile(0.5, &b);
  EXPECT_TRUE(r.forced_monotonicity);
  EXPECT_DOUBLE_EQ(r.value, 0.5);
}

TEST(KernelsTest, BucketQuantileToleratesNaNBounds) {
  std::vector<Bucket> b = {{NAN, 3}, {1, 5}, {INFINITY, 10}, {NAN, 1}};
  BucketQuantileResult r = BucketQuantile(0.5, &b);
  // The +Inf bucket is not last once NaN bounds sort after it: NaN.
  EXPECT_TRUE(std::isnan(r.value));
}

TEST(KernelsTest, DoubleExponentialSmoothing) {
  auto p = Series(0, 1000, {1, 2, 3, 4});
  // A straight line is reproduced exactly.
  EXPECT_NEAR(*DoubleExponentialSmoothing(p, 0.5, 0.5), 4, 1e-12);
}

}  // namespace
}  // namespace vigil::promql::kernels
