#include "libpromql/parser/lexer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vigil::promql::parser {
namespace {

struct Lexed {
  TokenType type;
  std::string value;
  int pos;
};

std::vector<Lexed> LexAll(absl::string_view in) {
  Lexer lexer(in);
  std::vector<Lexed> out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lexer.Next();
    out.push_back({t.type, std::string(t.value), t.pos});
    if (t.type == TokenType::kEOF || t.type == TokenType::kError) break;
  }
  return out;
}

std::vector<TokenType> Types(absl::string_view in) {
  std::vector<TokenType> out;
  for (const Lexed& l : LexAll(in)) out.push_back(l.type);
  return out;
}

using T = TokenType;

TEST(LexerTest, OperatorsAndPunctuation) {
  EXPECT_EQ(Types("+ - * / % ^ == != > < >= <= @ , ( ) </ >/"),
            (std::vector<T>{T::kAdd, T::kSub, T::kMul, T::kDiv, T::kMod,
                            T::kPow, T::kEqlc, T::kNeq, T::kGtr, T::kLss,
                            T::kGte, T::kLte, T::kAt, T::kComma,
                            T::kLeftParen, T::kRightParen, T::kTrimUpper,
                            T::kTrimLower, T::kEOF}));
  EXPECT_EQ(Types("a[5m:1m]"),
            (std::vector<T>{T::kIdentifier, T::kLeftBracket, T::kDuration,
                            T::kColon, T::kDuration, T::kRightBracket,
                            T::kEOF}));
}

TEST(LexerTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Types("sum BY without On ignoring group_left GROUP_RIGHT bool "
                  "offset and OR unless atan2 start end topk limit_ratio"),
            (std::vector<T>{T::kSum, T::kBy, T::kWithout, T::kOn, T::kIgnoring,
                            T::kGroupLeft, T::kGroupRight, T::kBool,
                            T::kOffset, T::kLand, T::kLor, T::kLunless,
                            T::kAtan2, T::kStart, T::kEnd, T::kTopK,
                            T::kLimitRatio, T::kEOF}));
  EXPECT_EQ(Types("Inf NaN inf"),
            (std::vector<T>{T::kNumber, T::kNumber, T::kNumber, T::kEOF}));
  // Not keywords: longer words and metric names with colons.
  EXPECT_EQ(Types("summary job:sum:rate5m"),
            (std::vector<T>{T::kIdentifier, T::kMetricIdentifier, T::kEOF}));
}

TEST(LexerTest, InsideBracesEverythingIsALabel) {
  EXPECT_EQ(Types("{by=\"a\", sum!=\"b\", x=~'c', y!~`d`}"),
            (std::vector<T>{T::kLeftBrace, T::kIdentifier, T::kEql,
                            T::kString, T::kComma, T::kIdentifier, T::kNeq,
                            T::kString, T::kComma, T::kIdentifier,
                            T::kEqlRegex, T::kString, T::kComma,
                            T::kIdentifier, T::kNeqRegex, T::kString,
                            T::kRightBrace, T::kEOF}));
}

TEST(LexerTest, NumbersAndDurations) {
  struct Case {
    const char* in;
    T type;
  };
  const Case cases[] = {
      {"1", T::kNumber},       {"1.5", T::kNumber},  {".5", T::kNumber},
      {"1e10", T::kNumber},    {"1E-3", T::kNumber}, {"0x1fF", T::kNumber},
      {"1_000", T::kNumber},   {"5m", T::kDuration}, {"1h30m", T::kDuration},
      {"500ms", T::kDuration}, {"1y2w", T::kDuration},
      {"10s53ms", T::kDuration},
  };
  for (const Case& c : cases) {
    auto l = LexAll(c.in);
    ASSERT_EQ(l.size(), 2u) << c.in;
    EXPECT_EQ(l[0].type, c.type) << c.in;
    EXPECT_EQ(l[0].value, c.in);
  }
}

TEST(LexerTest, Positions) {
  auto l = LexAll("  foo{a=\"b\"}\n  [5m] # comment\n");
  ASSERT_EQ(l.size(), 11u);
  EXPECT_EQ(l[0].pos, 2);   // foo
  EXPECT_EQ(l[1].pos, 5);   // {
  EXPECT_EQ(l[4].pos, 8);   // "b"
  EXPECT_EQ(l[4].value, "\"b\"");
  EXPECT_EQ(l[6].pos, 15);  // [
  EXPECT_EQ(l[9].type, T::kComment);
  EXPECT_EQ(l[9].value, "# comment");
  EXPECT_EQ(l[10].type, T::kEOF);
  EXPECT_EQ(l[10].pos, 30);
}

