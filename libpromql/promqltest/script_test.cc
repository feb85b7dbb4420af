#include "libpromql/promqltest/script.h"

#include <cmath>

#include "gtest/gtest.h"
#include "model/value.h"

namespace vigil::promql::promqltest {
namespace {

std::vector<double> Values(const std::vector<SequenceValue>& v) {
  std::vector<double> out;
  for (const SequenceValue& s : v) out.push_back(s.omitted ? -999 : s.value);
  return out;
}

TEST(ScriptTest, ExpandsSeriesNotation) {
  auto v = ParseValueSequence("0+10x3 1x2 -2+4x2 1-2x2 _ _x2 .5 1e3");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(Values(*v),
            (std::vector<double>{0, 10, 20, 30, 1, 1, 1, -2, 2, 6, 1, -1, -3,
                                 -999, -999, -999, 0.5, 1000}));
}

TEST(ScriptTest, SpecialValues) {
  auto v = ParseValueSequence("stale Inf -Inf NaN nan");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 5u);
  EXPECT_TRUE(model::IsStaleNaN((*v)[0].value));
  EXPECT_TRUE(std::isinf((*v)[1].value) && (*v)[1].value > 0);
  EXPECT_TRUE(std::isinf((*v)[2].value) && (*v)[2].value < 0);
  EXPECT_TRUE(std::isnan((*v)[3].value));
  EXPECT_FALSE(model::IsStaleNaN((*v)[3].value));
}

TEST(ScriptTest, HistogramItemsCountPositions) {
  auto v = ParseValueSequence(
      "{{schema:1 sum:3 buckets:[1 2]}} {{count:1}}x2 "
      "{{count:1}}+{{count:2}}x1 5");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 7u);
  EXPECT_TRUE((*v)[0].histogram);
  EXPECT_TRUE((*v)[5].histogram);
  EXPECT_FALSE((*v)[6].histogram);
  EXPECT_EQ((*v)[6].value, 5);
}

TEST(ScriptTest, BadValuesAreErrors) {
  EXPECT_FALSE(ParseValueSequence("1+x3").ok());
  EXPECT_FALSE(ParseValueSequence("abc").ok());
}

TEST(ScriptTest, SeriesDescriptions) {
  absl::string_view s = R"(http_requests{job="api", instance="0"} 1 2)";
  auto l = ParseSeriesDescription(&s);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->ToString(), R"({__name__="http_requests", instance="0", job="api"})");
  absl::string_view q = R"({"some.metric", "a b"="x\ny"} 3)";
  l = ParseSeriesDescription(&q);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->MetricName(), "some.metric");
  EXPECT_EQ(l->Get("a b"), "x\ny");
  absl::string_view e = "{} 3";
  l = ParseSeriesDescription(&e);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  absl::string_view bad = "{a=\"x\" 3";
  EXPECT_FALSE(ParseSeriesDescription(&bad).ok());
}

TEST(ScriptTest, ParsesCommands) {
  const char* text = R"(
# comment
load 5m
	http_requests{job="api"}	0+10x10
	other 1 _ stale

eval instant at 50m sum(http_requests)
	{} 100

eval range from 0 to 10m step 5m http_requests
  expect warn msg: PromQL warning: something
  expect no_info
	http_requests{job="api"} 0 10 20

eval_fail instant at 0 foo(
  expected_fail_message bad

eval instant at 1m some_metric[1m]
  expect range vector from 10s to 1m step 10s
  some_metric{env="a"} 2 3 4 5 6

eval instant at 0 1 + 2
  3

eval instant at 0 "Foo"
  expect string "Foo"

clear
load_with_nhcb 1m
  h_bucket{le="1"} 1
)";
  auto s = ParseScript(text);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->commands.size(), 9u);
  const LoadCommand& load = s->commands[0].load;
  EXPECT_EQ(load.interval_ms, 300000);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].values.size(), 11u);
  const EvalCommand& e1 = s->commands[1].eval;
  EXPECT_FALSE(e1.is_range);
  EXPECT_EQ(e1.start_ms, 3000000);
  EXPECT_EQ(e1.expr, "sum(http_requests)");
  ASSERT_EQ(e1.expected.size(), 1u);
  const EvalCommand& e2 = s->commands[2].eval;
  EXPECT_TRUE(e2.is_range);
  EXPECT_EQ(e2.step_ms, 300000);
  ASSERT_EQ(e2.expect_warn.size(), 1u);
  EXPECT_EQ(e2.expect_warn[0].text, "PromQL warning: something");
  EXPECT_TRUE(e2.expect_no_info);
  const EvalCommand& e3 = s->commands[3].eval;
  EXPECT_TRUE(e3.expect_fail);
  ASSERT_TRUE(e3.fail_match.has_value());
  EXPECT_EQ(e3.fail_match->text, "bad");
  const EvalCommand& e4 = s->commands[4].eval;
  EXPECT_TRUE(e4.expect_range_vector);
  EXPECT_EQ(e4.rv_start_ms, 10000);
  EXPECT_EQ(e4.expected[0].values.size(), 5u);
  EXPECT_EQ(*s->commands[5].eval.expect_scalar, 3);
  EXPECT_EQ(*s->commands[6].eval.expect_string, "Foo");
  EXPECT_EQ(s->commands[7].kind, Command::Kind::kClear);
  EXPECT_TRUE(s->commands[8].load.with_nhcb);
}

TEST(ScriptTest, ErrorsNameTheLine) {
  auto s = ParseScript("load 5m\n  x 1\n\nbogus command\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("line 4"), std::string::npos)
      << s.status();
  s = ParseScript("eval instant at 0 x\n  y 1 2\n");
  EXPECT_FALSE(s.ok());
  s = ParseScript("eval range from 10m to 0 step 1m x\n");
  EXPECT_FALSE(s.ok());
}

TEST(ScriptTest, NumbersAsScriptsWriteThem) {
  EXPECT_EQ(*ParseNumber("0x10"), 16);
  EXPECT_EQ(*ParseNumber("-Inf"), -INFINITY);
  EXPECT_EQ(*ParseNumber("1e3"), 1000);
  EXPECT_FALSE(ParseNumber("foo").has_value());
  EXPECT_FALSE(ParseNumber("x").has_value());
}

}  // namespace
}  // namespace vigil::promql::promqltest
