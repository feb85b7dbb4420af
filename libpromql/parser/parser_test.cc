#include "libpromql/parser/parser.h"

#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "libpromql/parser/function_table.h"
#include "libpromql/parser/printer.h"

namespace vigil::promql::parser {
namespace {

// An S-expression of the tree, to check structure (precedence,
// associativity) independently of the printer.
std::string Tree(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kNumberLiteral:
      return Format(e);
    case NodeKind::kStringLiteral:
      return Format(e);
    case NodeKind::kVectorSelector:
    case NodeKind::kMatrixSelector:
      return Format(e);
    case NodeKind::kSubquery: {
      const auto& s = e.As<SubqueryExpr>();
      return absl::StrCat("(subquery ", Tree(*s.expr), " ", s.range_ms, " ",
                          s.step_ms, ")");
    }
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      std::string out = absl::StrCat("(", c.func->name);
      for (const auto& a : c.args) absl::StrAppend(&out, " ", Tree(*a));
      return out + ")";
    }
    case NodeKind::kAggregate: {
      const auto& a = e.As<AggregateExpr>();
      std::string out = absl::StrCat("(", AggregateOpString(a.op));
      if (a.without) absl::StrAppend(&out, " without");
      if (!a.grouping.empty() || a.without) {
        absl::StrAppend(&out, " [", absl::StrJoin(a.grouping, ","), "]");
      }
      if (a.param) absl::StrAppend(&out, " ", Tree(*a.param));
      return absl::StrCat(out, " ", Tree(*a.expr), ")");
    }
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      return absl::StrCat("(", BinaryOpString(b.op), b.return_bool ? " bool" : "",
                          " ", Tree(*b.lhs), " ", Tree(*b.rhs), ")");
    }
    case NodeKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      return absl::StrCat("(", u.op == UnaryOp::kMinus ? "neg" : "pos", " ",
                          Tree(*u.expr), ")");
    }
    case NodeKind::kParen:
      return absl::StrCat("(paren ", Tree(*e.As<ParenExpr>().expr), ")");
    default:
      return Format(e);
  }
}

std::string MustTree(absl::string_view q) {
  auto e = ParseExpr(q);
  if (!e.ok()) return "ERROR: " + std::string(e.status().message());
  return Tree(**e);
}

