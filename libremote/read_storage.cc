#include "libremote/read_storage.h"

#include <utility>

#include "libremote/merge_queryable.h"
#include "model/status_macros.h"

namespace vigil::remote {
namespace {

// Holds the endpoint list alive for as long as the querier lives.
class PinnedQuerier final : public storage::Querier {
 public:
  PinnedQuerier(std::shared_ptr<const void> pin, std::unique_ptr<storage::Querier> q)
      : q_(std::move(q)), pin_(std::move(pin)) {}
  std::unique_ptr<storage::SeriesSet> Select(
      bool sorted, const storage::SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    return q_->Select(sorted, hints, matchers);
  }
  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name, const std::vector<model::Matcher>& m) override {
    return q_->LabelValues(name, m);
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& m) override {
    return q_->LabelNames(m);
  }

 private:
  std::unique_ptr<storage::Querier> q_;  // destroyed before the pin
  std::shared_ptr<const void> pin_;
};

class NoSeriesQuerier final : public storage::Querier {
 public:
  std::unique_ptr<storage::SeriesSet> Select(
      bool, const storage::SelectHints*, const std::vector<model::Matcher>&) override {
    return storage::EmptySeriesSet();
  }
  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view, const std::vector<model::Matcher>&) override {
    return std::vector<std::string>{};
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>&) override {
    return std::vector<std::string>{};
  }
};

}  // namespace

absl::Status ReadStorage::ApplyConfig(const std::vector<RemoteReadConfig>& configs,
                                      const model::Labels& external_labels) {
  auto next = std::make_shared<Endpoints>();
  for (const RemoteReadConfig& c : configs) {
    RemoteQueryableOptions o;
    o.external_labels = external_labels;
    o.local_start_time_ms = options_.local_start_time_ms;
    next->queryables.push_back(NewRemoteQueryable(
        std::make_shared<ReadClient>(c, options_.client), std::move(o)));
  }
  absl::MutexLock l(&mu_);
  endpoints_ = std::move(next);
  return absl::OkStatus();
}

size_t ReadStorage::size() const {
  absl::MutexLock l(&mu_);
  return endpoints_->queryables.size();
}

absl::StatusOr<std::unique_ptr<storage::Querier>> ReadStorage::NewQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  std::shared_ptr<const Endpoints> eps;
  {
    absl::MutexLock l(&mu_);
    eps = endpoints_;
  }
  if (eps->queryables.empty()) return std::unique_ptr<storage::Querier>(new NoSeriesQuerier);
  std::vector<storage::Queryable*> secondaries;
  for (const auto& q : eps->queryables) secondaries.push_back(q.get());
  // The MergeQueryable only lives for this call; its querier holds raw
  // pointers into `eps`, which the pin keeps alive.
  MergeQueryable merge({}, std::move(secondaries));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q,
                         merge.NewQuerier(mint_ms, maxt_ms));
  return std::unique_ptr<storage::Querier>(new PinnedQuerier(eps, std::move(q)));
}

}  // namespace vigil::remote
