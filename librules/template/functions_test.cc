#include "librules/template/functions.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vigil::rules::tmpl {
namespace {

// Expected strings are Prometheus's own template tests' outputs.
TEST(FunctionsTest, Humanize) {
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(Humanize(1), "1");
  EXPECT_EQ(Humanize(1234567), "1.235M");
  EXPECT_EQ(Humanize(0.12), "120m");
  EXPECT_EQ(Humanize(-1500), "-1.5k");
  EXPECT_EQ(Humanize(std::nan("")), "NaN");
  EXPECT_EQ(Humanize(HUGE_VAL), "+Inf");
  EXPECT_EQ(Humanize(-HUGE_VAL), "-Inf");
  EXPECT_EQ(Humanize(1e30), "1e+06Y");
}

TEST(FunctionsTest, Humanize1024) {
  EXPECT_EQ(Humanize1024(0), "0");
  EXPECT_EQ(Humanize1024(1), "1");
  EXPECT_EQ(Humanize1024(1048576), "1Mi");
  EXPECT_EQ(Humanize1024(0.12), "0.12");
  EXPECT_EQ(Humanize1024(1536), "1.5ki");
}

TEST(FunctionsTest, HumanizeDuration) {
  EXPECT_EQ(HumanizeDuration(0), "0s");
  EXPECT_EQ(HumanizeDuration(1), "1s");
  EXPECT_EQ(HumanizeDuration(60), "1m 0s");
  EXPECT_EQ(HumanizeDuration(3600), "1h 0m 0s");
  EXPECT_EQ(HumanizeDuration(86400), "1d 0h 0m 0s");
  EXPECT_EQ(HumanizeDuration(86400 + 3600), "1d 1h 0m 0s");
  EXPECT_EQ(HumanizeDuration(-(86400 * 2 + 3600 * 3 + 60 * 4 + 5)),
            "-2d 3h 4m 5s");
  EXPECT_EQ(HumanizeDuration(899.99), "14m 59s");
  EXPECT_EQ(HumanizeDuration(.1), "100ms");
  EXPECT_EQ(HumanizeDuration(.0001), "100us");
  EXPECT_EQ(HumanizeDuration(.12345), "123.5ms");
  EXPECT_EQ(HumanizeDuration(60.1), "1m 0s");
  EXPECT_EQ(HumanizeDuration(1.2345), "1.234s");
  EXPECT_EQ(HumanizeDuration(12.345), "12.35s");
}

TEST(FunctionsTest, HumanizePercentageAndTimestamp) {
  EXPECT_EQ(HumanizePercentage(0), "0%");
  EXPECT_EQ(HumanizePercentage(0.1234567), "12.35%");
  EXPECT_EQ(HumanizePercentage(1), "100%");
  EXPECT_EQ(HumanizePercentage(1.5), "150%");
  EXPECT_EQ(HumanizeTimestamp(1435065584.128),
            "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(HumanizeTimestamp(0), "1970-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(HumanizeTimestamp(std::nan("")), "NaN");
}

TEST(FunctionsTest, Strings) {
  EXPECT_EQ(Title("aa bb CC"), "Aa Bb CC");
  EXPECT_EQ(Title("foo-bar_baz"), "Foo-Bar_baz");
  EXPECT_EQ(ToUpper("aBc"), "ABC");
  EXPECT_EQ(ToLower("aBc"), "abc");
  EXPECT_EQ(StripPort("foo.example.com:12345"), "foo.example.com");
  EXPECT_EQ(StripPort("[2001:0DB8::1]:12345"), "2001:0DB8::1");
  EXPECT_EQ(StripPort("foo"), "foo");
  EXPECT_EQ(StripDomain("foo.example.com:12345"), "foo:12345");
  EXPECT_EQ(StripDomain("foo.example.com"), "foo");
  EXPECT_EQ(StripDomain("192.0.2.1:80"), "192.0.2.1:80");
  EXPECT_EQ(QueryEscape("a b&c"), "a+b%26c");
}

TEST(FunctionsTest, ReReplaceAll) {
  EXPECT_EQ(*ReReplaceAll("(a)b", "x$1", "ab"), "xa");
  EXPECT_EQ(*ReReplaceAll("(?P<host>[a-z]+):(\\d+)", "${host}-$2",
                          "web:80 db:5432"),
            "web-80 db-5432");
  EXPECT_EQ(*ReReplaceAll("a", "$$", "banana"), "b$n$n$");
  // Go: $1x names the group "1x", which does not exist.
  EXPECT_EQ(*ReReplaceAll("(a)", "$1x", "a"), "");
  EXPECT_EQ(*ReReplaceAll("x*", "-", "abc"), "-a-b-c-");
  EXPECT_FALSE(ReReplaceAll("(", "", "").ok());
  EXPECT_TRUE(*RegexMatch("^a.c$", "abc"));
  EXPECT_TRUE(*RegexMatch("b", "abc"));
  EXPECT_FALSE(*RegexMatch("^b", "abc"));
}

TEST(FunctionsTest, GoSprintf) {
  EXPECT_EQ(GoSprintf("%.2f", {Value::Float(3.14159)}), "3.14");
  EXPECT_EQ(GoSprintf("%d items", {Value::Int(3)}), "3 items");
  EXPECT_EQ(GoSprintf("%s=%v", {Value::String("a"), Value::Float(1e6)}),
            "a=1e+06");
  EXPECT_EQ(GoSprintf("%v", {Value::Float(123456)}), "123456");
  EXPECT_EQ(GoSprintf("%g", {Value::Float(0.1)}), "0.1");
  EXPECT_EQ(GoSprintf("%5s|%-5s|", {Value::String("a"), Value::String("b")}),
            "    a|b    |");
  EXPECT_EQ(GoSprintf("%d", {Value::Float(1.5)}), "%!d(float64=1.5)");
  EXPECT_EQ(GoSprintf("%s %s", {Value::String("a")}), "a %!s(MISSING)");
  EXPECT_EQ(GoSprintf("%s", {Value::String("a"), Value::Int(2)}),
            "a%!(EXTRA int=2)");
  EXPECT_EQ(GoSprintf("%q 100%%", {Value::String("x\"y")}), "\"x\\\"y\" 100%");
  EXPECT_EQ(GoSprintf("%.1f", {Value::Float(std::nan(""))}), "NaN");
  EXPECT_EQ(GoSprintf("%05.1f", {Value::Float(2.5)}), "002.5");
}

TEST(FunctionsTest, FormatGoFloat) {
  EXPECT_EQ(FormatGoFloat(1), "1");
  EXPECT_EQ(FormatGoFloat(0.5), "0.5");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(-2.25), "-2.25");
  EXPECT_EQ(FormatGoFloat(100), "100");
}

TEST(FunctionsTest, ConvertToFloat) {
  EXPECT_EQ(*ConvertToFloat(Value::String("1.5e3")), 1500);
  EXPECT_EQ(*ConvertToFloat(Value::Int(7)), 7);
  absl::StatusOr<double> bad = ConvertToFloat(Value::String("abc"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "strconv.ParseFloat: parsing \"abc\": invalid syntax");
}

}  // namespace
}  // namespace vigil::rules::tmpl
