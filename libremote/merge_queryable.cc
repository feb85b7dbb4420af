#include "libremote/merge_queryable.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::remote {
namespace {

// Samples of several iterators of one series, by timestamp; on equal
// timestamps the iterator listed first wins.
class MergedSampleIterator final : public storage::SampleIterator {
 public:
  explicit MergedSampleIterator(std::vector<std::unique_ptr<storage::SampleIterator>> its)
      : its_(std::move(its)), valid_(its_.size(), false) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) valid_[i] = Advance(i, false, 0);
    } else {
      // Move every iterator sitting on the current timestamp.
      for (size_t i = 0; i < its_.size(); ++i) {
        if (valid_[i] && its_[i]->timestamp() == t_) valid_[i] = Advance(i, false, 0);
      }
    }
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) valid_[i] = Advance(i, true, t);
      return Pick();
    }
    if (cur_ < 0) return false;
    if (t_ >= t) return true;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && its_[i]->timestamp() < t) valid_[i] = Advance(i, true, t);
    }
    return Pick();
  }

  int64_t timestamp() const override { return t_; }
  double value() const override { return v_; }
  absl::Status status() const override { return status_; }

 private:
  bool Advance(size_t i, bool seek, int64_t t) {
    bool ok = seek ? its_[i]->Seek(t) : its_[i]->Next();
    if (!ok && !its_[i]->status().ok() && status_.ok()) status_ = its_[i]->status();
    return ok;
  }

  bool Pick() {
    cur_ = -1;
    if (!status_.ok()) return false;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (!valid_[i]) continue;
      if (cur_ < 0 || its_[i]->timestamp() < t_) {
        cur_ = static_cast<int>(i);
        t_ = its_[i]->timestamp();
      }
    }
    if (cur_ < 0) return false;
    v_ = its_[cur_]->value();
    return true;
  }

  std::vector<std::unique_ptr<storage::SampleIterator>> its_;
  std::vector<bool> valid_;
  bool started_ = false;
  int cur_ = -1;
  int64_t t_ = 0;
  double v_ = 0;
  absl::Status status_;
};

class MergedSeriesSet final : public storage::SeriesSet {
 public:
  MergedSeriesSet(std::vector<std::unique_ptr<storage::SeriesSet>> sets,
                  std::vector<bool> secondary, std::vector<std::string> warnings)
      : sets_(std::move(sets)),
        secondary_(std::move(secondary)),
        valid_(sets_.size(), false),
        warnings_(std::move(warnings)) {}

  bool Next() override {
    if (!status_.ok()) return false;
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) valid_[i] = Advance(i);
    } else {
      for (size_t i : current_) valid_[i] = Advance(i);
    }
    if (!status_.ok()) return false;
    current_.clear();
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (!valid_[i]) continue;
      if (current_.empty()) {
        current_.push_back(i);
        continue;
      }
      int c = model::Labels::Compare(sets_[i]->labels(), sets_[current_[0]]->labels());
      if (c < 0) {
        current_.assign(1, i);
      } else if (c == 0) {
        current_.push_back(i);
      }
    }
    if (current_.empty()) return false;
    labels_ = sets_[current_[0]]->labels();
    return true;
  }

  const model::Labels& labels() const override { return labels_; }

  std::unique_ptr<storage::SampleIterator> NewIterator() const override {
    if (current_.size() == 1) return sets_[current_[0]]->NewIterator();
    std::vector<std::unique_ptr<storage::SampleIterator>> its;
    for (size_t i : current_) its.push_back(sets_[i]->NewIterator());
    return std::make_unique<MergedSampleIterator>(std::move(its));
  }

  absl::Status status() const override { return status_; }

  std::vector<std::string> warnings() const override {
    std::vector<std::string> out = warnings_;
    for (const auto& s : sets_) {
      for (std::string& w : s->warnings()) out.push_back(std::move(w));
    }
    return out;
  }

 private:
  bool Advance(size_t i) {
    if (sets_[i]->Next()) return true;
    absl::Status st = sets_[i]->status();
    if (!st.ok()) {
      if (secondary_[i]) {
        warnings_.push_back(std::string(st.message()));
      } else if (status_.ok()) {
        status_ = st;
      }
    }
    return false;
  }

  std::vector<std::unique_ptr<storage::SeriesSet>> sets_;
  std::vector<bool> secondary_;
  std::vector<bool> valid_;
  std::vector<std::string> warnings_;
  std::vector<size_t> current_;
  model::Labels labels_;
  bool started_ = false;
  absl::Status status_;
};

