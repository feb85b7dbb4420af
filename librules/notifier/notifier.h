// Notifier sends alerts to Alertmanagers through their API v2, as
// Prometheus 3.x's notifier package does:
//
//   1. Send() adds external labels (where absent) and applies the global
//      alert_relabel_configs (an alert may be dropped); then, per
//      Alertmanager set, the set's own alert_relabel_configs; the result is
//      queued for every Alertmanager of the set.
//   2. Each Alertmanager has its own queue (at most queue_capacity alerts;
//      when full the oldest are dropped and counted) and its own sender
//      thread, which POSTs batches of at most max_batch_size (256) alerts
//      as a JSON array with the set's timeout. Any 2xx is success;
//      otherwise the batch counts as errors and as dropped for that
//      Alertmanager. There is no retry: the rule manager re-sends firing
//      alerts every resend delay anyway. A slow or dead Alertmanager
//      therefore never delays another one.
//   3. Alertmanagers come from each set's static_configs and from target
//      groups the caller discovers (SetTargetGroups / SyncGroups, keyed
//      by AlertmanagerSetName(index)), relabeled by the set's
//      relabel_configs starting from the target's labels, `__scheme__`
//      and `__alerts_path__` from the set, then the group's labels. Targets
//      the relabeling drops are listed by DroppedAlertmanagerUrls().
//   4. ApplyConfig() on reload keeps the discovered groups of a set whose
//      service-discovery sections did not change, and the queue of every
//      Alertmanager that is still there (same set, same URL).
//
// Send() never blocks on the network, so an unreachable Alertmanager never
// delays rule evaluation. Stop() drains each queue until it is empty or a
// batch fails (bounded by the set's timeout per batch).
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_
#define VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "librules/notifier/alert.h"
#include "librules/notifier/alertmanager_config.h"
#include "model/labels.h"

namespace vigil::notifier {

struct NotifierOptions {
  // Per Alertmanager (--alertmanager.notification-queue-capacity).
  size_t queue_capacity = 10000;
  size_t max_batch_size = 256;  // Prometheus 3.x DefaultMaxBatchSize
  // Initial values; ApplyConfig(NotifierConfig) replaces them on reload.
  model::Labels external_labels;
  std::vector<sd::RelabelConfig> alert_relabel_configs;
  std::string user_agent = "Vigil/0.1";
  // Stop() sends what is queued before returning
  // (--alertmanager.drain-notification-queue-on-shutdown); false: queued
  // alerts are dropped and counted, the batch in flight still completes.
  bool drain_on_stop = true;
};

// Everything of prometheus.yml the notifier uses; applied as a whole.
struct NotifierConfig {
  model::Labels external_labels;  // global.external_labels
  std::vector<sd::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
};

// Per-Alertmanager counters (prometheus_notifications_{sent,errors,
// dropped}_total and queue_length by `alertmanager` label).
struct AlertmanagerStats {
  std::string url;
  int64_t sent = 0;     // alerts in batches that got a 2xx
  int64_t errors = 0;   // alerts in batches that failed
  int64_t dropped = 0;  // failed batches, full queue, not drained at stop
  int64_t requests = 0;
  int64_t queue_length = 0;
  absl::Duration last_latency;
  std::string last_error;
};

// Encodes alerts as the body of POST /api/v2/alerts.
std::string EncodeAlertsJson(const std::vector<Alert>& alerts);
// RFC 3339 in UTC with milliseconds: "2026-01-01T00:00:00.000Z".
std::string FormatTimeRfc3339(int64_t ms);

class Notifier {
 public:
  explicit Notifier(NotifierOptions options);
  ~Notifier();  // Stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Replaces external labels, global alert relabeling and the
  // Alertmanager sets (see the file comment, 4.); static targets take
  // effect at once. InvalidArgument when a static target address is
  // invalid; then nothing changes.
  absl::Status ApplyConfig(NotifierConfig config);
  // Replaces only the Alertmanager sets.
  absl::Status ApplyConfig(std::vector<AlertmanagerConfig> sets);
  // Replaces the discovered target groups of set `index` (its order in
  // ApplyConfig), for SD-provided Alertmanagers. NotFound for an unknown
  // index; InvalidArgument naming an invalid `__address__` after
  // relabeling (that group is skipped, the others apply).
  absl::Status SetTargetGroups(size_t index,
                               const std::vector<sd::TargetGroup>& groups);
  // SetTargetGroups for every "config-<index>" job of a discovery
  // manager's sync; other keys and unknown indexes are ignored. Returns
  // the first error.
  absl::Status SyncGroups(
      const std::map<std::string, std::vector<sd::TargetGroup>>& by_set);

  // Queues alerts (see the file comment). Never blocks on I/O.
  void Send(std::vector<Alert> alerts);

  // Starts the sender thread. Stop() sends what is queued (bounded by the
  // Alertmanagers' timeouts) and ends it.
  void Start();
  void Stop();

  // Blocks until the queue is empty and no batch is in flight, or
  // `timeout` passes; returns whether it drained.
  bool WaitIdle(absl::Duration timeout);

  // Active Alertmanagers' URLs, by set then discovery order.
  std::vector<std::string> AlertmanagerUrls() const;
  // URLs (from the labels before relabeling) of targets the sets'
  // relabel_configs dropped.
  std::vector<std::string> DroppedAlertmanagerUrls() const;
  std::vector<AlertmanagerStats> Stats() const;
  model::Labels external_labels() const;
  // Alerts dropped by every Alertmanager, including removed ones.
  int64_t dropped_total() const { return dropped_.load(); }
  // Alerts queued, summed over the Alertmanagers.
  size_t queue_length() const;
  size_t queue_capacity() const { return opts_.queue_capacity; }

 private:
  class SendLoop;
  struct Set;
  // Rebuilds `set`'s Alertmanagers from its static and discovered groups,
  // reusing loops of `reuse` by URL (taken out of it).
  absl::Status RebuildTargets(
      Set* set, std::map<std::string, std::shared_ptr<SendLoop>>* reuse)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Retire(std::shared_ptr<SendLoop> loop) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NotifierOptions opts_;
  std::atomic<int64_t> dropped_{0};

  mutable absl::Mutex mu_;
  model::Labels external_labels_ ABSL_GUARDED_BY(mu_);
  std::vector<sd::RelabelConfig> alert_relabel_configs_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Set>> sets_ ABSL_GUARDED_BY(mu_);
  // Loops of removed Alertmanagers, stopping; joined by Stop().
  std::vector<std::shared_ptr<SendLoop>> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::notifier

#endif  // VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_
