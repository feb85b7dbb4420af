// The rule Manager loads rule files into Groups, runs them (each on its own
// thread) and swaps them on reload, keeping the state of groups and rules
// that did not change (Prometheus's rules.Manager).
//
//   rules::ManagerOptions o;
//   o.query = rules::EngineQueryFunc(&engine, &db);
//   o.appendable = &db;  o.queryable = &db;
//   o.notify = rules::SendAlertsTo(
//       [&](std::vector<notifier::Alert> a) { notifier.Send(std::move(a)); },
//       "http://prometheus:9090");
//   rules::Manager m(std::move(o));
//   VIGIL_RETURN_IF_ERROR(m.Update({"/etc/prometheus/*.rules"}));
//   m.Start();
//
// Thread safety: all methods may be called from any thread; Update and
// Stop serialise with each other.

#ifndef VIGIL_LIBRULES_MANAGER_H_
#define VIGIL_LIBRULES_MANAGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "librules/group.h"
#include "librules/notifier/alert.h"
#include "librules/rule_file.h"

namespace vigil::rules {

struct ManagerOptions {
  QueryFunc query;
  storage::Appendable* appendable = nullptr;
  storage::Queryable* queryable = nullptr;
  NotifyFunc notify;
  int64_t default_interval_ms = 60 * 1000;  // global evaluation_interval
  int64_t default_query_offset_ms = 0;      // global rule_query_offset
  model::Labels external_labels;            // for $externalLabels
  std::string external_url;                 // for templates
  int64_t resend_delay_ms = 60 * 1000;
  int64_t outage_tolerance_ms = 3600 * 1000;
  int64_t for_grace_period_ms = 600 * 1000;
  // How rule files are parsed and validated. A Manager whose
  // `file_options.check_expr` is unset checks every expression with the
  // PromQL parser (CheckPromQLExpr), as Prometheus parses each rule's
  // expression when it loads files; set it to a function returning OK to
  // skip the check.
  RuleFileOptions file_options;
  std::function<int64_t()> now_ms;  // wall clock unless set
  // Passed to every group (see GroupOptions).
  std::function<void(absl::Duration)> observe_rule_eval;
  std::function<void(absl::Duration)> observe_group_eval;
};

// Builds the groups of parsed rule files (no threads started). Group
// labels are added to each rule's labels (the rule's win). When
// `options.file_options.check_expr` is set, every rule's expression is
// checked with it first. Errors: InvalidArgument naming file, group and
// rule for each bad expression or template; nothing is built then.
absl::StatusOr<std::vector<std::unique_ptr<Group>>> BuildGroups(
    const std::vector<RuleFile>& files, const ManagerOptions& options,
    bool restore_for_state);

class Manager {
 public:
  explicit Manager(ManagerOptions options);
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // The settings of prometheus.yml's `global` section rules use; a reload
  // passes the new values to Update().
  struct Globals {
    int64_t default_interval_ms = 60 * 1000;  // evaluation_interval
    int64_t default_query_offset_ms = 0;      // rule_query_offset
    model::Labels external_labels;            // for $externalLabels
  };

  // Loads `patterns` (globs) and replaces the running groups, as
  // Prometheus's Manager.Update:
  //   1. a group whose definition and effective settings are unchanged
  //      keeps running untouched (same thread, same schedule, all state);
  //   2. a changed group with the same file and name (a new rule, a new
  //      interval — also a new global evaluation_interval for a group
  //      without its own) restarts with the old group's state carried
  //      over (alert for-state, series for stale markers);
  //   3. removed groups stop and mark their series stale.
  // Every file is read and validated (YAML, fields, each expression and
  // template) before anything changes: on any error the current groups
  // and globals stay and InvalidArgument (or the read error) lists all
  // files' problems, each naming file, group and rule — Prometheus keeps
  // its previous rule set the same way.
  absl::Status Update(const std::vector<std::string>& patterns);
  // The same with new globals, which apply only if the update succeeds.
  absl::Status Update(const std::vector<std::string>& patterns,
                      const Globals& globals);
  // The same from files parsed by the caller; their expressions are
  // checked here (file_options.check_expr) before anything changes.
  absl::Status UpdateFromFiles(const std::vector<RuleFile>& files);
  absl::Status UpdateFromFiles(const std::vector<RuleFile>& files,
                               const Globals& globals);

  // The globals of the last successful update (or the options).
  Globals globals() const;

  // Starts evaluation; groups added by later Updates start at once.
  void Start();
  // Stops all groups (they keep their state; no stale markers).
  void Stop();

  // The current groups, sorted by file then name. Shared so a caller may
  // read them while a reload replaces them.
  std::vector<std::shared_ptr<Group>> Groups() const;
  // Every alerting rule's active alerts (for /api/v1/alerts).
  std::vector<Alert> ActiveAlerts() const;

 private:
  mutable absl::Mutex mu_;
  ManagerOptions opts_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool restored_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Group>> groups_ ABSL_GUARDED_BY(mu_);

  // Builds and swaps in the groups of `files`; their expressions are
  // checked unless `exprs_checked` (LoadRuleFiles did it).
  absl::Status Install(const std::vector<RuleFile>& files,
                       const Globals& globals, bool exprs_checked);
};

// A NotifyFunc that converts due alerts to notifier::Alerts as Prometheus
// does (startsAt = fired at; endsAt = resolved at, or valid-until while
// firing; generatorURL = external_url + /graph?g0.expr=...&g0.tab=1) and
// passes them to `send`.
NotifyFunc SendAlertsTo(std::function<void(std::vector<notifier::Alert>)> send,
                        std::string external_url);

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_MANAGER_H_
