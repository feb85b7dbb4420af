#include "libremote/write_storage.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::remote {

class WriteStorage::WriteAppender final : public storage::Appender {
 public:
  WriteAppender(WriteStorage* ws, std::shared_ptr<const QueueList> queues)
      : ws_(ws), queues_(std::move(queues)) {}

  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef,
                                            const model::Labels& labels,
                                            int64_t t_ms, double value) override {
    if (t_ms > highest_) highest_ = t_ms;
    if (!queues_->empty()) pending_.push_back(PendingSample{labels, t_ms, value});
    return storage::SeriesRef{0};
  }

  absl::Status Commit() override {
    for (const Queue& q : *queues_) {
      for (const PendingSample& s : pending_) q.manager->Append(s.labels, s.t_ms, s.value);
    }
    pending_.clear();
    int64_t cur = ws_->highest_ms_.load(std::memory_order_relaxed);
    while (highest_ > cur &&
           !ws_->highest_ms_.compare_exchange_weak(cur, highest_)) {
    }
    return absl::OkStatus();
  }

  absl::Status Rollback() override {
    pending_.clear();
    return absl::OkStatus();
  }

 private:
  WriteStorage* const ws_;
  const std::shared_ptr<const QueueList> queues_;
  std::vector<PendingSample> pending_;
  int64_t highest_ = 0;
};

WriteStorage::WriteStorage(Options options)
    : options_(std::move(options)), queues_(std::make_shared<QueueList>()) {}

WriteStorage::~WriteStorage() { Close(); }

std::shared_ptr<const WriteStorage::QueueList> WriteStorage::Snapshot() const {
  absl::MutexLock l(&mu_);
  return queues_;
}

absl::Status WriteStorage::ApplyConfig(
    const std::vector<RemoteWriteConfig>& configs,
    const model::Labels& external_labels) {
  absl::MutexLock al(&apply_mu_);
  {
    absl::MutexLock l(&mu_);
    if (closed_) return absl::FailedPreconditionError("remote write storage is closed");
  }
  std::shared_ptr<const QueueList> old = Snapshot();
  std::map<std::string, std::shared_ptr<QueueManager>> running;
  for (const Queue& q : *old) running[q.key] = q.manager;

  auto next = std::make_shared<QueueList>();
  std::vector<std::shared_ptr<QueueManager>> started;
  for (const RemoteWriteConfig& c : configs) {
    std::string key = absl::StrCat(c.Fingerprint(), "\n", external_labels.ToString());
    auto it = running.find(key);
    if (it != running.end()) {
      next->push_back(Queue{key, it->second});
      running.erase(it);
      continue;
    }
    QueueManagerOptions qo = options_.queue;
    qo.external_labels = external_labels;
    absl::StatusOr<std::unique_ptr<QueueManager>> qm = QueueManager::Create(c, qo);
    if (!qm.ok()) {
      for (auto& s : started) s->Stop(absl::ZeroDuration());
      return qm.status();
    }
    std::shared_ptr<QueueManager> m = std::move(*qm);
    started.push_back(m);
    next->push_back(Queue{key, m});
  }
  for (auto& s : started) s->Start();
  {
    absl::MutexLock l(&mu_);
    queues_ = next;
  }
  // What is left ran under the old config: flush it, then let it go.
  // Appenders created earlier may still hold it; their samples after this
  // point are counted as dropped by the stopped queue.
  for (auto& [key, m] : running) m->Stop(options_.flush_deadline);
  return absl::OkStatus();
}

std::unique_ptr<storage::Appender> WriteStorage::NewAppender() {
  return std::make_unique<WriteAppender>(this, Snapshot());
}

void WriteStorage::Close() {
  absl::MutexLock al(&apply_mu_);
  std::shared_ptr<const QueueList> old;
  {
    absl::MutexLock l(&mu_);
    if (closed_) return;
    closed_ = true;
    old = queues_;
    queues_ = std::make_shared<QueueList>();
  }
  for (const Queue& q : *old) q.manager->Stop(options_.flush_deadline);
}

std::vector<QueueMetrics> WriteStorage::Metrics() const {
  std::vector<QueueMetrics> out;
  for (const Queue& q : *Snapshot()) out.push_back(q.manager->Metrics());
  return out;
}

}  // namespace vigil::remote
