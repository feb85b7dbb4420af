// Rule is what a group evaluates: a recording rule (recording_rule.h) or an
// alerting rule (alerting_rule.h). Besides evaluation it keeps what the
// rules API shows: health, last error, last evaluation time and duration.
//
// Thread safety: Eval() is called by one group thread at a time; the
// status accessors may be called from any thread concurrently.

#ifndef VIGIL_LIBRULES_RULE_H_
#define VIGIL_LIBRULES_RULE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libpromql/value.h"
#include "librules/query_func.h"
#include "model/labels.h"

namespace vigil::rules {

// "unknown" before the first evaluation, "ok", or "err".
enum class RuleHealth { kUnknown, kGood, kBad };
absl::string_view RuleHealthName(RuleHealth h);

class Rule {
 public:
  virtual ~Rule() = default;

  // Record name or alert name.
  const std::string& name() const { return name_; }
  const std::string& expr() const { return expr_; }
  // Labels from the rule file (for alerting rules: unexpanded templates).
  const model::Labels& labels() const { return labels_; }
  virtual bool is_alerting() const = 0;

  // Evaluates the rule at `ts_ms` through `query` (at ts_ms -
  // query_offset_ms) and returns the samples to store. `limit` > 0 bounds
  // the series (recording) or alerts (alerting); above it the evaluation
  // fails with InvalidArgument "exceeded limit of N with M series|alerts".
  virtual absl::StatusOr<promql::Vector> Eval(int64_t ts_ms,
                                              int64_t query_offset_ms,
                                              const QueryFunc& query,
                                              int limit) = 0;

  // Status for the rules API.
  RuleHealth health() const;
  std::string last_error() const;
  int64_t last_eval_ms() const;  // 0 before the first evaluation
  absl::Duration eval_duration() const;

  // Set by the group after each evaluation and append.
  void SetEvalStatus(const absl::Status& status, int64_t ts_ms,
                     absl::Duration took);

 protected:
  Rule(std::string name, std::string expr, model::Labels labels)
      : name_(std::move(name)), expr_(std::move(expr)), labels_(std::move(labels)) {}

 private:
  const std::string name_;
  const std::string expr_;
  const model::Labels labels_;

  mutable absl::Mutex status_mu_;
  RuleHealth health_ ABSL_GUARDED_BY(status_mu_) = RuleHealth::kUnknown;
  std::string last_error_ ABSL_GUARDED_BY(status_mu_);
  int64_t last_eval_ms_ ABSL_GUARDED_BY(status_mu_) = 0;
  absl::Duration eval_duration_ ABSL_GUARDED_BY(status_mu_);
};

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_RULE_H_
