#include "libpromql/parser/printer.h"

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

TEST(PrinterTest, StepInvariantPrintsItsChild) {
  auto e = ParseExpr("a @ 10");
  ASSERT_TRUE(e.ok());
  StepInvariantExpr si;
  si.expr = std::move(*e);
  EXPECT_EQ(Format(si), "a @ 10.000");
}

}  // namespace
}  // namespace vigil::promql::parser
