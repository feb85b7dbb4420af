#include "libpromql/parser/printer.h"

#include <cstdint>
#include <initializer_list>
#include <iostream>
#include <string>

#include "gtest/gtest.h"
#include "libpromql/parser/parser.h"

namespace vigil::promql::parser {
namespace {

std::string Canonical(absl::string_view q) {
  auto e = ParseExpr(q);
  if (!e.ok()) return "ERROR: " + std::string(e.status().message());
  return Format(**e);
}

// Inputs and the canonical text Prometheus's Expr.String() gives for them
// (empty `out`: the input is already canonical).
struct Case {
  const char* in;
  const char* out;
};

const Case kCases[] = {
    // Aggregations.
    {"sum by() (task:errors:rate10s{job=\"s\"})",
     "sum(task:errors:rate10s{job=\"s\"})"},
    {"sum by(code) (task:errors:rate10s{job=\"s\"})",
     "sum by (code) (task:errors:rate10s{job=\"s\"})"},
    {"sum without() (task:errors:rate10s{job=\"s\"})",
     "sum without () (task:errors:rate10s{job=\"s\"})"},
    {"sum without(instance) (task:errors:rate10s{job=\"s\"})",
     "sum without (instance) (task:errors:rate10s{job=\"s\"})"},
    {"sum(rate(x[5m])) by (job)", "sum by (job) (rate(x[5m]))"},
    {"topk(5, task:errors:rate10s{job=\"s\"})", ""},
    {"count_values(\"value\", task:errors:rate10s{job=\"s\"})", ""},
    {"quantile without(a, b) (0.9, x)", "quantile without (a, b) (0.9, x)"},
    {"sum by (\"foo.bar\", job) (x)", "sum by (\"foo.bar\", job) (x)"},
    {"limitk(2, x)", ""},
    // Binary operators and vector matching.
    {"a - on() c", "a - on () c"},
    {"a - on(b) c", "a - on (b) c"},
    {"a - on(b) group_left(x) c", "a - on (b) group_left (x) c"},
    {"a - on(b) group_left(x, y) c", "a - on (b) group_left (x, y) c"},
    {"a - on(b) group_left c", "a - on (b) group_left () c"},
    {"a - on(b) group_left() (c)", "a - on (b) group_left () (c)"},
    {"a - ignoring(b) c", "a - ignoring (b) c"},
    {"a - ignoring() c", "a - c"},
    {"a * ignoring(b) group_right(c) d", "a * ignoring (b) group_right (c) d"},
    {"up > bool 0", ""},
    {"a and b", ""},
    {"a unless on(x) b", "a unless on (x) b"},
    {"a atan2 b", ""},
    {"1 + 2 * 3", ""},
    {"(1 + 2) * 3", ""},
    {"2 ^ 3 ^ 2", ""},
    {"-a", ""},
    {"-(a + b)", ""},
    {"a + fill(0) b", "a + fill (0) b"},
    {"a + on(k) group_left fill_left(5) fill_right(7) b",
     "a + on (k) group_left () fill_left (5) fill_right (7) b"},
    {"a + fill_right(-Inf) b", "a + fill_right (-Inf) b"},
    {"a == bool fill(1e30) b", "a == bool fill (1e+30) b"},
    {"h >/ 0.5", ""},
    // Selectors, offsets, @.
    {"a offset 1m", ""},
    {"a offset -7m", ""},
    {"a offset 90s", "a offset 1m30s"},
    {"a{c=\"d\"}[5m] offset 1m", ""},
    {"a[5m] offset 1m", ""},
    {"a[12m] offset -3m", ""},
    {"a[1h:5m] offset 1m", ""},
    {"a[1h:] offset 1m", ""},
    {"rate(a[5m])[1h:1m]", ""},
    {"{__name__=\"a\"}", ""},
    {"{__name__=~\"a.*\"}", ""},
    {"a{b!=\"c\"}[1m]", ""},
    {"a{b=~\"c\"}[1m]", ""},
    {"a{b!~\"c\"}[1m]", ""},
    {"a{z=\"1\", b=\"2\"}", "a{b=\"2\",z=\"1\"}"},
    {"a @ 10", "a @ 10.000"},
    {"a[1m] @ 10", "a[1m] @ 10.000"},
    {"a @ 1.5", "a @ 1.500"},
    {"a @ -10", "a @ -10.000"},
    {"a @ start()", ""},
    {"a @ end()", ""},
    {"a[1m] @ start()", ""},
    {"a[1m] @ end()", ""},
    {"a offset 5m @ 100", "a @ 100.000 offset 5m"},
    {"a[1m:1s] @ 100 offset 5m", "a[1m:1s] @ 100.000 offset 5m"},
    {"a[90m]", "a[1h30m]"},
    {"a[1800]", "a[30m]"},
    {"a[7d]", "a[1w]"},
    {"{\"metric.name\"}", "{__name__=\"metric.name\"}"},
    {"{\"label.x\"=\"v\", a=\"b\"}", "{\"label.x\"=\"v\",a=\"b\"}"},
    {"a{b=\"new\\nline \\\"q\\\" \\u00e9\"}", "a{b=\"new\\nline \\\"q\\\" \u00e9\"}"},
    {"increase(m[1m] anchored)", ""},
    {"m smoothed", ""},
    {"m offset 5m smoothed @ 10", "m @ 10.000 smoothed offset 5m"},
    // Duration expressions.
    {"a[5m+1m]", "a[5m + 1m]"},
    {"a[2m*(10+5)]", "a[2m * (10 + 5)]"},
    {"a[step()]", ""},
    {"a offset -step()", ""},
    {"a offset (-step()*2)", "a offset (-step() * 2)"},
    {"a[min_of(step()+1,1h):step()]", "a[min_of(step() + 1, 1h):step()]"},
    // Literals.
    {"1", ""},
    {"1.5", ""},
    {"1e3", "1000"},
    {"0x1F", "31"},
    {".5", "0.5"},
    {"1e-7", "0.0000001"},
    {"123456789012345678", "123456789012345680"},
    {"Inf", "+Inf"},
    {"-Inf", ""},
    {"NaN", ""},
    {"Inf ^ x", ""},  // not "+Inf ^ x", which would mean +(Inf ^ x)
    {"Inf * x", "+Inf * x"},
    {"5m", ""},
    {"1h30m", ""},
    {"-5m", ""},
    {"\"str\"", ""},
    {"'single'", "\"single\""},
    {"`raw\\n`", "\"raw\\\\n\""},
    {"\"tab\\there\"", ""},
    {"\"\\x00\\x7f\"", "\"\\x00\\x7f\""},
    // Functions.
    {"rate(x[5m])", ""},
    {"label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")", ""},
    {"time()", ""},
    {"round(x, 0.5)", ""},
    {"histogram_quantile(0.9, sum by (le) (rate(b[5m])))", ""},
};

TEST(PrinterTest, CanonicalForms) {
  for (const Case& c : kCases) {
    const std::string want = c.out[0] == '\0' ? c.in : c.out;
    EXPECT_EQ(Canonical(c.in), want) << "input: " << c.in;
  }
}

TEST(PrinterTest, RoundTripIsStable) {
  for (const Case& c : kCases) {
    const std::string once = Canonical(c.in);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << once;
    EXPECT_EQ(Canonical(once), once) << "input: " << c.in;
  }
}

TEST(PrinterTest, CloneFormatsTheSame) {
  for (const Case& c : kCases) {
    auto e = ParseExpr(c.in);
    ASSERT_TRUE(e.ok()) << c.in << ": " << e.status();
    ExprPtr copy = Clone(**e);
    EXPECT_EQ(Format(*copy), Format(**e));
  }
}

// A small deterministic generator of PromQL-shaped text (often ill-typed):
// whatever parses must print to text that parses to the same print.
class RandomQuery {
 public:
  explicit RandomQuery(uint64_t seed) : state_(seed) {}

