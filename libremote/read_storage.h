// ReadStorage is the remote-read side of a server: a storage::Queryable
// over every `remote_read` endpoint (each a NewRemoteQueryable), merged as
// secondaries, so an endpoint's failure is a warning, never an error. A
// server puts it beside local storage:
//
//   remote::ReadStorage rr(opts);   // opts.local_start_time_ms from the DB
//   VIGIL_RETURN_IF_ERROR(rr.ApplyConfig(cfg.remote_read, external_labels));
//   remote::MergeQueryable all({&db}, {&rr});
//   promql engine queries `all`.
//
// ApplyConfig swaps the endpoint list atomically; queriers already made
// keep the old one.
//
// Thread safety: all methods may be called concurrently.

#ifndef VIGIL_LIBREMOTE_READ_STORAGE_H_
#define VIGIL_LIBREMOTE_READ_STORAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libremote/read_client.h"
#include "libremote/remote_config.h"
#include "libremote/remote_queryable.h"
#include "libtsdb/storage/querier.h"
#include "model/labels.h"

namespace vigil::remote {

class ReadStorage final : public storage::Queryable {
 public:
  struct Options {
    // See RemoteQueryableOptions::local_start_time_ms.
    std::function<int64_t()> local_start_time_ms;
    ReadClient::Options client;
  };

  ReadStorage() : ReadStorage(Options()) {}
  explicit ReadStorage(Options options) : options_(std::move(options)) {}

  // Replaces the endpoints. Always OK today (configs are validated when
  // parsed); the Status is for future checks.
  absl::Status ApplyConfig(const std::vector<RemoteReadConfig>& configs,
                           const model::Labels& external_labels);

  // A querier over every endpoint (no endpoints: one that finds nothing).
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

  size_t size() const;

 private:
  struct Endpoints {
    std::vector<std::unique_ptr<storage::Queryable>> queryables;
  };
  const Options options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Endpoints> endpoints_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<Endpoints>();
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_READ_STORAGE_H_
