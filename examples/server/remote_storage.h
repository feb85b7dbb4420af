// The server's remote storage: libremote's WriteStorage fed through a
// FanoutAppendable beside local storage (so scrapes, rule evaluations and
// the remote-write receiver reach every `remote_write` endpoint), and
// libremote's ReadStorage merged with local storage as secondary query
// sources for the engine and the API (their errors become warnings).
// It also exports Prometheus's prometheus_remote_storage_* metrics.
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_EXAMPLES_SERVER_REMOTE_STORAGE_H_
#define VIGIL_EXAMPLES_SERVER_REMOTE_STORAGE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "examples/server/config.h"
#include "examples/server/metrics.h"
#include "libremote/fanout_appendable.h"
#include "libremote/merge_queryable.h"
#include "libremote/read_storage.h"
#include "libremote/write_storage.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"

namespace vigil::server {

class RemoteStorage {
 public:
  // `local_start_time_ms` answers the oldest local timestamp (INT64_MAX
  // when local storage is empty) for read_recent: false endpoints.
  RemoteStorage(storage::Appendable* local_appendable, storage::Queryable* local_queryable,
                std::function<int64_t()> local_start_time_ms,
                absl::Duration flush_deadline);
  ~RemoteStorage();

  // Local + remote write.
  storage::Appendable* appendable() { return &fanout_; }
  // Local + remote read (local alone while no remote_read is configured,
  // so queries pay nothing for the merge then).
  storage::Queryable* queryable() { return &query_; }

  // Applies the remote_write and remote_read sections (with the global
  // external labels). Unchanged write queues keep running.
  absl::Status ApplyConfig(const Config& config);

  // Flushes the write queues (up to the flush deadline) and stops them.
  void Close();

  // prometheus_remote_storage_* families on the server's /metrics.
  void RegisterMetrics(ServerMetrics* metrics);

 private:
  remote::WriteStorage write_;
  remote::ReadStorage read_;
  remote::FanoutAppendable fanout_;
  remote::MergeQueryable merged_;

  class Query final : public storage::Queryable {
   public:
    Query(RemoteStorage* rs, storage::Queryable* local) : rs_(rs), local_(local) {}
    absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint,
                                                                 int64_t maxt) override {
      if (rs_->read_.size() == 0) return local_->NewQuerier(mint, maxt);
      return rs_->merged_.NewQuerier(mint, maxt);
    }

   private:
    RemoteStorage* rs_;
    storage::Queryable* local_;
  };
  Query query_;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_REMOTE_STORAGE_H_
