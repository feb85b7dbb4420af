#include "model/matcher.h"

#include "gtest/gtest.h"

namespace vigil::model {
namespace {

Matcher Make(MatchType t, absl::string_view v) {
  absl::StatusOr<Matcher> m = Matcher::Create(t, "l", v);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(MatcherTest, EqualityAndInequality) {
  Matcher eq = Matcher::Equal("job", "api");
  EXPECT_TRUE(eq.Matches("api"));
  EXPECT_FALSE(eq.Matches("api2"));
  Matcher ne = Matcher::NotEqual("job", "api");
  EXPECT_FALSE(ne.Matches("api"));
  EXPECT_TRUE(ne.Matches(""));
  EXPECT_EQ(eq.SetMatches(), std::vector<std::string>{"api"});
}

TEST(MatcherTest, RegexIsFullyAnchored) {
  Matcher m = Make(MatchType::kRegexMatch, "a.c");
  EXPECT_TRUE(m.Matches("abc"));
  EXPECT_FALSE(m.Matches("xabc"));
  EXPECT_FALSE(m.Matches("abcx"));
  // Alternation binds inside the anchors.
  Matcher alt = Make(MatchType::kRegexMatch, "a|b.");
  EXPECT_TRUE(alt.Matches("a"));
  EXPECT_TRUE(alt.Matches("bc"));
  EXPECT_FALSE(alt.Matches("ab"));
}

TEST(MatcherTest, DotMatchesNewline) {
  EXPECT_TRUE(Make(MatchType::kRegexMatch, "a.b").Matches("a\nb"));
  EXPECT_TRUE(Make(MatchType::kRegexMatch, ".*").Matches("x\ny"));
  EXPECT_TRUE(Make(MatchType::kRegexMatch, "x.*z").Matches("x\ny\nz"));
}

TEST(MatcherTest, FastPathsAgreeWithRegexSemantics) {
  struct Case {
    const char* re;
    const char* value;
    bool want;
  } cases[] = {
      {".*", "", true},        {".*", "anything", true}, {".+", "", false},
      {".+", "x", true},       {"foo", "foo", true},     {"foo", "fo", false},
      {"foo.*", "foobar", true}, {"foo.*", "fo", false}, {"foo.*", "foo", true},
      {"a|bb|c", "bb", true},  {"a|bb|c", "b", false},   {"a|bb|c", "", false},
      {"fo+", "foo", true},    {"fo+", "f", false},      {"(?i)FOO", "foo", true},
      {"", "", true},          {"", "x", false},         {"a|", "", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Make(MatchType::kRegexMatch, c.re).Matches(c.value), c.want)
        << c.re << " vs " << c.value;
    EXPECT_EQ(Make(MatchType::kRegexNoMatch, c.re).Matches(c.value), !c.want)
        << "!~ " << c.re << " vs " << c.value;
  }
}

TEST(MatcherTest, SetMatchesAndPrefix) {
  EXPECT_EQ(Make(MatchType::kRegexMatch, "a|b|c").SetMatches(),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(Make(MatchType::kRegexMatch, "a.*|b").SetMatches().empty());
  EXPECT_TRUE(Make(MatchType::kRegexNoMatch, "a|b").SetMatches().empty());
  EXPECT_EQ(Make(MatchType::kRegexMatch, "api.*").Prefix(), "api");
  EXPECT_EQ(Make(MatchType::kRegexMatch, "api(1|2)").Prefix(), "api");
  EXPECT_EQ(Make(MatchType::kRegexMatch, "apix?").Prefix(), "api");
  EXPECT_EQ(Make(MatchType::kRegexMatch, "api|web").Prefix(), "");
  EXPECT_EQ(Make(MatchType::kRegexMatch, "ab[|]c").Prefix(), "ab");
  EXPECT_TRUE(Make(MatchType::kRegexMatch, "ab[|]c").Matches("ab|c"));
}

TEST(MatcherTest, MatchesEmptyForAbsentLabels) {
  EXPECT_TRUE(Make(MatchType::kRegexMatch, ".*").MatchesEmpty());
  EXPECT_FALSE(Make(MatchType::kRegexMatch, ".+").MatchesEmpty());
  EXPECT_TRUE(Matcher::NotEqual("l", "x").MatchesEmpty());
  Labels l = Labels::FromPairs({{"job", "x"}});
  EXPECT_TRUE(Matcher::Equal("other", "").MatchesLabels(l));
  EXPECT_TRUE(MatchesAll({Matcher::Equal("job", "x")}, l));
  EXPECT_FALSE(MatchesAll({Matcher::Equal("job", "x"), Matcher::Equal("a", "b")}, l));
}

TEST(MatcherTest, InvalidRegexIsAnError) {
  absl::StatusOr<Matcher> m = Matcher::Create(MatchType::kRegexMatch, "l", "a(");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("a("), std::string::npos);
  // Even shapes with a fast path are validated.
  EXPECT_FALSE(Matcher::Create(MatchType::kRegexMatch, "l", "a|(b").ok());
}

TEST(MatcherTest, ToString) {
  EXPECT_EQ(Make(MatchType::kRegexNoMatch, "a\"b").ToString(), "l!~\"a\\\"b\"");
  EXPECT_EQ(Matcher::Equal("job", "x").ToString(), "job=\"x\"");
}

}  // namespace
}  // namespace vigil::model
