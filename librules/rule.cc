#include "librules/rule.h"

namespace vigil::rules {

absl::string_view RuleHealthName(RuleHealth h) {
  switch (h) {
    case RuleHealth::kGood: return "ok";
    case RuleHealth::kBad: return "err";
    case RuleHealth::kUnknown: break;
  }
  return "unknown";
}

RuleHealth Rule::health() const {
  absl::MutexLock l(&status_mu_);
  return health_;
}

std::string Rule::last_error() const {
  absl::MutexLock l(&status_mu_);
  return last_error_;
}

int64_t Rule::last_eval_ms() const {
  absl::MutexLock l(&status_mu_);
  return last_eval_ms_;
}

absl::Duration Rule::eval_duration() const {
  absl::MutexLock l(&status_mu_);
  return eval_duration_;
}

void Rule::SetEvalStatus(const absl::Status& status, int64_t ts_ms,
                         absl::Duration took) {
  absl::MutexLock l(&status_mu_);
  health_ = status.ok() ? RuleHealth::kGood : RuleHealth::kBad;
  last_error_ = status.ok() ? "" : std::string(status.message());
  last_eval_ms_ = ts_ms;
  eval_duration_ = took;
}

}  // namespace vigil::rules