TEST(LexerTest, Errors) {
  struct Case {
    const char* in;
    const char* message;
    int pos;
  };
  const Case cases[] = {
      {"(foo", "unclosed left parenthesis", 4},
      {"foo)", "unexpected right parenthesis ')'", 4},
      {"foo[5m", "unclosed left bracket", 6},
      {"]", "unexpected right bracket ']'", 0},
      {"a[[", "unexpected left bracket '['", 2},
      {"{a", "unexpected end of input inside braces", 2},
      {"{{", "unexpected left brace '{'", 1},
      {"{a:", "unexpected character inside braces: ':'", 2},
      {"{a!x", "unexpected character after '!' inside braces: 'x'", 2},
      {"a =~", "unexpected character after '=': '~'", 2},
      {"a !", "unexpected character after '!': '\xef\xbf\xbd'", 2},
      {"\"abc", "unterminated quoted string", 0},
      {"'ab\nc'", "unterminated quoted string", 0},
      {"`abc", "unterminated raw string", 0},
      {"\"\\z\"", "unknown escape sequence U+007A 'z'", 0},
      {"\"\\x4\"", "illegal character U+0022 '\"' in escape sequence", 0},
      {"\"\\", "escape sequence not terminated", 0},
      {"\"\\777\"", "escape sequence is an invalid Unicode code point", 0},
      {"\"\xff\"", "invalid UTF-8 rune", 0},
      {"5mm", "bad number or duration syntax: \"5mm\"", 0},
      {"1x", "bad number or duration syntax: \"1\"", 0},
      {"a $", "unexpected character: '$'", 2},
      {"a \xe2\x82\xac", "unexpected character: '\xe2\x82\xac'", 2},
      {"a \x01", "unexpected character: '\\x01'", 2},
      {"[1:2:", "unexpected colon ':'", 4},
  };
  for (const Case& c : cases) {
    auto l = LexAll(c.in);
    ASSERT_FALSE(l.empty());
    EXPECT_EQ(l.back().type, T::kError) << c.in;
    EXPECT_EQ(l.back().value, c.message) << c.in;
    EXPECT_EQ(l.back().pos, c.pos) << c.in;
  }
  // After an error the lexer only returns EOF.
  Lexer lexer("$ foo");
  EXPECT_EQ(lexer.Next().type, T::kError);
  EXPECT_EQ(lexer.Next().type, T::kEOF);
}

TEST(LexerTest, TokenDescriptions) {
  auto desc = [](absl::string_view in) {
    Lexer lexer(in);
    return TokenDescription(lexer.Next());
  };
  EXPECT_EQ(desc(""), "end of input");
  EXPECT_EQ(desc("foo"), "identifier \"foo\"");
  EXPECT_EQ(desc("a:b"), "metric identifier \"a:b\"");
  EXPECT_EQ(desc("12"), "number \"12\"");
  EXPECT_EQ(desc("5m"), "duration \"5m\"");
  EXPECT_EQ(desc("\"x\""), "string \"\\\"x\\\"\"");
  EXPECT_EQ(desc("\"abcdefghijkl\""), "string \"\\\"abcdefghi\"...");
  EXPECT_EQ(desc("("), "\"(\"");
  EXPECT_EQ(desc("+"), "<op:+>");
  EXPECT_EQ(desc("and"), "<op:and>");
  EXPECT_EQ(desc("SUM"), "<aggr:SUM>");
  EXPECT_EQ(desc("by"), "<by>");
  EXPECT_EQ(desc("start"), "\"start\"");
}

TEST(LexerTest, GoQuoting) {
  EXPECT_EQ(GoQuote("a\"b\\c\n\t"), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(GoQuote("\x01\x7f"), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("\xc2\xad"), "\"\\u00ad\"");
  EXPECT_EQ(QuoteRune('\''), "'\\''");
  EXPECT_EQ(QuoteRune('"'), "'\"'");
  EXPECT_EQ(QuoteRune('\n'), "'\\n'");
}

}  // namespace
}  // namespace vigil::promql::parser