class MergeQuerier final : public storage::Querier {
 public:
  MergeQuerier(std::vector<std::unique_ptr<storage::Querier>> queriers,
               std::vector<bool> secondary, std::vector<std::string> warnings)
      : queriers_(std::move(queriers)),
        secondary_(std::move(secondary)),
        warnings_(std::move(warnings)) {}

  std::unique_ptr<storage::SeriesSet> Select(
      bool, const storage::SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    if (queriers_.size() == 1 && warnings_.empty() && !secondary_[0]) {
      return queriers_[0]->Select(true, hints, matchers);
    }
    std::vector<std::unique_ptr<storage::SeriesSet>> sets;
    sets.reserve(queriers_.size());
    for (auto& q : queriers_) sets.push_back(q->Select(true, hints, matchers));
    return MergeSeriesSets(std::move(sets), secondary_, warnings_);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name, const std::vector<model::Matcher>& matchers) override {
    return Union([&](storage::Querier* q) { return q->LabelValues(name, matchers); });
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) override {
    return Union([&](storage::Querier* q) { return q->LabelNames(matchers); });
  }

 private:
  template <typename Fn>
  absl::StatusOr<std::vector<std::string>> Union(Fn fn) {
    std::set<std::string> all;
    for (size_t i = 0; i < queriers_.size(); ++i) {
      absl::StatusOr<std::vector<std::string>> r = fn(queriers_[i].get());
      if (!r.ok()) {
        if (secondary_[i]) continue;
        return r.status();
      }
      all.insert(r->begin(), r->end());
    }
    return std::vector<std::string>(all.begin(), all.end());
  }

  std::vector<std::unique_ptr<storage::Querier>> queriers_;
  std::vector<bool> secondary_;
  std::vector<std::string> warnings_;
};

}  // namespace

std::unique_ptr<storage::SeriesSet> MergeSeriesSets(
    std::vector<std::unique_ptr<storage::SeriesSet>> sets,
    std::vector<bool> secondary, std::vector<std::string> warnings) {
  secondary.resize(sets.size(), false);
  return std::make_unique<MergedSeriesSet>(std::move(sets), std::move(secondary),
                                           std::move(warnings));
}

absl::StatusOr<std::unique_ptr<storage::Querier>> MergeQueryable::NewQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  std::vector<std::unique_ptr<storage::Querier>> queriers;
  std::vector<bool> secondary;
  std::vector<std::string> warnings;
  for (storage::Queryable* p : primaries_) {
    absl::StatusOr<std::unique_ptr<storage::Querier>> q = p->NewQuerier(mint_ms, maxt_ms);
    if (!q.ok()) return q.status();
    queriers.push_back(std::move(*q));
    secondary.push_back(false);
  }
  for (storage::Queryable* s : secondaries_) {
    absl::StatusOr<std::unique_ptr<storage::Querier>> q = s->NewQuerier(mint_ms, maxt_ms);
    if (!q.ok()) {
      warnings.push_back(std::string(q.status().message()));
      continue;
    }
    queriers.push_back(std::move(*q));
    secondary.push_back(true);
  }
  if (queriers.empty() && warnings.empty()) {
    return absl::InvalidArgumentError("merge querier: no sources");
  }
  return std::unique_ptr<storage::Querier>(
      new MergeQuerier(std::move(queriers), std::move(secondary), std::move(warnings)));
}

}  // namespace vigil::remote
