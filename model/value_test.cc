#include "model/value.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vigil::model {
namespace {

TEST(ValueTest, StaleNaNIsDistinctFromOrdinaryNaN) {
  double stale = StaleNaN();
  EXPECT_TRUE(std::isnan(stale));
  EXPECT_TRUE(IsStaleNaN(stale));
  EXPECT_FALSE(IsStaleNaN(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(IsStaleNaN(0.0));
  double copy = stale;
  EXPECT_TRUE(IsStaleNaN(copy));
}

}  // namespace
}  // namespace vigil::model
