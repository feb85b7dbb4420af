// An AlertingRule turns the samples of its expression into alerts and
// tracks their state across evaluations, as Prometheus's rules/alerting.go:
//
//   1. A sample of the result is an alert: its labels are the sample's
//      (minus __name__) plus the rule's expanded labels plus alertname.
//   2. A new alert is pending; it fires once it has been active for `for`
//      (at once when `for` is 0).
//   3. When its sample disappears a pending alert is dropped; a firing one
//      keeps firing for `keep_firing_for`, then becomes inactive (resolved)
//      and is kept for 15 minutes so the resolution reaches Alertmanager.
//   4. Each evaluation returns ALERTS{...,alertstate="pending"|"firing"} = 1
//      and ALERTS_FOR_STATE{...} = active-since (Unix seconds) for every
//      pending or firing alert.
//
// Label and annotation templates are parsed once at creation and expanded
// with $labels, $value and $externalLabels on every evaluation; an
// expansion error puts `<error expanding template: ...>` in the value, as
// Prometheus does.
//
// Thread safety: Eval, RestoreForState, AlertsToSend and CopyStateFrom are
// called by the owning group's thread; the read accessors may be called
// from any thread.

#ifndef VIGIL_LIBRULES_ALERTING_RULE_H_
#define VIGIL_LIBRULES_ALERTING_RULE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "librules/rule.h"
#include "librules/template/template.h"
#include "libtsdb/storage/querier.h"

namespace vigil::rules {

enum class AlertState { kInactive, kPending, kFiring };
// "inactive", "pending", "firing".
absl::string_view AlertStateName(AlertState s);

// How long a resolved alert is kept (and re-sent).
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

// "Not set" for the optional times of an Alert.
inline constexpr int64_t kNoTime = INT64_MIN;

struct Alert {
  AlertState state = AlertState::kInactive;
  model::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  double value = 0;
  // Times in ms since the epoch; kNoTime = not set.
  int64_t active_at_ms = kNoTime;
  int64_t fired_at_ms = kNoTime;
  int64_t resolved_at_ms = kNoTime;
  int64_t last_sent_at_ms = kNoTime;
  int64_t valid_until_ms = kNoTime;
  int64_t keep_firing_since_ms = kNoTime;
};

struct AlertingRuleOptions {
  std::string name;
  std::string expr;
  int64_t hold_ms = 0;             // `for`
  int64_t keep_firing_for_ms = 0;  // `keep_firing_for`
  model::Labels labels;            // templates
  std::vector<std::pair<std::string, std::string>> annotations;  // templates
  model::Labels external_labels;
  std::string external_url;
};

class AlertingRule final : public Rule {
 public:
  // Parses the label and annotation templates; InvalidArgument with the
  // template error otherwise.
  static absl::StatusOr<std::unique_ptr<AlertingRule>> Create(
      AlertingRuleOptions options);

  bool is_alerting() const override { return true; }
  int64_t hold_ms() const { return opts_.hold_ms; }
  int64_t keep_firing_for_ms() const { return opts_.keep_firing_for_ms; }
  const std::vector<std::pair<std::string, std::string>>& annotations() const {
    return opts_.annotations;
  }

  // Errors: the query's; InvalidArgument "vector contains metrics with the
  // same labelset after applying alert labels"; InvalidArgument "exceeded
  // limit of N with M alerts" (all alerts are then dropped).
  absl::StatusOr<promql::Vector> Eval(int64_t ts_ms, int64_t query_offset_ms,
                                      const QueryFunc& query,
                                      int limit) override;

  // Alerts (firing, or resolved since they were last sent) that are due
  // for sending at `ts_ms`: not sent yet, resolved since the last send, or
  // last sent more than `resend_delay_ms` ago. Marks them sent and sets
  // valid_until = ts + 4 * max(interval, resend_delay).
  std::vector<Alert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                  int64_t interval_ms);

  // Snapshot of the alerts that are pending, firing or recently resolved,
  // sorted by labels.
  std::vector<Alert> ActiveAlerts() const;
  // The highest state among the alerts.
  AlertState state() const;

  // Restores `active_at` of current alerts from ALERTS_FOR_STATE series in
  // `querier` (Prometheus's RestoreForState; see Group). Sets restored().
  absl::Status RestoreForState(storage::Querier* querier, int64_t ts_ms,
                               int64_t grace_period_ms);
  // Until restored, Eval returns no ALERTS/ALERTS_FOR_STATE samples (so an
  // early evaluation does not overwrite the stored for-state).
  bool restored() const { return restored_.load(); }
  void set_restored(bool r) { restored_.store(r); }

  // Takes over the alert state of `old` (same rule in the previous rule
  // set, on reload).
  void CopyStateFrom(const AlertingRule& old);

 private:
  AlertingRule(AlertingRuleOptions opts);

  std::string Expand(const tmpl::AlertTemplate& t, const model::Labels& l,
                     double v, const tmpl::ExecOptions& exec) const;

  const AlertingRuleOptions opts_;
  std::vector<std::pair<std::string, tmpl::AlertTemplate>> label_tmpls_;
  std::vector<std::pair<std::string, tmpl::AlertTemplate>> annotation_tmpls_;
  std::atomic<bool> restored_{true};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<model::Labels, Alert> active_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_ALERTING_RULE_H_
