#include "libscrape/textparse/openmetrics_parser.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vigil::scrape::textparse {
namespace {

using ::testing::HasSubstr;

std::string Labels(Parser& p) {
  model::Labels l;
  absl::Status st = p.BuildLabels(&l);
  EXPECT_TRUE(st.ok()) << st;
  return l.ToString();
}

TEST(OpenMetricsParserTest, FullExample) {
  const std::string body =
      "# HELP a_seconds help text with \\\"quotes\\\"\n"
      "# TYPE a_seconds counter\n"
      "# UNIT a_seconds seconds\n"
      "a_seconds_total{x=\"1\"} 5 # {trace_id=\"abc\",span=\"q\"} 0.5 1520879607.789\n"
      "a_seconds_created{x=\"1\"} 1520872607.123\n"
      "# TYPE b gauge\n"
      "b 1.5 1520879607.789\n"
      "b{y=\"2\"} -Inf 1520879607 # {trace_id=\"z\"} 1\n"
      "# TYPE hh histogram\n"
      "hh_bucket{le=\"0.5\"} 1\n"
      "hh_bucket{le=\"+Inf\"} 3\n"
      "hh_count 3\n"
      "hh_created 1.0\n"
      "# TYPE i info\n"
      "i_info{version=\"1.2\"} 1\n"
      "# TYPE s stateset\n"
      "s{s=\"a\"} 1\n"
      "s{s=\"b\"} 0\n"
      "# TYPE gh gaugehistogram\n"
      "gh_gcount 2\n"
      "{\"dotted.name\",\"a.b\"=\"c\"} 7\n"
      "# EOF\n";
  auto p = NewOpenMetricsParser(body);
  ASSERT_EQ(p->Next(), Entry::kHelp);
  EXPECT_EQ(p->MetaName(), "a_seconds");
  EXPECT_EQ(p->Help(), "help text with \"quotes\"");
  ASSERT_EQ(p->Next(), Entry::kType);
  EXPECT_EQ(p->Type(), MetricType::kCounter);
  ASSERT_EQ(p->Next(), Entry::kUnit);
  EXPECT_EQ(p->MetaName(), "a_seconds");
  EXPECT_EQ(p->Unit(), "seconds");

  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  EXPECT_EQ(p->line(), 4);
  EXPECT_EQ(p->Series(), "a_seconds_total{x=\"1\"}");
  EXPECT_EQ(Labels(*p), "{__name__=\"a_seconds_total\", x=\"1\"}");
  EXPECT_EQ(p->Value(), 5);
  EXPECT_FALSE(p->HasTimestamp());
  Exemplar ex;
  ASSERT_TRUE(p->GetExemplar(&ex));
  EXPECT_EQ(ex.labels.ToString(), "{span=\"q\", trace_id=\"abc\"}");
  EXPECT_EQ(ex.value, 0.5);
  EXPECT_TRUE(ex.has_timestamp);
  EXPECT_EQ(ex.timestamp_ms, 1520879607789);
  EXPECT_FALSE(p->IsCreatedSeries());

  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  EXPECT_TRUE(p->IsCreatedSeries());
  EXPECT_FALSE(p->GetExemplar(&ex));
  EXPECT_EQ(p->Value(), 1520872607.123);

  ASSERT_EQ(p->Next(), Entry::kType);
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  EXPECT_TRUE(p->HasTimestamp());
  EXPECT_EQ(p->TimestampMs(), 1520879607789);
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  EXPECT_EQ(p->Value(), -INFINITY);
  EXPECT_EQ(p->TimestampMs(), 1520879607000);
  ASSERT_TRUE(p->GetExemplar(&ex));
  EXPECT_FALSE(ex.has_timestamp);
  EXPECT_EQ(ex.value, 1);

  ASSERT_EQ(p->Next(), Entry::kType);
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->SeriesType(), MetricType::kHistogram);
  EXPECT_EQ(Labels(*p), "{__name__=\"hh_bucket\", le=\"0.5\"}");
  ASSERT_EQ(p->Next(), Entry::kSeries);
  ASSERT_EQ(p->Next(), Entry::kSeries);
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_TRUE(p->IsCreatedSeries());

  ASSERT_EQ(p->Next(), Entry::kType);
  EXPECT_EQ(p->Type(), MetricType::kInfo);
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  ASSERT_EQ(p->Next(), Entry::kType);
  EXPECT_EQ(p->Type(), MetricType::kStateset);
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  ASSERT_EQ(p->Next(), Entry::kType);
  EXPECT_EQ(p->Type(), MetricType::kGaugeHistogram);
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  ASSERT_EQ(p->Next(), Entry::kSeries) << p->status();
  EXPECT_EQ(Labels(*p), "{__name__=\"dotted.name\", a.b=\"c\"}");
  EXPECT_EQ(p->Next(), Entry::kEOF) << p->status();
  EXPECT_EQ(p->Next(), Entry::kEOF);
}

