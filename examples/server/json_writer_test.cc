#include "examples/server/json_writer.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

// Expected texts were read from Prometheus 2.42's /api/v1/query answers.
TEST(JsonWriterTest, SampleValuesAsPrometheus) {
  EXPECT_EQ(FormatSampleValue(1), "1");
  EXPECT_EQ(FormatSampleValue(1.5), "1.5");
  EXPECT_EQ(FormatSampleValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatSampleValue(123456789.123456789), "123456789.12345679");
  EXPECT_EQ(FormatSampleValue(1e-7), "1e-07");
  EXPECT_EQ(FormatSampleValue(1.5e21), "1.5e+21");
  EXPECT_EQ(FormatSampleValue(1e20), "100000000000000000000");
  EXPECT_EQ(FormatSampleValue(0.000001), "0.000001");
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(-2.25), "-2.25");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(JsonWriterTest, ScalarValuesUseFixedNotation) {
  EXPECT_EQ(FormatFloatFixed(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatFixed(1e-7), "0.0000001");
  EXPECT_EQ(FormatFloatFixed(-0.0000001234), "-0.0000001234");
  EXPECT_EQ(FormatFloatFixed(2), "2");
  EXPECT_EQ(FormatFloatFixed(std::nan("")), "NaN");
}

TEST(JsonWriterTest, TimestampsAsPrometheus) {
  EXPECT_EQ(FormatSampleTimestamp(1500), "1.500");
  EXPECT_EQ(FormatSampleTimestamp(1050), "1.050");
  EXPECT_EQ(FormatSampleTimestamp(1001), "1.001");
  EXPECT_EQ(FormatSampleTimestamp(2000), "2");
  EXPECT_EQ(FormatSampleTimestamp(0), "0");
  EXPECT_EQ(FormatSampleTimestamp(-1500), "-1.500");
  EXPECT_EQ(FormatSampleTimestamp(-1), "-0.001");
  EXPECT_EQ(FormatSampleTimestamp(1435781451781), "1435781451.781");
  EXPECT_EQ(FormatSampleTimestamp(std::numeric_limits<int64_t>::min()),
            "-9223372036854775.808");
}

TEST(JsonWriterTest, JsonNumbersAsGo) {
  EXPECT_EQ(FormatJsonNumber(1.25), "1.25");
  EXPECT_EQ(FormatJsonNumber(1435781451.781), "1435781451.781");
  EXPECT_EQ(FormatJsonNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatJsonNumber(1e21), "1e+21");
  EXPECT_EQ(FormatJsonNumber(1.5e100), "1.5e+100");
  EXPECT_EQ(FormatJsonNumber(std::nan("")), "null");
}

TEST(JsonWriterTest, StringsEscapedAsGo) {
  std::string out;
  AppendJsonString("a<b>&\"\\\n\t\x01", &out);
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026\"\\\n\t\u0001")");
  out.clear();
  AppendJsonString("h\xc3\xa9llo \xe2\x80\xa8", &out);
  EXPECT_EQ(out, "\"h\xc3\xa9llo \\u2028\"");
  out.clear();
  AppendJsonString("bad\xff\xc3", &out);
  EXPECT_EQ(out, R"("bad\ufffd\ufffd")");
}

TEST(JsonWriterTest, NestedStructureIsValidJson) {
  JsonWriter w;
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginArray();
  w.LabelsObject(model::Labels::FromPairs({{"job", "a"}, {"__name__", "up"}}));
  w.BeginArray();
  w.Raw(FormatSampleTimestamp(1500));
  w.String(FormatSampleValue(1));
  w.EndArray();
  w.StringArray({"x", "y"});
  w.Int(-3);
  w.Bool(true);
  w.Null();
  w.Double(0.5);
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"status":"success","data":[{"__name__":"up","job":"a"},)"
            R"([1.500,"1"],["x","y"],-3,true,null,0.5]})");
  nlohmann::json parsed = nlohmann::json::parse(w.str());
  EXPECT_EQ(parsed["data"][0]["job"], "a");
}

TEST(JsonWriterTest, EmptyContainers) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.EndArray();
  w.Key("b");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":[],"b":{}})");
}

}  // namespace
}  // namespace vigil::server