  std::string Gen(int depth) {
    const int choice = Next(depth > 3 ? 4 : 13);
    switch (choice) {
      case 0:
        return Selector();
      case 1:
        return Pick({"1", "2.5", "0x10", "Inf", "NaN", "5m", "1e-3", ".5",
                     "-7", "1h30m"});
      case 2:
        return Pick({"\"s\"", "'q'", "`raw`", "\"\\n\\u00e9\""});
      case 3:
        return Selector() + Pick({"[5m]", "[1h] offset 5m", "[30s] @ 100",
                                  "[5m+1m]", "[1m] anchored", "[2m:]"});
      case 4:
        return "(" + Gen(depth + 1) + ")";
      case 5:
      case 6:
        return Gen(depth + 1) + " " +
               Pick({"+", "-", "*", "/", "%", "^", "atan2", "==", "!=",
                     "> bool", "<=", "and", "or", "unless",
                     "+ on(a) group_left(b)", "* ignoring(c)",
                     "/ on() group_right", "+ fill(0)", ">/", "</"}) +
               " " + Gen(depth + 1);
      case 7:
        return Pick({"-", "+"}) + Gen(depth + 1);
      case 8:
        return Pick({"abs(", "ceil(", "sort(", "vector(", "scalar(", "exp("}) +
               Gen(depth + 1) + ")";
      case 9:
        return Pick({"rate(", "increase(", "max_over_time(", "changes("}) +
               Selector() + Pick({"[5m]", "[1m:10s]", "[10m] offset -1m"}) +
               ")";
      case 10:
        return Pick({"sum", "avg", "max", "group", "count"}) +
               Pick({"", " by (a)", " without (b, c)"}) + "(" +
               Gen(depth + 1) + ")" + Pick({"", " by (\"x.y\")"});
      case 11:
        return Pick({"topk(3, ", "quantile(0.5, ", "count_values(\"v\", ",
                     "limitk(2, "}) +
               Gen(depth + 1) + ")";
      default:
        return "(" + Gen(depth + 1) + ")" +
               Pick({"[5m:1m]", "[1h:]", "[5m:] offset 1m",
                     "[10m:step()] @ end()"});
    }
  }