std::string ErrorOf(absl::string_view q) {
  auto e = ParseExpr(q);
  if (e.ok()) return "OK: " + Format(**e);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << q;
  return std::string(e.status().message());
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(MustTree("1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(MustTree("1 * 2 + 3"), "(+ (* 1 2) 3)");
  EXPECT_EQ(MustTree("1 - 2 - 3"), "(- (- 1 2) 3)");
  EXPECT_EQ(MustTree("2 ^ 3 ^ 2"), "(^ 2 (^ 3 2))");  // right-associative
  EXPECT_EQ(MustTree("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(MustTree("a and b unless c"), "(unless (and a b) c)");
  EXPECT_EQ(MustTree("a or b unless c or d"), "(or (or a (unless b c)) d)");
  EXPECT_EQ(MustTree("a == bool b + c"), "(== bool a (+ b c))");
  EXPECT_EQ(MustTree("a > b and c < d"), "(and (> a b) (< c d))");
  EXPECT_EQ(MustTree("a atan2 b * c"), "(* (atan2 a b) c)");
  EXPECT_EQ(MustTree("a + b atan2 c"), "(+ a (atan2 b c))");
  EXPECT_EQ(MustTree("a % b / c"), "(/ (% a b) c)");
  EXPECT_EQ(MustTree("(1 + 2) * 3"), "(* (paren (+ 1 2)) 3)");
}

TEST(ParserTest, UnaryOperators) {
  EXPECT_EQ(MustTree("-1"), "-1");
  EXPECT_EQ(MustTree("+1"), "1");
  EXPECT_EQ(MustTree("--1"), "1");
  EXPECT_EQ(MustTree("-a"), "(neg a)");
  EXPECT_EQ(MustTree("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(MustTree("-a ^ b"), "(neg (^ a b))");
  EXPECT_EQ(MustTree("-2 ^ 2"), "(neg (^ 2 2))");
  EXPECT_EQ(MustTree("-a + b"), "(+ (neg a) b)");
  EXPECT_EQ(MustTree("2 ^ -a * b"), "(* (^ 2 (neg a)) b)");
  EXPECT_EQ(MustTree("1 - -1"), "(- 1 -1)");
  EXPECT_EQ(MustTree("+a"), "(pos a)");
  EXPECT_EQ(MustTree("-a offset 5m"), "(neg a offset 5m)");
}

TEST(ParserTest, NumberLiterals) {
  auto num = [](absl::string_view q) {
    auto e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << q << ": " << e.status();
    if (!e.ok() || !(*e)->Is<NumberLiteral>()) return -12345.0;
    return (*e)->As<NumberLiteral>().value;
  };
  EXPECT_EQ(num("1"), 1);
  EXPECT_EQ(num("1.5"), 1.5);
  EXPECT_EQ(num(".5"), 0.5);
  EXPECT_EQ(num("5."), 5);
  EXPECT_EQ(num("1e3"), 1000);
  EXPECT_EQ(num("1E-3"), 0.001);
  EXPECT_EQ(num("2e+2"), 200);
  EXPECT_EQ(num("0x1F"), 31);
  EXPECT_EQ(num("0X10"), 16);
  EXPECT_EQ(num("010"), 8);  // Go's base-0 integer parsing: octal
  EXPECT_EQ(num("1_000"), 1000);
  EXPECT_TRUE(std::isinf(num("Inf")));
  EXPECT_TRUE(std::isinf(num("+inf")));
  EXPECT_LT(num("-Inf"), 0);
  EXPECT_TRUE(std::isnan(num("NaN")));
  EXPECT_TRUE(std::isnan(num("nan")));
  EXPECT_EQ(num("5m"), 300);
  EXPECT_EQ(num("1h30m"), 5400);
  EXPECT_EQ(num("1s500ms"), 1.5);
  EXPECT_EQ(num("-5m"), -300);
  auto e = ParseExpr("1h30m");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->As<NumberLiteral>().duration);
}

TEST(ParserTest, StringLiterals) {
  auto str = [](absl::string_view q) -> std::string {
    auto e = ParseExpr(q);
    if (!e.ok()) return "ERROR: " + std::string(e.status().message());
    return (*e)->As<StringLiteral>().value;
  };
  EXPECT_EQ(str(R"("a\nb")"), "a\nb");
  EXPECT_EQ(str(R"('it\'s')"), "it's");
  EXPECT_EQ(str(R"("say \"hi\"")"), "say \"hi\"");
  EXPECT_EQ(str(R"("\a\b\f\n\r\t\v\\")"), "\a\b\f\n\r\t\v\\");
  EXPECT_EQ(str(R"("\x41\101\u00e9\U0001F600")"),
            "AA\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(str("`raw \\n string`"), "raw \\n string");
  EXPECT_EQ(str("\"caf\xc3\xa9\""), "caf\xc3\xa9");
  EXPECT_EQ(str(R"("\q")"), "ERROR: 1:1: parse error: unknown escape sequence U+0071 'q'");
  EXPECT_EQ(str(R"('\"')"), "ERROR: 1:1: parse error: unknown escape sequence U+0022 '\"'");
  EXPECT_EQ(str(R"("\xZZ")"),
            "ERROR: 1:1: parse error: illegal character U+005A 'Z' in escape sequence");
  EXPECT_EQ(str(R"("\uD800")"),
            "ERROR: 1:1: parse error: escape sequence is an invalid Unicode code point");
}

TEST(ParserTest, VectorSelectors) {
  auto e = ParseExpr(R"(http_requests{job="api", code=~"5..", method!="GET", path!~"/x.*"})");
  ASSERT_TRUE(e.ok()) << e.status();
  const auto& vs = (*e)->As<VectorSelector>();
  EXPECT_EQ(vs.name, "http_requests");
  ASSERT_EQ(vs.matchers.size(), 5u);
  EXPECT_EQ(vs.matchers[0].ToString(), R"(job="api")");
  EXPECT_EQ(vs.matchers[1].type(), model::MatchType::kRegexMatch);
  EXPECT_EQ(vs.matchers[2].type(), model::MatchType::kNotEqual);
  EXPECT_EQ(vs.matchers[3].type(), model::MatchType::kRegexNoMatch);
  // The implicit name matcher comes last.
  EXPECT_EQ(vs.matchers[4].name(), "__name__");
  EXPECT_EQ(vs.matchers[4].value(), "http_requests");
  EXPECT_EQ(vs.pos.start, 0);
  EXPECT_EQ(vs.pos.end, 66);

  e = ParseExpr(R"({__name__=~"job:.*"})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<VectorSelector>().name, "");
  EXPECT_EQ((*e)->As<VectorSelector>().matchers.size(), 1u);

  // Prometheus 3 quoted names.
  e = ParseExpr(R"({"metric.name", "label.x"="v"})");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ((*e)->As<VectorSelector>().matchers.size(), 2u);
  EXPECT_EQ((*e)->As<VectorSelector>().matchers[0].name(), "__name__");
  EXPECT_EQ((*e)->As<VectorSelector>().matchers[0].value(), "metric.name");
  EXPECT_EQ((*e)->As<VectorSelector>().matchers[1].name(), "label.x");

  // Keywords are ordinary label names inside braces, and metric names
  // where no operator is possible.
  EXPECT_TRUE(ParseExpr(R"(foo{on="a", by="b", offset="c", sum="d"})").ok());
  EXPECT_EQ(MustTree("sum{a=\"b\"}"), "sum{a=\"b\"}");
  EXPECT_EQ(MustTree("job:rate5m"), "job:rate5m");
  EXPECT_EQ(MustTree("foo{a=\"b\",}"), "foo{a=\"b\"}");
  EXPECT_EQ(MustTree("foo{}"), "foo");
  // A lone aggregator or keyword is a metric name, as in Prometheus.
  EXPECT_EQ(MustTree("sum"), "sum");
  EXPECT_EQ(MustTree("offset"), "offset");
  EXPECT_EQ(MustTree("sum + by"), "(+ sum by)");
}

TEST(ParserTest, RangesOffsetsAndAt) {
  auto e = ParseExpr("rate(foo[5m] offset -1h @ 1609746000)");
  ASSERT_TRUE(e.ok()) << e.status();
  const auto& m = (*e)->As<Call>().args[0]->As<MatrixSelector>();
  EXPECT_EQ(m.range_ms, 300000);
  EXPECT_EQ(m.vector_selector->original_offset_ms, -3600000);
  EXPECT_EQ(m.vector_selector->offset_ms, -3600000);
  EXPECT_EQ(m.vector_selector->at, AtModifier::kTimestamp);
  EXPECT_EQ(*m.vector_selector->timestamp_ms, 1609746000000);

  e = ParseExpr("foo @ end() offset 5m");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<VectorSelector>().at, AtModifier::kEnd);
  EXPECT_EQ((*e)->As<VectorSelector>().original_offset_ms, 300000);

  e = ParseExpr("foo @ -1.5");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(*(*e)->As<VectorSelector>().timestamp_ms, -1500);

  e = ParseExpr("foo offset 100");  // a plain number is seconds
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<VectorSelector>().original_offset_ms, 100000);

  e = ParseExpr("sum_over_time(rate(foo[1m])[1h:5m] offset 10m @ start())");
  ASSERT_TRUE(e.ok()) << e.status();
  const auto& s = (*e)->As<Call>().args[0]->As<SubqueryExpr>();
  EXPECT_EQ(s.range_ms, 3600000);
  EXPECT_EQ(s.step_ms, 300000);
  EXPECT_EQ(s.original_offset_ms, 600000);
  EXPECT_EQ(s.at, AtModifier::kStart);

  e = ParseExpr("foo[30m:]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<SubqueryExpr>().step_ms, 0);
  EXPECT_EQ((*e)->type(), ValueType::kMatrix);
}

TEST(ParserTest, DurationExpressions) {
  auto e = ParseExpr("foo[5m+1m]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<MatrixSelector>().range_ms, 360000);
  ASSERT_NE((*e)->As<MatrixSelector>().range_expr, nullptr);

  e = ParseExpr("foo[2m*(10+5)]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<MatrixSelector>().range_ms, 1800000);

  e = ParseExpr("foo[1800]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<MatrixSelector>().range_ms, 1800000);
  EXPECT_EQ((*e)->As<MatrixSelector>().range_expr, nullptr);

  // offset takes one operand; what follows is an ordinary operator.
  EXPECT_EQ(MustTree("foo offset 100 + 2"), "(+ foo offset 1m40s 2)");
  EXPECT_EQ(MustTree("foo offset -2 ^ 2"), "(^ foo offset -2s 2)");
  e = ParseExpr("foo offset (-2 * 2)");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<VectorSelector>().original_offset_ms, -4000);

  // step() and range() wait for the query.
  e = ParseExpr("count_over_time(foo[min_of(step()+1, 1h)]) + foo offset -step()*2");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(NeedsDurationResolution(**e));
  ASSERT_TRUE(ResolveDurations(e->get(), 15000, 3600000).ok());
  const auto& b = (*e)->As<BinaryExpr>();
  EXPECT_EQ(b.lhs->As<Call>().args[0]->As<MatrixSelector>().range_ms, 16000);
  EXPECT_EQ(b.rhs->As<BinaryExpr>().lhs->As<VectorSelector>().offset_ms,
            -15000);
  EXPECT_EQ(MustTree("foo[step()]"), "foo[step()]");
  EXPECT_EQ(MustTree("foo offset STEP()"), "foo offset step()");

  ParseOptions no_dur;
  no_dur.enable_duration_expressions = false;
  auto bad = ParseExpr("foo[5m+1m]", no_dur);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "1:7: parse error: unexpected <op:+> in subquery or range, "
            "expected \":\" or \"]\"");
}

TEST(ParserTest, Aggregations) {
  EXPECT_EQ(MustTree("sum by (job) (x)"), "(sum [job] x)");
  EXPECT_EQ(MustTree("sum(x) by (job, instance)"), "(sum [job,instance] x)");
  EXPECT_EQ(MustTree("sum without (job) (x)"), "(sum without [job] x)");
  EXPECT_EQ(MustTree("sum(x) without ()"), "(sum without [] x)");
  EXPECT_EQ(MustTree("topk(3, x)"), "(topk 3 x)");
  EXPECT_EQ(MustTree("bottomk by (a) (3, x)"), "(bottomk [a] 3 x)");
  EXPECT_EQ(MustTree("quantile(0.9, x)"), "(quantile 0.9 x)");
  EXPECT_EQ(MustTree("count_values(\"v\", x)"), "(count_values \"v\" x)");
  EXPECT_EQ(MustTree("limitk(2, x)"), "(limitk 2 x)");
  EXPECT_EQ(MustTree("limit_ratio(0.5, x)"), "(limit_ratio 0.5 x)");
  EXPECT_EQ(MustTree("SUM(x)"), "(sum x)");
  EXPECT_EQ(MustTree("sum by (on, by, \"a.b\",) (x)"), "(sum [on,by,a.b] x)");
  EXPECT_EQ(MustTree("group(x)"), "(group x)");
  EXPECT_EQ(MustTree("stddev(x) + stdvar(x)"), "(+ (stddev x) (stdvar x))");
}

TEST(ParserTest, VectorMatching) {
  auto e = ParseExpr("a * on(job, instance) group_left(version) b");
  ASSERT_TRUE(e.ok()) << e.status();
  const auto& b = (*e)->As<BinaryExpr>();
  ASSERT_TRUE(b.matching.has_value());
  EXPECT_EQ(b.matching->card, VectorMatchCardinality::kManyToOne);
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->matching_labels,
            (std::vector<std::string>{"job", "instance"}));
  EXPECT_EQ(b.matching->include, (std::vector<std::string>{"version"}));

  e = ParseExpr("a / ignoring(x) group_right b");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<BinaryExpr>().matching->card,
            VectorMatchCardinality::kOneToMany);
  EXPECT_FALSE((*e)->As<BinaryExpr>().matching->on);

  e = ParseExpr("a and b");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<BinaryExpr>().matching->card,
            VectorMatchCardinality::kManyToMany);

  // Matching is dropped when a side is a scalar.
  e = ParseExpr("a + 1");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE((*e)->As<BinaryExpr>().matching.has_value());
  EXPECT_EQ((*e)->type(), ValueType::kVector);
  e = ParseExpr("1 + 2");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->type(), ValueType::kScalar);

  e = ParseExpr("a + on(k) group_left fill_left(5) fill_right(7) b");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(*(*e)->As<BinaryExpr>().matching->fill_lhs, 5);
  EXPECT_EQ(*(*e)->As<BinaryExpr>().matching->fill_rhs, 7);
  // fill is a metric name where it is not a modifier.
  EXPECT_EQ(MustTree("fill + fill(0) fill"), "(+ fill fill)");
  EXPECT_EQ(MustTree("other + fill"), "(+ other fill)");
}

TEST(ParserTest, Functions) {
  auto e = ParseExpr("label_join(up, \"d\", \",\", \"a\", \"b\", \"c\")");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->As<Call>().func, LookupFunction("label_join"));
  EXPECT_EQ((*e)->As<Call>().args.size(), 6u);
  EXPECT_EQ(MustTree("time()"), "(time)");
  EXPECT_EQ(MustTree("round(x)"), "(round x)");
  EXPECT_EQ(MustTree("round(x, 5)"), "(round x 5)");
  EXPECT_EQ(MustTree("start()"), "(start)");
  EXPECT_EQ(MustTree("end() - start()"), "(- (end) (start))");
  EXPECT_EQ(MustTree("vector(step())"), "(vector (step))");
  EXPECT_EQ(MustTree("histogram_quantile(0.9, sum by (le) (rate(b[5m])))"),
            "(histogram_quantile 0.9 (sum [le] (rate b[5m])))");
  EXPECT_EQ(MustTree("info(metric, {data=~\".+\"})"),
            "(info metric {data=~\".+\"})");
  // info()'s label selector may match the empty string.
  EXPECT_EQ(MustTree("info(metric, {data=~\".*\"})"),
            "(info metric {data=~\".*\"})");
  EXPECT_EQ(MustTree("absent(nonexistent{job=\"x\"})"),
            "(absent nonexistent{job=\"x\"})");
}

TEST(ParserTest, CommentsAndWhitespace) {
  EXPECT_EQ(MustTree("# leading comment\nsum(x) # trailing\n  by (a)"),
            "(sum [a] x)");
  EXPECT_EQ(MustTree("\tfoo\n+\r\nbar "), "(+ foo bar)");
}

TEST(ParserTest, ExtendedRangeSelectors) {
  auto e = ParseExpr("increase(metric[1m] anchored)");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(
      (*e)->As<Call>().args[0]->As<MatrixSelector>().vector_selector->anchored);
  e = ParseExpr("metric @ 100 smoothed");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE((*e)->As<VectorSelector>().smoothed);
}

TEST(ParserTest, SyntaxErrors) {
  struct Case {
    const char* query;
    const char* message;
  };
  const Case cases[] = {
      {"", "unknown position: parse error: no expression found in input"},
      {"  ", "1:1: parse error: no expression found in input"},
      {"1+", "1:3: parse error: unexpected end of input"},
      {"1 +\n", "2:1: parse error: unexpected end of input"},
      {"(", "1:2: parse error: unclosed left parenthesis"},
      {")", "1:2: parse error: unexpected right parenthesis ')'"},
      {"foo]", "1:4: parse error: unexpected right bracket ']'"},
      {"foo[5m", "1:7: parse error: unclosed left bracket"},
      {"foo[5m[", "1:7: parse error: unexpected left bracket '['"},
      {"foo{", "1:5: parse error: unexpected end of input inside braces"},
      {"foo{a}", "1:6: parse error: unexpected \"}\" in label matching, "
                 "expected label matching operator"},
      {"foo{a=b}", "1:7: parse error: unexpected identifier \"b\" in label "
                   "matching, expected string"},
      {"foo{a=\"b\" c=\"d\"}",
       "1:11: parse error: unexpected identifier \"c\" in label matching, "
       "expected \",\" or \"}\""},
      {"foo{,}", "1:5: parse error: unexpected \",\" in label matching, "
                 "expected identifier or \"}\""},
      {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
      {"foo{a{", "1:6: parse error: unexpected left brace '{'"},
      {"foo{a:b=\"c\"}", "1:6: parse error: unexpected character inside braces: ':'"},
      {"foo{a!b=\"c\"}",
       "1:6: parse error: unexpected character after '!' inside braces: 'b'"},
      {"foo =~ bar", "1:5: parse error: unexpected character after '=': '~'"},
      {"foo ! bar", "1:5: parse error: unexpected character after '!': ' '"},
      {"foo $ bar", "1:5: parse error: unexpected character: '$'"},
      {"\"abc", "1:1: parse error: unterminated quoted string"},
      {"`abc", "1:1: parse error: unterminated raw string"},
      {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
      {"foo 1", "1:5: parse error: unexpected number \"1\""},
      {"sum foo", "1:5: parse error: unexpected identifier \"foo\""},
      {"sum(foo bar)",
       "1:9: parse error: unexpected identifier \"bar\" in aggregation"},
      {"sum(rate(foo bar))",
       "1:14: parse error: unexpected identifier \"bar\" in aggregation"},
      {"sum by foo (bar)", "1:8: parse error: unexpected identifier \"foo\" in "
                           "grouping opts, expected \"(\""},
      {"sum by (a b) (x)", "1:11: parse error: unexpected identifier \"b\" in "
                           "grouping opts, expected \",\" or \")\""},
      {"sum by (1) (x)", "1:9: parse error: unexpected number \"1\" in "
                         "grouping opts, expected label"},
      {"sum without", "1:12: parse error: unexpected end of input in grouping "
                      "opts, expected \"(\""},
      {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
      {"sum(a, b)", "1:1: parse error: wrong number of arguments for aggregate "
                    "expression provided, expected 1, got 2"},
      {"topk(a)", "1:1: parse error: wrong number of arguments for aggregate "
                  "expression provided, expected 2, got 1"},
      {"foo offset", "1:11: parse error: unexpected end of input in offset, "
                     "expected number or duration"},
      {"foo offset bar", "1:12: parse error: unexpected identifier \"bar\" in "
                         "offset, expected number or duration"},
      {"foo @", "1:6: parse error: unexpected end of input in @, expected "
                "timestamp"},
      {"foo @ bar", "1:7: parse error: unexpected identifier \"bar\" in @, "
                    "expected timestamp"},
      {"foo[]", "1:5: parse error: unexpected \"]\" in subquery selector, "
                "expected duration"},
      {"foo[5m x]", "1:8: parse error: unexpected identifier \"x\" in "
                    "subquery or range, expected \":\" or \"]\""},
      {"foo[5m:1m x]", "1:11: parse error: unexpected identifier \"x\" in "
                       "subquery selector, expected \"]\""},
      {"foo[5m:x]", "1:8: parse error: unexpected identifier \"x\" in "
                    "subquery selector, expected duration or \"]\""},
      {"foo[5mm]", "1:5: parse error: bad number or duration syntax: \"5mm\""},
      {"foo[5m30]", "1:5: parse error: bad number or duration syntax: \"5m30\""},
      {"foo[1.5h]", "1:5: parse error: not a valid duration string: \"1.5h\""},
      {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
      {"1a", "1:1: parse error: bad number or duration syntax: \"1\""},
      {"rate(x[5m],)", "1:11: parse error: trailing commas not allowed in "
                       "function call args"},
      {"rate(x[5m] y)", "1:12: parse error: unexpected identifier \"y\""},
      {"nonexistent(foo)", "1:1: parse error: unknown function with name "
                           "\"nonexistent\""},
      {"a + bool", "1:9: parse error: unexpected end of input"},
      {"a > on(b) bool c", "1:11: parse error: unexpected <bool>"},
      {"a + ,", "1:5: parse error: unexpected \",\""},
      {"sum(x) by (a) by (b)", "1:15: parse error: unexpected <by>"},
      {"foo{a=\"b\"}}", "1:11: parse error: unexpected character: '}'"},
      {"1 + +", "1:6: parse error: unexpected end of input"},
      {"foo @ start", "1:12: parse error: unexpected end of input in @, "
                      "expected timestamp"},
      {"a + \"very long string literal\" x",
       "1:32: parse error: unexpected identifier \"x\""},
      {"1 \"a very long string\"",
       "1:3: parse error: unexpected string \"\\\"a very lo\"..."},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(c.query), c.message) << "query: " << c.query;
  }
}

TEST(ParserTest, TypeErrors) {
  struct Case {
    const char* query;
    const char* message;
  };
  const Case cases[] = {
      {"rate(foo)", "1:6: parse error: expected type range vector in call to "
                    "function \"rate\", got instant vector"},
      {"abs(foo[5m])", "1:5: parse error: expected type instant vector in call "
                       "to function \"abs\", got range vector"},
      {"label_replace(x, 1, \"\", \"\", \"\")",
       "1:18: parse error: expected type string in call to function "
       "\"label_replace\", got scalar"},
      {"time(1)", "1:1: parse error: expected 0 argument(s) in call to "
                  "\"time\", got 1"},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call "
                  "to \"round\", got 0"},
      {"round(x, 1, 2)", "1:1: parse error: expected at most 2 argument(s) in "
                         "call to \"round\", got 3"},
      {"label_join(x, \"a\")", "1:1: parse error: expected at least 3 "
                               "argument(s) in call to \"label_join\", got 2"},
      {"foo[5m] + 1", "1:1: parse error: binary expression must contain only "
                      "scalar and instant vector types"},
      {"1 + foo[5m]", "1:5: parse error: binary expression must contain only "
                      "scalar and instant vector types"},
      {"\"a\" + 1", "1:1: parse error: binary expression must contain only "
                    "scalar and instant vector types"},
      {"{}", "1:1: parse error: vector selector must contain at least one "
             "non-empty matcher"},
      {"{a=\"\"}", "1:1: parse error: vector selector must contain at least "
                   "one non-empty matcher"},
      {"{a=~\".*\"}", "1:1: parse error: vector selector must contain at "
                      "least one non-empty matcher"},
      {"foo{__name__=\"bar\"}", "1:1: parse error: metric name must not be "
                                "set twice: \"foo\" or \"bar\""},
      {"1 and 1", "1:1: parse error: set operator \"and\" not allowed in "
                  "binary scalar expression"},
      {"foo or 1", "1:1: parse error: set operator \"or\" not allowed in "
                   "binary scalar expression"},
      {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL "
                 "modifier"},
      {"foo + bool bar", "1:5: parse error: bool modifier can only be used on "
                         "comparison operators"},
      {"foo and bool bar", "1:5: parse error: bool modifier can only be used "
                           "on comparison operators"},
      {"foo + on(a) 1", "1:1: parse error: vector matching only allowed "
                        "between instant vectors"},
      {"foo and on(a) group_left(b) bar",
       "1:1: parse error: no grouping allowed for \"and\" operation"},
      {"foo * on(a) group_left(a) bar",
       "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at "
       "once"},
      {"sum(\"a\")", "1:5: parse error: expected type instant vector in "
                     "aggregation expression, got string"},
      {"topk(\"a\", foo)", "1:6: parse error: expected type scalar in "
                           "aggregation parameter, got string"},
      {"count_values(1, foo)", "1:14: parse error: expected type string in "
                               "aggregation parameter, got scalar"},
      {"-\"a\"", "1:1: parse error: unary expression only allowed on "
                 "expressions of type scalar or instant vector, got \"string\""},
      {"-foo[5m]", "1:1: parse error: unary expression only allowed on "
                   "expressions of type scalar or instant vector, got "
                   "\"range vector\""},
      {"foo[5m][5m:]", "1:1: parse error: subquery is only allowed on instant "
                       "vector, got matrix instead"},
      {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector "
                    "selectors"},
      {"foo offset 5m[5m]", "1:14: parse error: no offset modifiers allowed "
                            "before range"},
      {"foo @ 1[5m]", "1:8: parse error: no @ modifiers allowed before range"},
      {"foo offset 1m offset 2m", "1:1: parse error: offset may not be set "
                                  "multiple times"},
      {"foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set "
                      "multiple times"},
      {"sum(foo) offset 5m", "1:1: parse error: offset modifier must be "
                             "preceded by an instant vector selector or range "
                             "vector selector or a subquery"},
      {"1 @ 5", "1:1: parse error: @ modifier must be preceded by an instant "
                "vector selector or range vector selector or a subquery"},
      {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ "
                    "modifier: +Inf"},
      {"info(metric, foo)", "1:14: parse error: expected label selectors "
                            "only, got vector selector instead"},
      {"rate(sum({a=\"\"}))", "1:10: parse error: vector selector must "
                                 "contain at least one non-empty matcher"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(c.query), c.message) << "query: " << c.query;
  }
}

TEST(ParserTest, FeatureFlags) {
  ParseOptions off;
  off.enable_experimental_functions = false;
  off.enable_binop_fill_modifiers = false;
  off.enable_extended_range_selectors = false;
  auto e = ParseExpr("sort_by_label(foo, \"a\")", off);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "1:1: parse error: function \"sort_by_label\" is not enabled");
  e = ParseExpr("limitk(1, foo)", off);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "1:1: parse error: limitk() and limit_ratio() are experimental "
            "and must be enabled with "
            "--enable-feature=promql-experimental-functions");
  EXPECT_FALSE(ParseExpr("a + fill(0) b", off).ok());
  EXPECT_FALSE(ParseExpr("rate(foo[1m] anchored)", off).ok());
  EXPECT_TRUE(ParseExpr("rate(foo[1m])", off).ok());
}

TEST(ParserTest, ParseMetricSelector) {
  auto m = ParseMetricSelector(R"(up{job="api"})");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].name(), "__name__");
  EXPECT_FALSE(ParseMetricSelector("up + 1").ok());
  EXPECT_FALSE(ParseMetricSelector("{}").ok());
  EXPECT_FALSE(ParseMetricSelector("rate(x[5m])").ok());
}

