#include "libremote/queue_manager.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "libsd/http_client.h"
#include "libsd/relabel.h"

namespace vigil::remote {
namespace {

constexpr size_t kCacheStripes = 16;
constexpr size_t kMaxCachePerStripe = 1 << 16;

void AtomicMax(std::atomic<int64_t>* a, int64_t v) {
  int64_t cur = a->load(std::memory_order_relaxed);
  while (v > cur && !a->compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

struct QueueManager::Counters {
  std::atomic<uint64_t> sent{0}, failed{0}, dropped{0}, retried{0}, bytes{0},
      requests{0}, enqueued{0};
  std::atomic<int64_t> highest_sent{0};
  std::atomic<int64_t> highest_enqueued{0};
  std::atomic<int64_t> send_nanos{0};  // in successful requests
  absl::Mutex mu;
  std::vector<uint64_t> buckets ABSL_GUARDED_BY(mu) =
      std::vector<uint64_t>(kNumBatchDurationBuckets + 1, 0);
  double sum ABSL_GUARDED_BY(mu) = 0;
  uint64_t count ABSL_GUARDED_BY(mu) = 0;
  std::string last_error ABSL_GUARDED_BY(mu);
  double desired_shards ABSL_GUARDED_BY(mu) = 0;

  void Observe(absl::Duration d) {
    double s = absl::ToDoubleSeconds(d);
    size_t i = 0;
    while (i < kNumBatchDurationBuckets && s > kBatchDurationBuckets[i]) ++i;
    absl::MutexLock l(&mu);
    ++buckets[i];
    sum += s;
    ++count;
  }
};

struct QueueManager::CacheStripe {
  absl::Mutex mu;
  absl::flat_hash_map<model::Labels, std::optional<model::Labels>> map
      ABSL_GUARDED_BY(mu);
};

// One sending worker: a bounded FIFO of samples and the thread that
// batches and POSTs them.
class QueueManager::Shard {
 public:
  // A shard with a `gate` queues samples but sends nothing until the gate
  // opens (resharding: until the old shards have flushed).
  Shard(QueueManager* qm, std::unique_ptr<sd::HttpClient> client,
        std::shared_ptr<absl::Notification> gate)
      : qm_(qm), client_(std::move(client)), gate_(std::move(gate)) {}

  ~Shard() { Join(); }

  void Start() { thread_ = std::thread([this] { Run(); }); }

  void Enqueue(PendingSample s) {
    const QueueConfig& q = qm_->config_.queue_config;
    absl::MutexLock l(&mu_);
    if (static_cast<int64_t>(queue_.size()) >= q.capacity) {
      queue_.pop_front();
      qm_->counters_->dropped.fetch_add(1, std::memory_order_relaxed);
    }
    bool was_empty = queue_.empty();
    if (was_empty) batch_start_ = absl::Now();
    queue_.push_back(std::move(s));
    // Wake the sender when its deadline clock starts and when a batch is
    // full.
    if (was_empty ||
        static_cast<int64_t>(queue_.size()) == q.max_samples_per_send) {
      cv_.Signal();
    }
  }

  // Sends everything queued, then ends.
  void BeginFlush() {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    cv_.SignalAll();
  }

  // Gives up: cancels the request in flight, drops the queue.
  void Abort() {
    {
      absl::MutexLock l(&mu_);
      aborted_ = true;
      cv_.SignalAll();
    }
    if (!cancel_.HasBeenNotified()) cancel_.Notify();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  bool WaitDone(absl::Time deadline) {
    return done_.WaitForNotificationWithDeadline(deadline);
  }

  int64_t pending() const {
    absl::MutexLock l(&mu_);
    return static_cast<int64_t>(queue_.size());
  }

 private:
  void Run() {
    const QueueConfig& q = qm_->config_.queue_config;
    const size_t max_batch = static_cast<size_t>(q.max_samples_per_send);
    std::vector<PendingSample> batch;
    batch.reserve(std::min<size_t>(max_batch, 1 << 16));
    if (gate_ != nullptr) gate_->WaitForNotification();
    while (true) {
      {
        absl::MutexLock l(&mu_);
        while (!aborted_ && !stopping_ && queue_.size() < max_batch) {
          if (queue_.empty()) {
            cv_.Wait(&mu_);
          } else {
            absl::Time due = batch_start_ + q.batch_send_deadline;
            if (absl::Now() >= due) break;
            cv_.WaitWithDeadline(&mu_, due);
          }
        }
        if (aborted_) {
          qm_->counters_->failed.fetch_add(queue_.size(), std::memory_order_relaxed);
          queue_.clear();
          break;
        }
        if (queue_.empty()) {
          if (stopping_) break;
          continue;
        }
        size_t n = std::min(max_batch, queue_.size());
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        batch_start_ = absl::Now();
      }
      Send(&batch);
      batch.clear();
    }
    done_.Notify();
  }

  bool Aborted() {
    absl::MutexLock l(&mu_);
    return aborted_;
  }

  void Send(std::vector<PendingSample>* batch) {
    const RemoteWriteConfig& cfg = qm_->config_;
    const QueueConfig& q = cfg.queue_config;
    Counters& c = *qm_->counters_;
    absl::Duration backoff = q.min_backoff;
    for (int attempt = 0;; ++attempt) {
      if (q.sample_age_limit > absl::ZeroDuration()) {
        int64_t oldest = NowMs() - absl::ToInt64Milliseconds(q.sample_age_limit);
        size_t before = batch->size();
        batch->erase(std::remove_if(batch->begin(), batch->end(),
                                    [oldest](const PendingSample& s) {
                                      return s.t_ms < oldest;
                                    }),
                     batch->end());
        c.dropped.fetch_add(before - batch->size(), std::memory_order_relaxed);
      }
      if (batch->empty()) return;
      const uint64_t n = batch->size();
      absl::string_view body = enc_.Encode(*batch);
      std::vector<std::string> headers = {
          "Content-Encoding: snappy",
          "Content-Type: application/x-protobuf",
          absl::StrCat("User-Agent: ", qm_->options_.user_agent),
          "X-Prometheus-Remote-Write-Version: 0.1.0"};
      if (attempt > 0) headers.push_back(absl::StrCat("Retry-Attempt: ", attempt));
      for (const auto& [k, v] : cfg.headers) headers.push_back(absl::StrCat(k, ": ", v));
      absl::Time t0 = absl::Now();
      absl::StatusOr<sd::HttpResponse> resp =
          client_->Post(cfg.url, headers, body, cfg.remote_timeout,
                        qm_->options_.max_response_bytes, &cancel_);
      absl::Duration took = absl::Now() - t0;
      c.requests.fetch_add(1, std::memory_order_relaxed);
      c.Observe(took);
      bool recoverable;
      std::string error;
      absl::Duration retry_after = absl::ZeroDuration();
      if (resp.ok() && resp->status / 100 == 2) {
        c.sent.fetch_add(n, std::memory_order_relaxed);
        c.bytes.fetch_add(body.size(), std::memory_order_relaxed);
        c.send_nanos.fetch_add(absl::ToInt64Nanoseconds(took), std::memory_order_relaxed);
        int64_t highest = 0;
        for (const PendingSample& s : *batch) highest = std::max(highest, s.t_ms);
        AtomicMax(&c.highest_sent, highest);
        return;
      }
      if (!resp.ok()) {
        recoverable = resp.status().code() != absl::StatusCode::kCancelled;
        error = std::string(resp.status().message());
      } else {
        long code = resp->status;
        recoverable = code >= 500 || (code == 429 && q.retry_on_http_429);
        std::string snippet = resp->body.substr(0, 256);
        error = absl::StrCat("server returned HTTP status ", code, ": ", snippet);
        int64_t secs;
        if ((code >= 500 || code == 429) && !resp->retry_after.empty() &&
            absl::SimpleAtoi(resp->retry_after, &secs) && secs > 0) {
          retry_after = absl::Seconds(std::min<int64_t>(secs, 3600));
        }
      }
      {
        absl::MutexLock l(&c.mu);
        c.last_error = error;
      }
      if (!recoverable || Aborted()) {
        c.failed.fetch_add(n, std::memory_order_relaxed);
        return;
      }
      c.retried.fetch_add(n, std::memory_order_relaxed);
      absl::Duration sleep = retry_after > absl::ZeroDuration() ? retry_after : backoff;
      if (cancel_.WaitForNotificationWithTimeout(sleep)) {
        c.failed.fetch_add(n, std::memory_order_relaxed);
        return;
      }
      backoff = std::min(backoff * 2, q.max_backoff);
    }
  }

  QueueManager* const qm_;
  std::unique_ptr<sd::HttpClient> client_;
  WriteRequestEncoder enc_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<PendingSample> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time batch_start_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<absl::Notification> gate_;
  absl::Notification cancel_;
  absl::Notification done_;
  std::thread thread_;
};

QueueManager::QueueManager(RemoteWriteConfig config, QueueManagerOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      transform_(!options_.external_labels.empty() ||
                 !config_.write_relabel_configs.empty()),
      counters_(std::make_unique<Counters>()),
      cache_(new CacheStripe[kCacheStripes]) {}

absl::StatusOr<std::unique_ptr<QueueManager>> QueueManager::Create(
    RemoteWriteConfig config, QueueManagerOptions options) {
  if (config.url.empty()) {
    return absl::InvalidArgumentError("remote_write: url is empty");
  }
  const QueueConfig& q = config.queue_config;
  if (q.capacity <= 0 || q.max_samples_per_send <= 0 || q.min_shards <= 0 ||
      q.max_shards < q.min_shards) {
    return absl::InvalidArgumentError(absl::StrCat(
        "remote_write ", config.url, ": queue_config values must be positive "
        "and min_shards <= max_shards"));
  }
  return std::unique_ptr<QueueManager>(
      new QueueManager(std::move(config), std::move(options)));
}

QueueManager::~QueueManager() { Stop(absl::ZeroDuration()); }

void QueueManager::StartShardsLocked(int n, std::shared_ptr<absl::Notification> gate) {
  shards_.clear();
  for (int i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>(
        this, std::make_unique<sd::HttpClient>(config_.http), gate));
  }
  for (auto& s : shards_) s->Start();
}

void QueueManager::Start() {
  {
    absl::MutexLock l(&shards_mu_);
    if (running_ || stopped_) return;
    running_ = true;
    StartShardsLocked(static_cast<int>(config_.queue_config.min_shards), nullptr);
  }
  if (options_.reshard_interval > absl::ZeroDuration() &&
      config_.queue_config.max_shards > config_.queue_config.min_shards) {
    reshard_thread_ = std::thread([this] { ReshardLoop(); });
  }
}

std::optional<model::Labels> QueueManager::Transform(const model::Labels& labels) {
  CacheStripe& stripe = cache_[labels.Hash() % kCacheStripes];
  {
    absl::MutexLock l(&stripe.mu);
    auto it = stripe.map.find(labels);
    if (it != stripe.map.end()) return it->second;
  }
  std::optional<model::Labels> out;
  if (options_.external_labels.empty()) {
    out = labels;
  } else {
    model::LabelsBuilder b(labels);
    for (model::LabelView l : options_.external_labels) {
      if (!labels.Has(l.name)) b.Set(l.name, l.value);
    }
    out = b.Build();
  }
  if (!config_.write_relabel_configs.empty()) {
    out = sd::Process(*out, config_.write_relabel_configs);
  }
  if (out && out->empty()) out.reset();
  absl::MutexLock l(&stripe.mu);
  if (stripe.map.size() >= kMaxCachePerStripe) stripe.map.clear();
  stripe.map.emplace(labels, out);
  return out;
}

void QueueManager::Append(const model::Labels& labels, int64_t t_ms, double value) {
  AtomicMax(&counters_->highest_enqueued, t_ms);
  std::optional<model::Labels> out;
  if (transform_) {
    out = Transform(labels);
    if (!out) {
      counters_->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  const model::Labels& final_labels = transform_ ? *out : labels;
  absl::ReaderMutexLock l(&shards_mu_);
  if (!running_ || shards_.empty()) {
    counters_->dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Shard& shard = *shards_[final_labels.Hash() % shards_.size()];
  counters_->enqueued.fetch_add(1, std::memory_order_relaxed);
  shard.Enqueue(PendingSample{final_labels, t_ms, value});
}

int QueueManager::DesiredShards() {
  Counters& c = *counters_;
  uint64_t in = c.enqueued.load(), sent = c.sent.load(), retried = c.retried.load();
  int64_t nanos = c.send_nanos.load();
  uint64_t d_in = in - last_in_, d_sent = sent - last_sent_;
  bool failing = retried != last_retried_;
  int64_t d_nanos = nanos - last_nanos_;
  last_in_ = in, last_sent_ = sent, last_retried_ = retried, last_nanos_ = nanos;
  int current;
  int64_t pending = 0;
  {
    absl::ReaderMutexLock l(&shards_mu_);
    current = static_cast<int>(shards_.size());
    for (const auto& s : shards_) pending += s->pending();
  }
  // Never reshard while the endpoint fails: flushing would stall.
  if (failing || d_sent == 0) return current;
  double interval_s = absl::ToDoubleSeconds(options_.reshard_interval);
  double in_rate = d_in / interval_s;
  double time_per_sample_s = (d_nanos / 1e9) / d_sent;
  // Keep up with the input and work off a tenth of the backlog per second.
  double desired = time_per_sample_s * (in_rate + 0.1 * pending);
  {
    absl::MutexLock l(&c.mu);
    c.desired_shards = desired;
  }
  int want = static_cast<int>(std::ceil(desired));
  const QueueConfig& q = config_.queue_config;
  want = std::max<int>(static_cast<int>(q.min_shards),
                       std::min<int>(static_cast<int>(q.max_shards), want));
  // Ignore changes within 30%.
  if (want > current * 1.3 || want < current * 0.7) return want;
  return current;
}

void QueueManager::ReshardLoop() {
  while (true) {
    {
      absl::MutexLock l(&reshard_mu_);
      if (reshard_mu_.AwaitWithTimeout(absl::Condition(&reshard_quit_),
                                       options_.reshard_interval)) {
        return;
      }
    }
    int want = DesiredShards();
    std::vector<std::unique_ptr<Shard>> old;
    auto gate = std::make_shared<absl::Notification>();
    {
      absl::MutexLock l(&shards_mu_);
      if (!running_ || want == static_cast<int>(shards_.size())) continue;
      old.swap(shards_);
      // The new shards queue at once but send only after the old ones
      // flushed, so every series' samples stay in order; Append never
      // waits for the network.
      StartShardsLocked(want, gate);
    }
    absl::Time deadline = absl::Now() + config_.remote_timeout;
    for (auto& s : old) s->BeginFlush();
    for (auto& s : old) {
      if (!s->WaitDone(deadline)) s->Abort();
      s->Join();
    }
    gate->Notify();
  }
}

void QueueManager::Stop(absl::Duration flush_deadline) {
  {
    absl::MutexLock l(&reshard_mu_);
    reshard_quit_ = true;
  }
  if (reshard_thread_.joinable()) reshard_thread_.join();
  std::vector<std::unique_ptr<Shard>> shards;
  {
    absl::MutexLock l(&shards_mu_);
    if (stopped_) return;
    stopped_ = true;
    running_ = false;
    shards.swap(shards_);
  }
  absl::Time deadline = absl::Now() + flush_deadline;
  for (auto& s : shards) s->BeginFlush();
  for (auto& s : shards) {
    if (!s->WaitDone(deadline)) s->Abort();
  }
  for (auto& s : shards) s->Join();
}

QueueMetrics QueueManager::Metrics() const {
  QueueMetrics m;
  m.remote_name = config_.DisplayName();
  m.url = config_.url;
  const Counters& c = *counters_;
  m.samples_total = c.sent.load();
  m.samples_failed_total = c.failed.load();
  m.samples_dropped_total = c.dropped.load();
  m.samples_retried_total = c.retried.load();
  m.bytes_total = c.bytes.load();
  m.requests_total = c.requests.load();
  m.highest_sent_timestamp_ms = c.highest_sent.load();
  {
    absl::MutexLock l(&counters_->mu);
    m.batch_duration_buckets = counters_->buckets;
    m.batch_duration_sum_seconds = counters_->sum;
    m.batch_duration_count = counters_->count;
    m.last_error = counters_->last_error;
    m.shards_desired = counters_->desired_shards;
  }
  m.highest_enqueued_timestamp_ms = c.highest_enqueued.load();
  m.shards_min = static_cast<int64_t>(config_.queue_config.min_shards);
  m.shards_max = static_cast<int64_t>(config_.queue_config.max_shards);
  absl::ReaderMutexLock l(&shards_mu_);
  m.shards = static_cast<int64_t>(shards_.size());
  for (const auto& s : shards_) m.pending_samples += s->pending();
  return m;
}

}  // namespace vigil::remote
