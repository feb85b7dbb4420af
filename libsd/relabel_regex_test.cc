#include "libsd/relabel_regex.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vigil::sd {
namespace {

RelabelRegex MustCompile(absl::string_view expr) {
  auto re = RelabelRegex::Compile(expr);
  EXPECT_TRUE(re.ok()) << re.status();
  return re.ok() ? *re : RelabelRegex();
}

// Expands `tmpl` against the match of `re` on `s`.
std::string ExpandOn(absl::string_view re_expr, absl::string_view s,
                     absl::string_view tmpl) {
  RelabelRegex re = MustCompile(re_expr);
  std::vector<absl::string_view> groups(re.NumGroups() + 1);
  EXPECT_TRUE(re.MatchGroups(s, absl::MakeSpan(groups))) << re_expr << " " << s;
  std::string out;
  re.Expand(tmpl, groups, &out);
  return out;
}

TEST(RelabelRegexTest, DefaultIsAnyWithOneGroup) {
  RelabelRegex re;
  EXPECT_TRUE(re.IsDefault());
  EXPECT_EQ(re.expr(), "(.*)");
  EXPECT_EQ(re.NumGroups(), 1);
  EXPECT_TRUE(re.Match(""));
  EXPECT_TRUE(re.Match("a\nb"));
  EXPECT_TRUE(MustCompile("(.*)").IsDefault());
  EXPECT_FALSE(MustCompile(".*").IsDefault());
}

struct MatchCase {
  const char* re;
  const char* input;
  bool match;
};

TEST(RelabelRegexTest, FullyAnchoredAndDotMatchesNewline) {
  const MatchCase cases[] = {
      {"f", "foo", false},          {"foo", "foo", true},
      {"fo", "foo", false},         {"o+", "foo", false},
      {"f.*", "foo", true},         {"a.b", "a\nb", true},
      {".+", "", false},            {".+", "x", true},
      {"(.+)", "", false},          {".*", "", true},
      {"true", "true", true},       {"true", "True", false},
      {"foo|bar", "bar", true},     {"foo|bar", "foobar", false},
      {"(?i)abc", "ABC", true},     {"a(.*)", "a", true},
      {"a(.+)", "a", false},        {"a(.+)", "ab", true},
      {"__meta_(.+)", "__meta_x", true},
      {"__meta_(.+)", "x__meta_x", false},
      {"default;kubernetes;https", "default;kubernetes;https", true},
      {"default;kubernetes;https", "default;kubernetes;http", false},
      {"([^:]+)(?::\\d+)?;(\\d+)", "10.0.0.1:80;9100", true},
      {"([^:]+)(?::\\d+)?;(\\d+)", "10.0.0.1:80;", false},
      {"", "", true},               {"", "x", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MustCompile(c.re).Match(c.input), c.match)
        << "regex " << c.re << " on " << c.input;
  }
}

TEST(RelabelRegexTest, InvalidRegexUsesGoWording) {
  auto re = RelabelRegex::Compile("(abc");
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(re.status().message().find("error parsing regexp: missing "
                                       "closing )"),
            absl::string_view::npos)
      << re.status();
  auto bad_rep = RelabelRegex::Compile("a**");
  ASSERT_FALSE(bad_rep.ok());
  EXPECT_NE(bad_rep.status().message().find("invalid nested repetition"),
            absl::string_view::npos)
      << bad_rep.status();
}

struct ExpandCase {
  const char* tmpl;
  const char* want;
};

// Go's Regexp.Expand rules, against "foobar" matched by (f)(o+)(?P<rest>.*).
TEST(RelabelRegexTest, ExpandFollowsGo) {
  const ExpandCase cases[] = {
      {"$1", "f"},
      {"${1}", "f"},
      {"$2", "oo"},
      {"$0", "foobar"},
      {"$1x", ""},        // name "1x": no such group
      {"${1}x", "fx"},
      {"$10", ""},        // group 10 does not exist
      {"$rest", "bar"},
      {"${rest}", "bar"},
      {"$rest_", ""},     // name "rest_"
      {"${rest}_", "bar_"},
      {"$$1", "$1"},
      {"$", "$"},
      {"a$", "a$"},
      {"${1", "${1"},     // missing brace: literal
      {"$-", "$-"},
      {"${}", "${}"},
      {"$01", ""},        // leading zero: a name, not a number
      {"x${1}y${2}z", "xfyooz"},
      {"no vars", "no vars"},
      {"$3$2$1", "baroof"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ExpandOn("(f)(o+)(?P<rest>.*)", "foobar", c.tmpl), c.want)
        << "template " << c.tmpl;
  }
}

TEST(RelabelRegexTest, FastShapesExpandLikeRegex) {
  EXPECT_EQ(ExpandOn("__meta_kubernetes_pod_label_(.+)",
                     "__meta_kubernetes_pod_label_app", "$1"),
            "app");
  EXPECT_EQ(ExpandOn("(.*)", "abc", "<$1>"), "<abc>");
  EXPECT_EQ(ExpandOn(".*", "abc", "<$1|$0>"), "<|abc>");
  EXPECT_EQ(ExpandOn("literal", "literal", "$0-$1"), "literal-");
  EXPECT_EQ(ExpandOn("p(.*)", "p", "[$1]"), "[]");
}

TEST(RelabelRegexTest, UnmatchedOptionalGroupIsEmpty) {
  EXPECT_EQ(ExpandOn("(a)?(b)", "b", "[$1][$2]"), "[][b]");
}

}  // namespace
}  // namespace vigil::sd