TEST(ParserTest, DeepNestingIsBounded) {
  // Within the bound: parses, type-checks and prints.
  std::string ok_query = std::string(120, '(') + "1" + std::string(120, ')');
  auto e = ParseExpr(ok_query);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(Format(**e), ok_query);
  std::string chain = "x";
  for (int i = 0; i < 900; ++i) chain += " + x";
  e = ParseExpr(chain);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(Format(**e), chain);
  EXPECT_EQ(Format(*Clone(**e)), chain);
  // Hostile depths fail cleanly instead of exhausting the stack.
  const std::string hostile[] = {
      std::string(100000, '(') + "1" + std::string(100000, ')'),
      std::string(100000, '-') + "x",
      [] {
        std::string s = "x";
        for (int i = 0; i < 100000; ++i) s += "+x";
        return s;
      }(),
      [] {
        std::string s = "1";
        for (int i = 0; i < 100000; ++i) s += "^1";
        return s;
      }(),
      [] {
        std::string s = "x";
        for (int i = 0; i < 100000; ++i) s += "[1m:]";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 50000; ++i) s += "abs(";
        return s + "x" + std::string(50000, ')');
      }(),
      "x[" + std::string(100000, '(') + "1m" + std::string(100000, ')') + "]",
  };
  for (const std::string& q : hostile) {
    auto r = ParseExpr(q);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(absl::StrContains(r.status().message(),
                                  "expression nesting too deep"))
        << r.status().message().substr(0, 200);
  }
}

TEST(ParserTest, NeverCrashesOnGarbage) {
  // Every prefix of valid queries, plus byte noise: must return, not crash.
  const std::string queries[] = {
      "sum by (job) (rate(http_requests_total{job=~\"api|web\"}[5m] offset "
      "1h @ start())) / on(job) group_left(v) info{a=\"b\"}",
      "histogram_quantile(0.9, sum without (a) (rate(b_bucket[5m:1m])))",
      "foo[5m+step()*2] anchored offset -(1m) @ 100",
      "label_replace(x, \"a\\x41\", '\\u00e9', `raw`, \"\") # c",
  };
  int parsed = 0;
  for (const std::string& q : queries) {
    for (size_t n = 0; n <= q.size(); ++n) {
      if (ParseExpr(q.substr(0, n)).ok()) ++parsed;
    }
  }
  EXPECT_GT(parsed, 0);
  std::string noise;
  for (int i = 0; i < 2000; ++i) {
    noise.push_back(static_cast<char>((i * 7919 + 13) % 256));
    (void)ParseExpr(noise);
  }
}

}  // namespace
}  // namespace vigil::promql::parser