 private:
  std::string Selector() {
    return Pick({"foo", "bar", "job:rate5m", "sum", "{__name__=~\"a.*\"}"}) +
           Pick({"", "{a=\"b\"}", "{a!~\"x|y\", b=\"\"}",
                 "{\"utf8.name\"=\"v\"}"}) +
           Pick({"", " offset 1m", " @ start()", " @ 1.5", " smoothed"});
  }
  std::string Pick(std::initializer_list<const char*> options) {
    return *(options.begin() + Next(static_cast<int>(options.size())));
  }
  int Next(int n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state_ >> 33) % static_cast<uint64_t>(n));
  }
  uint64_t state_;
};

TEST(PrinterTest, RoundTripOfRandomExpressions) {
  int parsed = 0;
  for (int i = 0; i < 30000; ++i) {
    RandomQuery gen(42 + 7919 * static_cast<uint64_t>(i));
    const std::string q = gen.Gen(0);
    auto e = ParseExpr(q);
    if (!e.ok()) continue;
    ++parsed;
    const std::string once = Format(**e);
    auto again = ParseExpr(once);
    ASSERT_TRUE(again.ok()) << q << "\n -> " << once << "\n -> "
                            << again.status();
    EXPECT_EQ(Format(**again), once) << q;
    EXPECT_EQ(Format(*Clone(**e)), once) << q;
    auto pretty = ParseExpr(Pretty(**e));
    ASSERT_TRUE(pretty.ok()) << Pretty(**e);
    EXPECT_EQ(Format(**pretty), once) << Pretty(**e);
  }
  // The generator produces a fair share of valid queries.
  EXPECT_GT(parsed, 6000);
  std::cout << parsed << " of 30000 random expressions parsed and round-tripped\n";
}

TEST(PrinterTest, PrettyKeepsShortQueriesOnOneLine) {
  auto e = ParseExpr("sum by (job) (rate(x[5m]))");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Pretty(**e), "sum by (job) (rate(x[5m]))");
}

TEST(PrinterTest, PrettySplitsLongQueries) {
  auto e = ParseExpr(
      "sum by (job) (rate(http_requests_total{job=\"apiserver\", "
      "handler=\"/api/v1/query_range\", code=~\"5..\"}[5m])) / on (job) "
      "group_left sum by (job) (rate(http_requests_total{job=\"apiserver\"}"
      "[5m]))");
  ASSERT_TRUE(e.ok()) << e.status();
  // The binary operator is split at level 0: operands one level deeper,
  // operator and matching on their own line; the left operand splits again
  // because it is longer than 100 characters, rate(...) fits.
  EXPECT_EQ(Pretty(**e),
            "  sum by (job) (\n"
            "    rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/"
            "query_range\",job=\"apiserver\"}[5m])\n"
            "  )\n"
            "/ on (job) group_left ()\n"
            "  sum by (job) (rate(http_requests_total{job=\"apiserver\"}[5m]))");
  // Pretty output parses back to the same expression.
  auto again = ParseExpr(Pretty(**e));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Format(**again), Format(**e));
}

TEST(PrinterTest, StepInvariantPrintsItsChild) {
  auto e = ParseExpr("a @ 10");
  ASSERT_TRUE(e.ok());
  StepInvariantExpr si;
  si.expr = std::move(*e);
  EXPECT_EQ(Format(si), "a @ 10.000");
}

}  // namespace
}  // namespace vigil::promql::parser