TEST(OpenMetricsParserTest, EofWithoutNewlineIsAccepted) {
  auto p = NewOpenMetricsParser("a 1\n# EOF");
  EXPECT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Next(), Entry::kEOF) << p->status();
}

struct ErrorCase {
  const char* input;
  int line;
  const char* want;
};

class OpenMetricsErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(OpenMetricsErrorTest, ReportsLineAndExpectation) {
  const ErrorCase& c = GetParam();
  auto p = NewOpenMetricsParser(c.input);
  Entry e;
  int guard = 0;
  do {
    e = p->Next();
  } while (e != Entry::kError && e != Entry::kEOF && ++guard < 100);
  ASSERT_EQ(e, Entry::kError) << c.input;
  EXPECT_THAT(std::string(p->status().message()),
              HasSubstr(absl::StrCat("line ", c.line, ": ")));
  EXPECT_THAT(std::string(p->status().message()), HasSubstr(c.want));
  EXPECT_EQ(p->Next(), Entry::kError);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, OpenMetricsErrorTest,
    ::testing::Values(
        ErrorCase{"a 1\n", 2, "data does not end with # EOF"},
        ErrorCase{"", 1, "data does not end with # EOF"},
        ErrorCase{"a 1", 1, "data does not end with # EOF"},
        ErrorCase{"# EOF\na 1\n", 1, "unexpected data after # EOF"},
        ErrorCase{"# EOF\n\n", 1, "unexpected data after # EOF"},
        ErrorCase{"a 1\n\n# EOF\n", 2, "expected a valid start token"},
        ErrorCase{"# a comment\n# EOF\n", 1, "expected a valid start token"},
        ErrorCase{"#HELP a x\n# EOF\n", 1, "expected a valid start token"},
        ErrorCase{"a  1\n# EOF\n", 1, "expected value after metric"},
        ErrorCase{"a\t1\n# EOF\n", 1, "expected value after metric"},
        ErrorCase{"a{b=\"c\" d=\"e\"} 1\n# EOF\n", 1,
                  "expected comma or brace close"},
        ErrorCase{"a{b= \"c\"} 1\n# EOF\n", 1, "expected label value"},
        ErrorCase{"a{b=\"c\"} 1 # {x} 1\n# EOF\n", 1, "expected equal"},
        ErrorCase{"a{b=\"c\"} 1 # {\"x\"} 1\n# EOF\n", 1,
                  "expected label name"},
        ErrorCase{"a 1 # {x=\"y\"}\n# EOF\n", 1,
                  "expected value after exemplar labels"},
        ErrorCase{"a 1 # {x=\"y\"} 1 2 3\n# EOF\n", 1,
                  "expected next entry after exemplar timestamp"},
        ErrorCase{"a 1 # {x=\"y\"} 1 NaN\n# EOF\n", 1,
                  "invalid exemplar timestamp NaN"},
        ErrorCase{"a 1 2 3\n# EOF\n", 1, "expected next entry after timestamp"},
        ErrorCase{"a 1 +Inf\n# EOF\n", 1, "invalid timestamp +Inf"},
        // Found by libFuzzer: seconds whose milliseconds overflow int64.
        ErrorCase{"a 0 033333333333333333\n# EOF\n", 1,
                  "invalid timestamp 33333333333333332.000000"},
        ErrorCase{"a 1 # {x=\"y\"} 1 1e300\n# EOF\n", 1,
                  "invalid exemplar timestamp"},
        ErrorCase{"a 1 ct@5\n# EOF\n", 1, "expected timestamp or comment"},
        ErrorCase{"a x\n# EOF\n", 1, "strconv.ParseFloat: parsing \"x\""},
        ErrorCase{"# TYPE a untyped\n# EOF\n", 1,
                  "invalid metric type \"untyped\""},
        ErrorCase{"# HELP a\n# EOF\n", 1, "expected text in HELP"},
        ErrorCase{"# UNIT a_bytes seconds\n# EOF\n", 1,
                  "unit \"seconds\" not a suffix of metric \"a_bytes\""},
        ErrorCase{"# UNIT xseconds seconds\n# EOF\n", 1,
                  "not a suffix of metric"},
        ErrorCase{"# TYPE c counter\nc 1\n# EOF\n", 2,
                  "counter sample \"c\" must be named \"c_total\""},
        ErrorCase{"# TYPE i info\ni_info 2\n# EOF\n", 2,
                  "info sample \"i_info\" must have value 1"},
        ErrorCase{"# TYPE s stateset\ns{s=\"a\"} 0.5\n# EOF\n", 2,
                  "must have value 0 or 1"},
        ErrorCase{"{b=\"c\"} 1\n# EOF\n", 1, "metric name not set"},
        ErrorCase{"a{b=\"\xc3\x28\"} 1\n# EOF\n", 1,
                  "invalid UTF-8 label value"}));

}  // namespace
}  // namespace vigil::scrape::textparse
