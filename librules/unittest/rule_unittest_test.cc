#include "librules/unittest/rule_unittest.h"

#include <cstdio>
#include <map>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "librules/internal/test_util.h"

namespace vigil::rules {
namespace {

std::string Write(const std::string& dir, const std::string& name,
                  const std::string& body) {
  std::string p = dir + "/" + name;
  FILE* f = fopen(p.c_str(), "w");
  fputs(body.c_str(), f);
  fclose(f);
  return p;
}

TEST(RuleUnitTest, PassAndFail) {
  std::string dir = testing::MakeTempDir();
  Write(dir, "r.yml", R"(
groups:
- name: g
  rules:
  - record: job:x:sum
    expr: sum by (job) (x)
  - alert: XHigh
    expr: job:x:sum > 5
    for: 2m
    labels: {severity: warn}
    annotations: {summary: "{{ $labels.job }} at {{ $value }}"}
)");
  std::string t = Write(dir, "t.yml", R"(
rule_files: [r.yml]
evaluation_interval: 1m
tests:
- name: ok
  interval: 1m
  input_series:
  - {series: 'x{job="a",i="1"}', values: '1+1x10'}
  - {series: 'x{job="a",i="2"}', values: '1x10'}
  promql_expr_test:
  - expr: job:x:sum
    eval_time: 5m
    exp_samples: [{labels: 'job:x:sum{job="a"}', value: 7}]
  alert_rule_test:
  - eval_time: 3m
    alertname: XHigh
    exp_alerts: []
  - eval_time: 6m
    alertname: XHigh
    exp_alerts:
    - exp_labels: {job: a, severity: warn}
      exp_annotations: {summary: "a at 8"}
- name: bad
  input_series:
  - {series: 'x{job="a"}', values: '1'}
  promql_expr_test:
  - expr: job:x:sum
    eval_time: 0
    exp_samples: [{labels: 'job:x:sum{job="a"}', value: 2}]
)");
  absl::StatusOr<RuleTestReport> r = RunRuleTests(t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->groups_run, 2);
  EXPECT_EQ(r->groups_failed, 1) << absl::StrJoin(r->failures, "\n");
  EXPECT_EQ(r->checks_passed, 3);
  ASSERT_EQ(r->failures.size(), 1);
  EXPECT_NE(r->failures[0].find("name: bad"), std::string::npos) << r->failures[0];
  RuleTestOptions only_ok;
  only_ok.run = {"^ok$"};
  r = RunRuleTests(t, only_ok);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << absl::StrJoin(r->failures, "\n");
  EXPECT_EQ(r->groups_run, 1);
}

// cmd/promtool/testdata: the outcome `promtool test rules` has for each
// file (README §5.1), with Vigil's engine (@ and negative offsets on).
TEST(RuleUnitTest, PromtoolConformance) {
  std::string dir = testing::SharedDir("conformance");
  if (dir.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  dir += "/rules/promtool/";
  const std::map<std::string, bool> expect_pass = {
      {"unittest.yml", true},
      {"long-period.yml", true},
      {"no-test-group-interval.yml", true},
      {"start-time-test.yml", true},
      {"at-modifier-test.yml", true},
      {"negative-offset-test.yml", true},
      {"bad-input-series.yml", false},
      {"bad-promql.yml", false},
      {"bad-rules-syntax-test.yml", false},
      {"bad-rules-error-test.yml", false},
      {"failing.yml", false},
      {"rules_run.yml", false},
      {"rules_run_extrafields.yml", false},  // without --ignore-unknown-fields
      {"rules_run_fuzzy.yml", false},
      {"rules_run_no_fuzzy.yml", false},
  };
  int agree = 0, skipped = 0;
  for (const auto& [file, pass] : expect_pass) {
    absl::StatusOr<RuleTestReport> r = RunRuleTests(dir + file);
    bool passed = r.ok() && r->passed();
    if (r.ok()) skipped += r->checks_skipped;
    if (passed == pass) {
      ++agree;
    } else {
      ADD_FAILURE() << file << ": expected " << (pass ? "pass" : "fail") << ", got "
                    << (r.ok() ? absl::StrJoin(r->failures, "\n") : r.status().ToString());
    }
  }
  // The failing files fail for their own reason.
  const std::map<std::string, std::string> why = {
      {"bad-input-series.yml", "bad input series"},
      {"bad-promql.yml", "join_1 + on(a) join_2"},
      {"bad-rules-syntax-test.yml", "could not parse expression"},
      {"bad-rules-error-test.yml", "rule: joined, time: 0s, err:"},
      {"failing.yml", "alertname: AlwaysFiring, time: 5m"},
      {"rules_run_no_fuzzy.yml", "expr: \"test_"},
  };
  for (const auto& [file, text] : why) {
    absl::StatusOr<RuleTestReport> r = RunRuleTests(dir + file);
    ASSERT_TRUE(r.ok()) << file;
    std::string all = absl::StrJoin(r->failures, "\n");
    EXPECT_NE(all.find(text), std::string::npos) << file << ":\n" << all;
  }
  // Group selection and ignored unknown fields.
  RuleTestOptions run;
  run.run = {"correct"};
  auto r = RunRuleTests(dir + "rules_run.yml", run);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << absl::StrJoin(r->failures, "\n");
  r = RunRuleTests(dir + "rules_run_fuzzy.yml", run);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << absl::StrJoin(r->failures, "\n");
  RuleTestOptions ignore;
  ignore.ignore_unknown_fields = true;
  r = RunRuleTests(dir + "rules_run_extrafields.yml", ignore);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << absl::StrJoin(r->failures, "\n");
  std::cout << "promtool test rules outcomes: " << agree << " of "
            << expect_pass.size() << " as expected; " << skipped
            << " native-histogram checks skipped\n";
}

}  // namespace
}  // namespace vigil::rules
