#include "libscrape/textparse/prom_parser.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "model/value.h"

namespace vigil::scrape::textparse {
namespace {

using ::testing::HasSubstr;

struct Got {
  Entry entry;
  std::string a;  // series labels / meta name / comment
  std::string b;  // help/unit text, type name
  double v = 0;
  bool has_ts = false;
  int64_t ts = 0;
  int line = 0;
};

std::vector<Got> ParseAll(Parser& p, absl::Status* st) {
  std::vector<Got> out;
  for (int guard = 0; guard < 10000; ++guard) {
    Entry e = p.Next();
    if (e == Entry::kEOF) break;
    if (e == Entry::kError) {
      *st = p.status();
      return out;
    }
    Got g{e};
    g.line = p.line();
    switch (e) {
      case Entry::kSeries: {
        model::Labels l;
        absl::Status s = p.BuildLabels(&l);
        if (!s.ok()) {
          *st = s;
          return out;
        }
        g.a = l.ToString();
        g.v = p.Value();
        g.has_ts = p.HasTimestamp();
        g.ts = p.TimestampMs();
        g.b = std::string(MetricTypeName(p.SeriesType()));
        break;
      }
      case Entry::kHelp:
        g.a = std::string(p.MetaName());
        g.b = std::string(p.Help());
        break;
      case Entry::kType:
        g.a = std::string(p.MetaName());
        g.b = std::string(MetricTypeName(p.Type()));
        break;
      case Entry::kComment:
        g.a = std::string(p.Comment());
        break;
      default:
        break;
    }
    out.push_back(g);
  }
  *st = absl::OkStatus();
  return out;
}

TEST(PromParserTest, FullExample) {
  const std::string body =
      "# HELP go_gc_duration_seconds A summary of the GC invocation "
      "durations.\n"
      "# \tTYPE go_gc_duration_seconds summary\n"
      "go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05\n"
      "go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05\n"
      "go_gc_duration_seconds_count 99\n"
      "# Hello, a free comment\n"
      "\n"
      "some:aggregate:rate5m{a_b=\"c\"}\t1\n"
      "  testmetric{label=\"\\\"bar\\\"\"} 1\n"
      "testmetric{le=\"10\"} 1 1234567\n"
      "nan_metric NaN\n"
      "inf_metric +Inf\n"
      "neg_inf -Inf 42\n"
      "esc{x=\"a\\\\b\\nc\\td\"} 2\n"
      "{\"my.dotted.metric\", \"a.b\"=\"v\"} 3\n"
      "# HELP escaped Help with \\\\ and \\n and \\\" here\n"
      "# EOF\n";
  auto p = NewPromParser(body);
  absl::Status st;
  std::vector<Got> got = ParseAll(*p, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got[0].entry, Entry::kHelp);
  EXPECT_EQ(got[0].a, "go_gc_duration_seconds");
  EXPECT_EQ(got[0].b, "A summary of the GC invocation durations.");
  EXPECT_EQ(got[1].entry, Entry::kType);
  EXPECT_EQ(got[1].b, "summary");
  EXPECT_EQ(got[2].a,
            "{__name__=\"go_gc_duration_seconds\", quantile=\"0.0\"}");
  EXPECT_EQ(got[2].v, 4.9351e-05);
  EXPECT_EQ(got[2].b, "summary");
  EXPECT_EQ(got[3].a,
            "{__name__=\"go_gc_duration_seconds\", quantile=\"0.25\"}");
  EXPECT_EQ(got[4].a, "{__name__=\"go_gc_duration_seconds_count\"}");
  EXPECT_EQ(got[4].b, "summary");
  EXPECT_EQ(got[5].entry, Entry::kComment);
  EXPECT_EQ(got[5].a, "# Hello, a free comment");
  EXPECT_EQ(got[6].a, "{__name__=\"some:aggregate:rate5m\", a_b=\"c\"}");
  EXPECT_EQ(got[6].line, 8);  // the blank line counts
  EXPECT_EQ(got[6].b, "unknown");
  EXPECT_EQ(got[7].a, "{__name__=\"testmetric\", label=\"\\\"bar\\\"\"}");
  EXPECT_FALSE(got[7].has_ts);
  EXPECT_TRUE(got[8].has_ts);
  EXPECT_EQ(got[8].ts, 1234567);
  EXPECT_EQ(got[8].a, "{__name__=\"testmetric\", le=\"10\"}");  // not a histogram
  EXPECT_TRUE(std::isnan(got[9].v));
  uint64_t bits;
  std::memcpy(&bits, &got[9].v, 8);
  EXPECT_EQ(bits, model::kNormalNaNBits);
  EXPECT_EQ(got[10].v, INFINITY);
  EXPECT_EQ(got[11].v, -INFINITY);
  EXPECT_EQ(got[11].ts, 42);
  // \\ -> \, \n -> newline, \t kept verbatim.
  EXPECT_EQ(got[12].a, "{__name__=\"esc\", x=\"a\\\\b\\nc\\\\td\"}");
  EXPECT_EQ(got[13].a, "{__name__=\"my.dotted.metric\", a.b=\"v\"}");
  EXPECT_EQ(got[14].b, "Help with \\ and \n and \\\" here");
  EXPECT_EQ(got[15].entry, Entry::kComment);
  EXPECT_EQ(got[15].a, "# EOF");
}

TEST(PromParserTest, SeriesBytesAndRawLabelsAreViewsIntoTheBody) {
  const std::string body = "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",d=\"e\"} 2\n";
  auto p = NewPromParser(body);
  ASSERT_EQ(p->Next(), Entry::kSeries);
  absl::string_view s1 = p->Series();
  EXPECT_EQ(s1, "a{b=\"c\",d=\"e\"}");
  EXPECT_EQ(s1.data(), body.data());
  ASSERT_EQ(p->RawLabels().size(), 2u);
  EXPECT_EQ(p->RawLabels()[1].name, "d");
  EXPECT_EQ(p->RawLabels()[1].value, "e");
  EXPECT_FALSE(p->HasEscapes());
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->Series(), s1);
  EXPECT_EQ(p->Value(), 2);
  EXPECT_EQ(p->Next(), Entry::kEOF);
  EXPECT_EQ(p->Next(), Entry::kEOF);
}

TEST(PromParserTest, HistogramLeIsNormalized) {
  const std::string body =
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1e6\"} 1\n"
      "h_bucket{le=\"+Inf\"} 2\n";
  auto p = NewPromParser(body);
  absl::Status st;
  auto got = ParseAll(*p, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1].a, "{__name__=\"h_bucket\", le=\"1.0\"}");
  EXPECT_EQ(got[2].a, "{__name__=\"h_bucket\", le=\"1e+06\"}");
  EXPECT_EQ(got[3].a, "{__name__=\"h_bucket\", le=\"+Inf\"}");

