// Rule unit tests in the format of `promtool test rules`
// (Prometheus docs: configuration/unit_testing_rules.md):
//
//   rule_files: [rules.yml]          # relative to the test file; globs
//   evaluation_interval: 1m          # default 1m
//   fuzzy_compare: false             # true: ignore last-bit differences
//   group_eval_order: [g1, g2]
//   tests:
//   - name: ...
//     interval: 1m                   # input spacing; default evaluation_interval
//     start_timestamp: 0             # unix seconds or RFC 3339
//     external_labels: {...}
//     external_url: ...
//     input_series: [{series: 'up{job="x"}', values: '0+0x10'}]
//     alert_rule_test: [{eval_time, alertname, exp_alerts: [{exp_labels, exp_annotations}]}]
//     promql_expr_test: [{expr, eval_time, exp_samples: [{labels, value}]}]
//
// Each test group gets fresh in-memory storage holding its input series;
// every rule group is evaluated every evaluation_interval from the start up
// to the largest eval_time, and the expectations are checked at their
// times. Native-histogram inputs and expectations are not supported by
// Vigil's engine yet: they are counted as skipped, not failed.
//
// Thread safety: RunRuleTests is reentrant.

#ifndef VIGIL_LIBRULES_UNITTEST_RULE_UNITTEST_H_
#define VIGIL_LIBRULES_UNITTEST_RULE_UNITTEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::rules {

struct RuleTestOptions {
  // Only test groups whose name matches one of these regexes (promtool
  // --run); empty = all.
  std::vector<std::string> run;
  // promtool --ignore-unknown-fields (for the rule files).
  bool ignore_unknown_fields = false;
};

struct RuleTestReport {
  int groups_run = 0;
  int groups_failed = 0;
  int checks_passed = 0;
  int checks_failed = 0;
  int checks_skipped = 0;  // native histograms
  // One entry per failure, promtool-like text.
  std::vector<std::string> failures;
  bool passed() const { return groups_failed == 0 && failures.empty(); }
};

// Runs the test file at `path`. Returns InvalidArgument when the test file
// itself cannot be read or parsed (promtool's exit code 1 as well); rule
// file errors and failed expectations are reported in the RuleTestReport.
absl::StatusOr<RuleTestReport> RunRuleTests(absl::string_view path,
                                            const RuleTestOptions& options = {});

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_UNITTEST_RULE_UNITTEST_H_
