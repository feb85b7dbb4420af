// A RecordingRule evaluates an expression and stores the result under a
// new metric name: every sample gets __name__ = record and the rule's
// labels (which override the result's).
//
// Thread safety: as Rule.

#ifndef VIGIL_LIBRULES_RECORDING_RULE_H_
#define VIGIL_LIBRULES_RECORDING_RULE_H_

#include <string>

#include "librules/rule.h"

namespace vigil::rules {

class RecordingRule final : public Rule {
 public:
  RecordingRule(std::string record, std::string expr, model::Labels labels)
      : Rule(std::move(record), std::move(expr), std::move(labels)) {}

  bool is_alerting() const override { return false; }

  // Errors: the query's; InvalidArgument "vector contains metrics with the
  // same labelset after applying rule labels"; InvalidArgument "exceeded
  // limit of N with M series".
  absl::StatusOr<promql::Vector> Eval(int64_t ts_ms, int64_t query_offset_ms,
                                      const QueryFunc& query,
                                      int limit) override;
};

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_RECORDING_RULE_H_
