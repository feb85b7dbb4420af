// A Group is one `groups:` entry of a rule file: rules evaluated in order
// at the same timestamp every `interval`, so a recording rule's output is
// visible to the rules after it (Prometheus's rules/group.go).
//
// Each evaluation, per rule: query, append the result through the
// Appendable, write stale markers (StaleNaN) for series the rule produced
// last time but not now, and hand alerts that are due to the NotifyFunc.
// Evaluation timestamps are aligned like Prometheus: multiples of the
// interval shifted by a per-group offset derived from a hash of the file
// and group name, so groups spread over the interval but each stays on its
// grid across restarts.
//
// Run() (on Start()) evaluates on that grid on its own thread; evaluations
// it had to skip because one took too long are counted as missed. With
// `restore_for_state`, the for-state of alerting rules is restored from
// ALERTS_FOR_STATE after the second evaluation, as Prometheus does.
//
// Thread safety: Eval() and the state-changing methods are for one thread
// (the group's own once Start()ed); the accessors may be called from any
// thread.

#ifndef VIGIL_LIBRULES_GROUP_H_
#define VIGIL_LIBRULES_GROUP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "librules/alerting_rule.h"
#include "librules/query_func.h"
#include "librules/rule.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"

namespace vigil::rules {

// Receives the alerts of one alerting rule that are due for sending.
using NotifyFunc = std::function<void(absl::string_view expr,
                                      const std::vector<Alert>& alerts)>;

struct GroupOptions {
  QueryFunc query;                             // required
  storage::Appendable* appendable = nullptr;   // results are dropped if null
  storage::Queryable* queryable = nullptr;     // for restoring for-state
  NotifyFunc notify;                           // may be empty
  int64_t resend_delay_ms = 60 * 1000;         // --rules.alert.resend-delay
  int64_t outage_tolerance_ms = 3600 * 1000;   // --rules.alert.for-outage-tolerance
  int64_t for_grace_period_ms = 600 * 1000;    // --rules.alert.for-grace-period
  bool restore_for_state = false;
  // Wall clock in ms (tests may replace it).
  std::function<int64_t()> now_ms;
  // Optional, thread-safe: the duration of each rule's evaluation and of
  // each whole group evaluation (prometheus_rule_evaluation_duration_seconds
  // and prometheus_rule_group_duration_seconds).
  std::function<void(absl::Duration)> observe_rule_eval;
  std::function<void(absl::Duration)> observe_group_eval;
};

// Why appends of a rule's samples failed, for the metrics Prometheus keeps.
struct AppendCounts {
  int64_t out_of_order = 0;
  int64_t out_of_bounds = 0;  // also "too far in the future"
  int64_t duplicate = 0;
  int64_t other = 0;
};

class Group {
 public:
  Group(std::string name, std::string file, int64_t interval_ms, int limit,
        int64_t query_offset_ms, std::vector<std::unique_ptr<Rule>> rules,
        GroupOptions options);
  ~Group();  // Stop(false)
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int64_t interval_ms() const { return interval_ms_; }
  int limit() const { return limit_; }
  int64_t query_offset_ms() const { return query_offset_ms_; }
  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  // "file;name", the identity across reloads.
  std::string key() const { return file_ + ";" + name_; }
  // Equal for two groups built from the same definition with the same
  // effective interval, offset, limit and template globals (set by
  // BuildGroups); a reload keeps such a group running untouched.
  const std::string& fingerprint() const { return fingerprint_; }
  void set_fingerprint(std::string f) { fingerprint_ = std::move(f); }

  // The aligned evaluation timestamp at or before `now_ms`.
  int64_t EvalTimestamp(int64_t now_ms) const;

  // Evaluates every rule once at `ts_ms` (see the file comment).
  void Eval(int64_t ts_ms);

  // Restores alerting rules' active-since times from ALERTS_FOR_STATE
  // samples in [ts - outage_tolerance, ts].
  void RestoreForState(int64_t ts_ms);

  // Takes over evaluation state from the same group of the previous rule
  // set: series for stale markers and alert state of rules with the same
  // name and labels; series of rules that are gone are marked stale at the
  // next evaluation. The counters (iterations, failures, ...) continue from
  // the old group's, as Prometheus's do for the same group key.
  void CopyState(Group& old);

  // Runs evaluations on the group's grid on a new thread until Stop().
  void Start();
  // Stops the thread (waiting for a running evaluation). With
  // `mark_stale`, writes stale markers for every series the rules produced
  // in their last evaluation (used when a reload removes the group).
  void Stop(bool mark_stale);

  // Status for the rules API and metrics.
  int64_t last_eval_ms() const;
  absl::Duration eval_duration() const;
  int64_t iterations_total() const { return iterations_.load(); }
  int64_t iterations_missed() const { return missed_.load(); }
  // Evaluations that took longer than the interval.
  int64_t iterations_slow() const { return slow_.load(); }
  int64_t eval_failures() const { return failures_.load(); }
  // Rule evaluations (one per rule per iteration).
  int64_t evaluations_total() const { return evaluations_.load(); }
  // Samples the rules returned in the last evaluation.
  int64_t last_eval_samples() const { return last_samples_.load(); }
  AppendCounts append_errors() const;

 private:
  void Run();
  void AppendStale(const std::vector<model::Labels>& series, int64_t t_ms);
  int64_t Now() const;

  const std::string name_;
  const std::string file_;
  const int64_t interval_ms_;
  const int limit_;
  const int64_t query_offset_ms_;
  std::vector<std::unique_ptr<Rule>> rules_;
  GroupOptions opts_;
  std::string fingerprint_;

  // Owned by the evaluating thread.
  std::vector<absl::flat_hash_set<model::Labels>> prev_series_;
  std::vector<model::Labels> stale_series_;  // from rules removed on reload
  int evals_before_restore_ = 2;

  std::atomic<int64_t> iterations_{0};
  std::atomic<int64_t> missed_{0};
  std::atomic<int64_t> slow_{0};
  std::atomic<int64_t> failures_{0};
  std::atomic<int64_t> evaluations_{0};
  std::atomic<int64_t> last_samples_{0};

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t last_eval_ms_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration eval_duration_ ABSL_GUARDED_BY(mu_);
  AppendCounts append_errors_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_GROUP_H_