  ParserOptions keep;
  keep.normalize_le_quantile = false;
  auto p2 = NewPromParser(body, keep);
  got = ParseAll(*p2, &st);
  EXPECT_EQ(got[1].a, "{__name__=\"h_bucket\", le=\"1\"}");
}

TEST(PromParserTest, RawNewlineInLabelValueKeepsLineNumbers) {
  auto p = NewPromParser("a{b=\"x\ny\"} 1\nc 2\nd\n");
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->line(), 1);
  EXPECT_EQ(p->RawLabels()[0].value, "x\ny");
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->line(), 3);
  ASSERT_EQ(p->Next(), Entry::kError);
  EXPECT_THAT(std::string(p->status().message()), HasSubstr("line 4: "));
}

TEST(PromParserTest, NoTrailingNewline) {
  auto p = NewPromParser("a 1 5");
  ASSERT_EQ(p->Next(), Entry::kSeries);
  EXPECT_EQ(p->TimestampMs(), 5);
  EXPECT_EQ(p->Next(), Entry::kEOF);
}

TEST(PromParserTest, DuplicateLabelIsAnError) {
  auto p = NewPromParser("a{b=\"1\",b=\"2\"} 1\n");
  ASSERT_EQ(p->Next(), Entry::kSeries);
  model::Labels l;
  absl::Status st = p->BuildLabels(&l);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("label name \"b\" is not unique"));
}

struct ErrorCase {
  const char* input;
  int line;
  const char* want;
};

class PromParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PromParserErrorTest, ReportsLineAndExpectation) {
  const ErrorCase& c = GetParam();
  auto p = NewPromParser(c.input);
  Entry e;
  int guard = 0;
  do {
    e = p->Next();
  } while (e != Entry::kError && e != Entry::kEOF && ++guard < 100);
  ASSERT_EQ(e, Entry::kError) << c.input;
  EXPECT_EQ(p->status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p->status().message()),
              HasSubstr(absl::StrCat("line ", c.line, ": ")));
  EXPECT_THAT(std::string(p->status().message()), HasSubstr(c.want));
  EXPECT_EQ(p->Next(), Entry::kError);  // sticky
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PromParserErrorTest,
    ::testing::Values(
        ErrorCase{"a\n", 1,
                  "expected value after metric, got \"\\n\" (\"INVALID\") "
                  "while parsing: \"a\\n\""},
        ErrorCase{"ok 1\n=x 1\n", 2, "expected a valid start token"},
        ErrorCase{"a{b=\"c\" 1\n", 1, "expected label name"},
        ErrorCase{"a{b 1\n", 1, "expected equal"},
        ErrorCase{"a{b=c} 1\n", 1, "expected label value"},
        ErrorCase{"a{b=\"c} 1\n", 1, "expected label value"},
        ErrorCase{"a{b=\"c\\\n\"} 1\n", 1, "expected label value"},
        ErrorCase{"a{b=\"\xff\"} 1\n", 1, "invalid UTF-8 label value"},
        ErrorCase{"a abc\n", 1,
                  "strconv.ParseFloat: parsing \"abc\": invalid syntax while "
                  "parsing: \"a abc\""},
        ErrorCase{"a 0x1p3\n", 1, "unsupported character in float"},
        ErrorCase{"a 1e999\n", 1, "value out of range"},
        ErrorCase{"a 1 -5\n", 1, "expected timestamp or new record"},
        ErrorCase{"a 1 5 6\n", 1, "expected next entry after timestamp"},
        ErrorCase{"a 1 99999999999999999999\n", 1,
                  "strconv.ParseInt: parsing \"99999999999999999999\": value "
                  "out of range"},
        ErrorCase{"# TYPE a foo\n", 1, "invalid metric type \"foo\""},
        ErrorCase{"# TYPE \n", 1, "expected metric name after TYPE"},
        ErrorCase{"# HELP 1a x\n", 1, "expected metric name after HELP"},
        ErrorCase{"# HELP a \xff\n", 1, "is not a valid utf8 string"},
        ErrorCase{"{b=\"c\"} 1\n", 1, "metric name not set while parsing"},
        ErrorCase{"a{\"x\"} 1\n", 1, "metric name already set"},
        ErrorCase{"{\"x\",\"y\"} 1\n", 1, "metric name already set"},
        ErrorCase{"a{b=\"c\"", 1, "expected label name"}));

}  // namespace
}  // namespace vigil::scrape::textparse
