// WriteStorage is the remote-write side of a server: one QueueManager per
// `remote_write` endpoint behind a storage::Appendable. Samples appended
// through it reach every queue when the appender commits; a
// FanoutAppendable (fanout_appendable.h) puts it beside local storage so
// that scrapes and rule evaluations feed both.
//
//   remote::WriteStorage rw;
//   VIGIL_RETURN_IF_ERROR(rw.ApplyConfig(cfg.remote_write, external_labels));
//   remote::FanoutAppendable fanout(&db, {&rw});
//   scrape::Manager scrapes(&fanout);
//   ...
//   rw.Close();   // flushes for at most Options::flush_deadline
//
// ApplyConfig keeps the queues of unchanged endpoints (their queued
// samples too), starts new ones and flushes and stops removed or changed
// ones, as Prometheus's reload does.
//
// Thread safety: all methods may be called concurrently; each Appender is
// used by one thread at a time.

#ifndef VIGIL_LIBREMOTE_WRITE_STORAGE_H_
#define VIGIL_LIBREMOTE_WRITE_STORAGE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libremote/queue_manager.h"
#include "libremote/remote_config.h"
#include "libtsdb/storage/appender.h"
#include "model/labels.h"

namespace vigil::remote {

class WriteStorage final : public storage::Appendable {
 public:
  struct Options {
    // How long a stopping queue may keep sending
    // (Prometheus's --storage.remote.flush-deadline).
    absl::Duration flush_deadline = absl::Minutes(1);
    QueueManagerOptions queue;  // external_labels is set by ApplyConfig
  };

  WriteStorage() : WriteStorage(Options()) {}
  explicit WriteStorage(Options options);
  ~WriteStorage() override;  // Close()

  // Makes the set of queues match `configs`. InvalidArgument when an
  // endpoint cannot be set up; nothing changes then.
  absl::Status ApplyConfig(const std::vector<RemoteWriteConfig>& configs,
                           const model::Labels& external_labels);

  // An appender whose committed samples go to every queue (the queues
  // present when it was created). Append always returns ref 0.
  std::unique_ptr<storage::Appender> NewAppender() override;

  // Flushes and stops every queue; later samples are discarded.
  void Close();

  std::vector<QueueMetrics> Metrics() const;
  // Highest timestamp committed through this storage (ms; 0 if none):
  // prometheus_remote_storage_highest_timestamp_in_seconds.
  int64_t highest_timestamp_ms() const { return highest_ms_.load(); }

 private:
  class WriteAppender;
  struct Queue {
    std::string key;  // config fingerprint + external labels
    std::shared_ptr<QueueManager> manager;
  };
  using QueueList = std::vector<Queue>;

  std::shared_ptr<const QueueList> Snapshot() const;

  const Options options_;
  absl::Mutex apply_mu_;  // serialises ApplyConfig and Close
  mutable absl::Mutex mu_;
  std::shared_ptr<const QueueList> queues_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> highest_ms_{0};
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_WRITE_STORAGE_H_
