#include "examples/server/promql_json.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vigil::server {
namespace {

// Expected bytes are Prometheus 2.42's answers to the same queries.
TEST(PromqlJsonTest, Scalar) {
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{4000, 2}), R"([4,"2"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{1500, 1.5}), R"([1.5,"1.5"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{1050, 1e-7}), R"([1.05,"0.0000001"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{1001, 1e21}),
            R"([1.001,"1000000000000000000000"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{1435781451781, 1435781451.781}),
            R"([1435781451.781,"1435781451.781"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{4000, std::nan("")}), R"([4,"NaN"])");
  EXPECT_EQ(EncodeQueryResult(promql::Scalar{-1500, -0.0000001234}),
            R"([-1.5,"-0.0000001234"])");
}

TEST(PromqlJsonTest, String) {
  EXPECT_EQ(EncodeQueryResult(promql::String{1250, "abc"}), R"([1.25,"abc"])");
}

TEST(PromqlJsonTest, Vector) {
  promql::Vector v;
  v.push_back({model::Labels(), 1500, 1});
  v.push_back({model::Labels::FromPairs({{"a", "<x>"}}), 1050, 1e-7});
  EXPECT_EQ(EncodeQueryResult(v),
            R"([{"metric":{},"value":[1.500,"1"]},)"
            R"({"metric":{"a":"\u003cx\u003e"},"value":[1.050,"1e-07"]}])");
  EXPECT_EQ(EncodeQueryResult(promql::Vector{}), "[]");
}

TEST(PromqlJsonTest, Matrix) {
  promql::Matrix m;
  m.push_back({model::Labels(), {{1500, 1.5}, {2000, 2}, {2500, 2.5}}});
  EXPECT_EQ(EncodeQueryResult(m),
            R"([{"metric":{},"values":[[1.500,"1.5"],[2,"2"],[2.500,"2.5"]]}])");
  m[0].points = {{0, std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(EncodeQueryResult(m), R"([{"metric":{},"values":[[0,"+Inf"]]}])");
}

TEST(PromqlJsonTest, None) {
  EXPECT_EQ(EncodeQueryResult(promql::Value()), "null");
}

}  // namespace
}  // namespace vigil::server
