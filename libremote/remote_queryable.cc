#include "libremote/remote_queryable.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "libremote/internal/vector_series_set.h"

namespace vigil::remote {
namespace {

prometheus::LabelMatcher::Type ToProto(model::MatchType t) {
  switch (t) {
    case model::MatchType::kEqual:
      return prometheus::LabelMatcher::EQ;
    case model::MatchType::kNotEqual:
      return prometheus::LabelMatcher::NEQ;
    case model::MatchType::kRegexMatch:
      return prometheus::LabelMatcher::RE;
    case model::MatchType::kRegexNoMatch:
      return prometheus::LabelMatcher::NRE;
  }
  return prometheus::LabelMatcher::EQ;
}

// The samples of `a` and `b` by timestamp; `a` wins on equal timestamps.
std::shared_ptr<const internal::MemSeries> MergeSamples(const internal::MemSeries& a,
                                                        const internal::MemSeries& b) {
  auto out = std::make_shared<internal::MemSeries>();
  out->labels = a.labels;
  size_t i = 0, j = 0;
  while (i < a.t.size() || j < b.t.size()) {
    bool take_a = j >= b.t.size() || (i < a.t.size() && a.t[i] <= b.t[j]);
    if (take_a) {
      if (j < b.t.size() && a.t[i] == b.t[j]) ++j;
      out->t.push_back(a.t[i]);
      out->v.push_back(a.v[i++]);
    } else {
      out->t.push_back(b.t[j]);
      out->v.push_back(b.v[j++]);
    }
  }
  return out;
}

class RemoteQuerier final : public storage::Querier {
 public:
  RemoteQuerier(std::shared_ptr<ReadClient> client, model::Labels external,
                int64_t mint, int64_t maxt, bool noop)
      : client_(std::move(client)),
        external_(std::move(external)),
        mint_(mint),
        maxt_(maxt),
        noop_(noop) {}

  std::unique_ptr<storage::SeriesSet> Select(
      bool, const storage::SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    if (matchers.empty()) {
      return storage::EmptySeriesSet(
          absl::InvalidArgumentError("remote read: no matchers given"));
    }
    if (noop_) return storage::EmptySeriesSet();
    const RemoteReadConfig& cfg = client_->config();
    for (const auto& [name, value] : cfg.required_matchers) {
      bool found = false;
      for (const model::Matcher& m : matchers) {
        found |= m.type() == model::MatchType::kEqual && m.name() == name &&
                 m.value() == value;
      }
      if (!found) return storage::EmptySeriesSet();
    }
    prometheus::Query q;
    q.set_start_timestamp_ms(mint_);
    q.set_end_timestamp_ms(maxt_);
    absl::flat_hash_set<std::string> added;
    for (const model::Matcher& m : matchers) {
      prometheus::LabelMatcher* pm = q.add_matchers();
      pm->set_type(ToProto(m.type()));
      pm->set_name(m.name());
      pm->set_value(m.value());
    }
    if (cfg.filter_external_labels) {
      for (model::LabelView l : external_) {
        bool mentioned = false;
        for (const model::Matcher& m : matchers) mentioned |= m.name() == l.name;
        if (mentioned) continue;
        prometheus::LabelMatcher* pm = q.add_matchers();
        pm->set_type(prometheus::LabelMatcher::EQ);
        pm->set_name(std::string(l.name));
        pm->set_value(std::string(l.value));
        added.insert(std::string(l.name));
      }
    }
    if (hints != nullptr) {
      prometheus::ReadHints* h = q.mutable_hints();
      h->set_start_ms(hints->start_ms);
      h->set_end_ms(hints->end_ms);
      h->set_step_ms(hints->step_ms);
      h->set_range_ms(hints->range_ms);
      h->set_func(hints->func);
      for (const std::string& g : hints->grouping) h->add_grouping(g);
      h->set_by(hints->by);
    }
    absl::StatusOr<prometheus::QueryResult> res = client_->Read(q);
    if (!res.ok()) return storage::EmptySeriesSet(res.status());

    std::vector<std::shared_ptr<const internal::MemSeries>> series;
    series.reserve(res->timeseries_size());
    for (const prometheus::TimeSeries& ts : res->timeseries()) {
      std::vector<std::pair<std::string, std::string>> pairs;
      pairs.reserve(ts.labels_size());
      for (const prometheus::Label& l : ts.labels()) {
        if (added.contains(l.name())) continue;
        pairs.emplace_back(l.name(), l.value());
      }
      auto s = std::make_shared<internal::MemSeries>();
      s->labels = model::Labels::FromPairs(pairs);
      s->t.reserve(ts.samples_size());
      s->v.reserve(ts.samples_size());
      for (const prometheus::Sample& smp : ts.samples()) {
        if (smp.timestamp() < mint_ || smp.timestamp() > maxt_) continue;
        if (!s->t.empty() && smp.timestamp() <= s->t.back()) continue;
        s->t.push_back(smp.timestamp());
        s->v.push_back(smp.value());
      }
      series.push_back(std::move(s));
    }
    std::sort(series.begin(), series.end(),
              [](const auto& a, const auto& b) { return a->labels < b->labels; });
    // Series that became equal once external labels were removed: merge.
    std::vector<std::shared_ptr<const internal::MemSeries>> unique;
    for (auto& s : series) {
      if (!unique.empty() && unique.back()->labels == s->labels) {
        unique.back() = MergeSamples(*unique.back(), *s);
      } else {
        unique.push_back(std::move(s));
      }
    }
    return std::make_unique<internal::VectorSeriesSet>(std::move(unique));
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view, const std::vector<model::Matcher>&) override {
    return std::vector<std::string>{};
  }
  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>&) override {
    return std::vector<std::string>{};
  }

 private:
  std::shared_ptr<ReadClient> client_;
  model::Labels external_;
  int64_t mint_, maxt_;
  bool noop_;
};

class RemoteQueryable final : public storage::Queryable {
 public:
  RemoteQueryable(std::shared_ptr<ReadClient> client, RemoteQueryableOptions o)
      : client_(std::move(client)), options_(std::move(o)) {}

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint, int64_t maxt) override {
    bool noop = false;
    if (!client_->config().read_recent && options_.local_start_time_ms) {
      int64_t local_start = options_.local_start_time_ms();
      if (mint > local_start) {
        noop = true;
      } else if (maxt > local_start) {
        maxt = local_start;
      }
    }
    model::Labels ext = client_->config().filter_external_labels
                            ? options_.external_labels
                            : model::Labels();
    return std::unique_ptr<storage::Querier>(
        new RemoteQuerier(client_, std::move(ext), mint, maxt, noop));
  }

 private:
  std::shared_ptr<ReadClient> client_;
  RemoteQueryableOptions options_;
};

}  // namespace

std::unique_ptr<storage::Queryable> NewRemoteQueryable(
    std::shared_ptr<ReadClient> client, RemoteQueryableOptions options) {
  return std::make_unique<RemoteQueryable>(std::move(client), std::move(options));
}

}  // namespace vigil::remote
