// A QueueManager sends the samples of one `remote_write` endpoint:
// external labels and `write_relabel_configs` are applied per series
// (cached), samples are spread over shards by series hash (so each
// series' samples stay in order), and each shard batches up to
// `max_samples_per_send` samples or whatever arrived within
// `batch_send_deadline`, then POSTs a snappy prompb.WriteRequest with the
// remote-write 1.0 headers.
//
// Sending follows Prometheus's queue manager (storage/remote):
//   1. 2xx: sent. 5xx, transport errors and timeouts are recoverable: the
//      batch is retried with exponential backoff from `min_backoff`,
//      doubling up to `max_backoff`, honouring `Retry-After`, with a
//      `Retry-Attempt: <n>` header, until it is sent, its samples exceed
//      `sample_age_limit`, or a shutdown gives up.
//   2. 429 is retried like 5xx only with `retry_on_http_429`; otherwise,
//      and for every other 4xx, the batch is dropped (samples_failed).
//   3. Memory is bounded: a shard holds at most `capacity` samples; when
//      full, the oldest sample is dropped and counted (samples_dropped).
//   4. The number of shards starts at `min_shards` and follows the load
//      between `min_shards` and `max_shards`, re-evaluated every
//      `reshard_interval` (never while sends fail). New shards queue at
//      once but send only after the old ones flushed (bounded by
//      `remote_timeout`), so series stay in order and Append never waits.
//   5. Stop() sends what is queued until the flush deadline, then cancels
//      the request in flight and counts the rest as failed.
//
// Thread safety: Append() may be called from many threads at once;
// Start() and Stop() from the owner, once each.

#ifndef VIGIL_LIBREMOTE_QUEUE_MANAGER_H_
#define VIGIL_LIBREMOTE_QUEUE_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libremote/remote_config.h"
#include "libremote/write_request.h"
#include "model/labels.h"

namespace vigil::remote {

inline constexpr char kRemoteUserAgent[] = "Vigil/0.1 (Prometheus-compatible remote write)";

// Upper bounds (seconds) of the sent_batch_duration_seconds histogram
// (Prometheus's DefBuckets).
inline constexpr double kBatchDurationBuckets[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
inline constexpr size_t kNumBatchDurationBuckets =
    sizeof(kBatchDurationBuckets) / sizeof(kBatchDurationBuckets[0]);

// A snapshot of one queue's counters (exported by a server as
// prometheus_remote_storage_*{remote_name, url}).
struct QueueMetrics {
  std::string remote_name;
  std::string url;
  uint64_t samples_total = 0;          // samples sent successfully
  uint64_t samples_failed_total = 0;   // non-recoverable errors, shutdown
  uint64_t samples_dropped_total = 0;  // relabel drop, queue full, too old
  uint64_t samples_retried_total = 0;  // samples in retried requests
  uint64_t bytes_total = 0;            // compressed bytes sent
  uint64_t requests_total = 0;         // HTTP requests made (any result)
  int64_t highest_sent_timestamp_ms = 0;  // of successfully sent samples
  int64_t shards = 0;
  int64_t shards_min = 0;  // queue_config.min_shards / max_shards
  int64_t shards_max = 0;
  // The last resharding calculation's wish, before clamping to
  // [min, max] (0 until the first one, a reshard_interval after Start).
  double shards_desired = 0;
  // Highest sample timestamp handed to the queue (sent or not).
  int64_t highest_enqueued_timestamp_ms = 0;
  int64_t pending_samples = 0;
  // sent_batch_duration_seconds: per-bucket (not cumulative) counts for
  // kBatchDurationBuckets plus +Inf as the last element, sum and count.
  std::vector<uint64_t> batch_duration_buckets;
  double batch_duration_sum_seconds = 0;
  uint64_t batch_duration_count = 0;
  std::string last_error;  // of the last failed request, "" if none
};

struct QueueManagerOptions {
  model::Labels external_labels;
  std::string user_agent = kRemoteUserAgent;
  // How often the shard count is re-evaluated (0: never reshard).
  absl::Duration reshard_interval = absl::Seconds(10);
  // Upper bound of a response body read and discarded.
  size_t max_response_bytes = 1 << 20;
};

class QueueManager {
 public:
  // Builds the queue; nothing runs until Start(). InvalidArgument when the
  // config cannot be used (e.g. a TLS file that cannot be read).
  static absl::StatusOr<std::unique_ptr<QueueManager>> Create(
      RemoteWriteConfig config, QueueManagerOptions options);
  ~QueueManager();  // Stop(0) if still running
  QueueManager(const QueueManager&) = delete;
  QueueManager& operator=(const QueueManager&) = delete;

  void Start();

  // Queues one committed sample. Never blocks on the network: when the
  // shard is full the oldest queued sample is dropped. Samples appended
  // before Start() or after Stop() are dropped and counted.
  void Append(const model::Labels& labels, int64_t t_ms, double value);

  // Flushes queued samples for at most `flush_deadline`, then gives up on
  // the rest (counted failed) and joins every thread.
  void Stop(absl::Duration flush_deadline);

  QueueMetrics Metrics() const;
  const RemoteWriteConfig& config() const { return config_; }

 private:
  class Shard;
  struct Counters;
  QueueManager(RemoteWriteConfig config, QueueManagerOptions options);
  // Final labels of a series, nullopt when write relabeling drops it.
  std::optional<model::Labels> Transform(const model::Labels& labels);
  void StartShardsLocked(int n, std::shared_ptr<absl::Notification> gate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shards_mu_);
  void ReshardLoop();
  int DesiredShards();

  const RemoteWriteConfig config_;
  const QueueManagerOptions options_;
  const bool transform_;  // external labels or relabel rules present
  std::unique_ptr<Counters> counters_;

  // Relabel results per input series, striped to spread lock contention.
  struct CacheStripe;
  std::unique_ptr<CacheStripe[]> cache_;

  mutable absl::Mutex shards_mu_;
  std::vector<std::unique_ptr<Shard>> shards_ ABSL_GUARDED_BY(shards_mu_);
  bool running_ ABSL_GUARDED_BY(shards_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(shards_mu_) = false;

  // Counter values at the last reshard evaluation (reshard thread only).
  uint64_t last_in_ = 0, last_sent_ = 0, last_retried_ = 0;
  int64_t last_nanos_ = 0;

  absl::Mutex reshard_mu_;
  bool reshard_quit_ ABSL_GUARDED_BY(reshard_mu_) = false;
  std::thread reshard_thread_;
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_QUEUE_MANAGER_H_
