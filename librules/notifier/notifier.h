// Notifier sends alerts to Alertmanagers through their API v2, as
// Prometheus's notifier package does:
//
//   1. Send() adds external labels (where absent), applies the global
//      alert_relabel_configs (an alert may be dropped), and queues the
//      alerts. The queue holds at most queue_capacity alerts; when full the
//      oldest are dropped and counted.
//   2. One sender thread takes batches of at most max_batch_size alerts and
//      POSTs each batch, as a JSON array, to every Alertmanager of every
//      set concurrently (after the set's own alert_relabel_configs), with
//      the set's timeout. Any 2xx is success; otherwise the batch counts
//      as errors for that Alertmanager. There is no retry: the rule
//      manager re-sends firing alerts every resend delay anyway.
//   3. Alertmanagers come from each set's static_configs and from target
//      groups the caller discovers (SetTargetGroups), relabeled by the
//      set's relabel_configs with __address__, __scheme__ and
//      __alerts_path__.
//
// Send() never blocks on the network, so an unreachable Alertmanager never
// delays rule evaluation.
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_
#define VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "librules/notifier/alert.h"
#include "librules/notifier/alertmanager_config.h"

namespace vigil::notifier {

struct NotifierOptions {
  size_t queue_capacity = 10000;  // --alertmanager.notification-queue-capacity
  size_t max_batch_size = 64;     // Prometheus 2.x batch size
  model::Labels external_labels;
  std::vector<sd::RelabelConfig> alert_relabel_configs;
  std::string user_agent = "Vigil/0.1";
};

// Per-Alertmanager counters (prometheus_notifications_{sent,errors}_total).
struct AlertmanagerStats {
  std::string url;
  int64_t sent = 0;    // alerts in batches that got a 2xx
  int64_t errors = 0;  // alerts in batches that failed
  int64_t requests = 0;
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

  // Replaces the Alertmanager sets; their static targets take effect at
  // once. InvalidArgument when a static target address is invalid.
  absl::Status ApplyConfig(std::vector<AlertmanagerConfig> sets);
  // Replaces the discovered target groups of set `index` (its order in
  // ApplyConfig), for SD-provided Alertmanagers.
  absl::Status SetTargetGroups(size_t index,
                               const std::vector<sd::TargetGroup>& groups);

  // Queues alerts (see the file comment). Never blocks on I/O.
  void Send(std::vector<Alert> alerts);

  // Starts the sender thread. Stop() sends what is queued (bounded by the
  // Alertmanagers' timeouts) and ends it.
  void Start();
  void Stop();

  // Blocks until the queue is empty and no batch is in flight, or
  // `timeout` passes; returns whether it drained.
  bool WaitIdle(absl::Duration timeout);

  std::vector<std::string> AlertmanagerUrls() const;
  std::vector<AlertmanagerStats> Stats() const;
  int64_t dropped_total() const { return dropped_.load(); }
  size_t queue_length() const;
  size_t queue_capacity() const { return opts_.queue_capacity; }

 private:
  struct Target;
  struct Set;
  void Loop();
  void SendBatch(const std::vector<Alert>& batch);
  absl::Status RebuildTargets(Set* set) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NotifierOptions opts_;
  std::atomic<int64_t> dropped_{0};

  mutable absl::Mutex mu_;
  std::deque<Alert> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Set>> sets_ ABSL_GUARDED_BY(mu_);
  // Stats by URL survive reconfiguration.
  std::map<std::string, std::shared_ptr<AlertmanagerStats>> stats_
      ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vigil::notifier

#endif  // VIGIL_LIBRULES_NOTIFIER_NOTIFIER_H_
