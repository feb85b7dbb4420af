// Compares our parse errors with the real Prometheus parser, through the
// Debian `promtool check rules` (Prometheus 2.42): for expressions whose
// error text did not change between 2.42 and 3.x, the messages (with
// line:col) must be identical, and expressions promtool accepts must parse.
// Skips when /usr/bin/promtool is absent.

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "libpromql/parser/parser.h"

namespace vigil::promql::parser {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

// Runs promtool on a one-rule file; returns "" when the expression is
// accepted, else the parse error text after "could not parse expression: ".
std::string PromtoolError(const std::string& expr) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/parity.yml");
  {
    std::ofstream f(path);
    // YAML single-quoted scalar: '' escapes a quote.
    f << "groups:\n- name: g\n  rules:\n  - record: r\n    expr: '"
      << absl::StrReplaceAll(expr, {{"'", "''"}}) << "'\n";
  }
  std::string out;
  FILE* p = popen(absl::StrCat(kPromtool, " check rules ", path, " 2>&1").c_str(),
                  "r");
  if (p == nullptr) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  const std::string marker = "could not parse expression: ";
  size_t at = out.find(marker);
  if (at == std::string::npos) return "";
  std::string msg = out.substr(at + marker.size());
  size_t eol = msg.find('\n');
  if (eol != std::string::npos) msg.resize(eol);
  return msg;
}

TEST(PromtoolParityTest, SameErrorsAsPrometheus) {
  if (access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPromtool << " not installed";
  }
  const char* kCases[] = {
      // Accepted by both.
      "sum by (job) (rate(http_requests_total{job=~\"a|b\"}[5m] offset 1h))",
      "a * on(x) group_left(y) b",
      "-2 ^ 2",
      "sum",
      "offset",
      "foo @ start()",
      "x[1h:] @ 100",
      // Errors whose text is the same in 2.42 and 3.x.
      "1+", "(", ")", "foo]", "foo[5m", "foo{", "foo{a}", "foo{a=b}",
      "foo{a=\"b\" c=\"d\"}", "foo{,}", "foo{a{", "foo{a:b=\"c\"}",
      "foo =~ bar", "foo $ bar", "\"abc", "foo bar", "foo 1", "sum foo",
      "sum(foo bar)", "sum(rate(foo bar))", "sum by foo (bar)",
      "sum by (a b) (x)", "sum by (1) (x)", "sum without", "sum()",
      "sum(a, b)", "topk(a)", "foo @", "foo @ bar", "foo[1.5h]", "foo[0s]",
      "1a", "rate(x[5m],)", "rate(x[5m] y)", "nonexistent(foo)", "a + bool",
      "a > on(b) bool c", "a + ,", "sum(x) by (a) by (b)", "foo{a=\"b\"}}",
      "1 + +", "foo @ start", "rate(foo)", "abs(foo[5m])", "time(1)",
      "round()", "round(x, 1, 2)", "foo[5m] + 1", "1 + foo[5m]", "{}",
      "foo{__name__=\"bar\"}", "1 and 1", "1 == 1", "foo + bool bar",
      "foo + on(a) 1", "foo and on(a) group_left(b) bar",
      "foo * on(a) group_left(a) bar", "sum(\"a\")", "topk(\"a\", foo)",
      "count_values(1, foo)", "-\"a\"", "-foo[5m]", "foo[5m][5m:]",
      "(foo)[5m]", "foo offset 5m[5m]", "foo @ 1[5m]",
      "foo offset 1m offset 2m", "foo @ 1 @ 2", "sum(foo) offset 5m",
      "1 @ 5", "foo{a!b=\"c\"}", "foo ! bar", "\"\\q\"",
      "1 \"a very long string\"", "a + \"very long string literal\" x",
      "label_replace(x, 1, \"\", \"\", \"\")",
  };
  int compared = 0;
  for (const char* c : kCases) {
    const std::string theirs = PromtoolError(c);
    auto ours = ParseExpr(c);
    const std::string mine =
        ours.ok() ? "" : std::string(ours.status().message());
    EXPECT_EQ(mine, theirs) << "expression: " << c;
    ++compared;
  }
  std::cout << "compared " << compared << " expressions with promtool\n";
}

}  // namespace
}  // namespace vigil::promql::parser
