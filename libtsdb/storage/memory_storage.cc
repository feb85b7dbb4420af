#include "libtsdb/storage/memory_storage.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::storage {
namespace {

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class VectorIterator final : public SampleIterator {
 public:
  VectorIterator(std::shared_ptr<const std::vector<MemoryStorage::Sample>> s,
                 int64_t mint, int64_t maxt)
      : samples_(std::move(s)) {
    auto lo = std::lower_bound(
        samples_->begin(), samples_->end(), mint,
        [](const MemoryStorage::Sample& x, int64_t t) { return x.t < t; });
    auto hi = std::upper_bound(
        samples_->begin(), samples_->end(), maxt,
        [](int64_t t, const MemoryStorage::Sample& x) { return t < x.t; });
    begin_ = lo - samples_->begin();
    end_ = std::max(begin_, static_cast<size_t>(hi - samples_->begin()));
    pos_ = begin_;
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
    } else if (pos_ < end_) {
      ++pos_;
    }
    return pos_ < end_;
  }

  bool Seek(int64_t t) override {
    if (!started_) started_ = true;
    if (pos_ >= end_) return false;
    if ((*samples_)[pos_].t >= t) return true;
    auto it = std::lower_bound(
        samples_->begin() + pos_, samples_->begin() + end_, t,
        [](const MemoryStorage::Sample& x, int64_t ts) { return x.t < ts; });
    pos_ = it - samples_->begin();
    return pos_ < end_;
  }

  int64_t timestamp() const override { return (*samples_)[pos_].t; }
  double value() const override { return (*samples_)[pos_].v; }
  absl::Status status() const override { return absl::OkStatus(); }

  int NextBatch(int64_t* ts, double* vs, int max) override {
    size_t from = started_ ? pos_ + 1 : pos_;
    started_ = true;
    if (from >= end_) {
      pos_ = end_;
      return 0;
    }
    size_t n = std::min(static_cast<size_t>(max), end_ - from);
    const MemoryStorage::Sample* s = samples_->data() + from;
    for (size_t k = 0; k < n; ++k) {
      ts[k] = s[k].t;
      vs[k] = s[k].v;
    }
    pos_ = from + n - 1;
    return static_cast<int>(n);
  }

 private:
  std::shared_ptr<const std::vector<MemoryStorage::Sample>> samples_;
  size_t begin_ = 0, end_ = 0, pos_ = 0;
  bool started_ = false;
};

struct Snapshot {
  model::Labels labels;
  std::shared_ptr<const std::vector<MemoryStorage::Sample>> samples;
};

class SnapshotSet final : public SeriesSet {
 public:
  SnapshotSet(std::vector<Snapshot> series, int64_t mint, int64_t maxt)
      : series_(std::move(series)), mint_(mint), maxt_(maxt) {}

  bool Next() override { return ++pos_ < series_.size(); }
  const model::Labels& labels() const override { return series_[pos_].labels; }
  std::unique_ptr<SampleIterator> NewIterator() const override {
    return std::make_unique<VectorIterator>(series_[pos_].samples, mint_, maxt_);
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::vector<Snapshot> series_;
  int64_t mint_, maxt_;
  size_t pos_ = static_cast<size_t>(-1);
};

}  // namespace

class MemoryStorage::MemAppender final : public Appender {
 public:
  explicit MemAppender(MemoryStorage* db) : db_(db) {}

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const model::Labels& labels,
                                   int64_t t, double v) override {
    if (ref == 0) {
      if (labels.empty()) {
        return absl::InvalidArgumentError("empty labelset");
      }
      absl::MutexLock lock(&db_->mu_);
      auto it = db_->by_labels_.find(labels);
      if (it == db_->by_labels_.end()) {
        db_->series_.push_back(
            Series{labels, std::make_shared<std::vector<Sample>>()});
        it = db_->by_labels_.emplace(labels, db_->series_.size() - 1).first;
      }
      ref = it->second + 1;
    }
    pending_.push_back(Pending{ref, t, v});
    return ref;
  }

  absl::Status Commit() override {
    absl::MutexLock lock(&db_->mu_);
    absl::Status first;
    for (const Pending& p : pending_) {
      if (p.ref == 0 || p.ref > db_->series_.size()) {
        first.Update(absl::NotFoundError(absl::StrCat("unknown series ref ", p.ref)));
        continue;
      }
      Series& s = db_->series_[p.ref - 1];
      if (!s.samples->empty()) {
        const Sample& last = s.samples->back();
        if (p.t < last.t) {
          first.Update(absl::FailedPreconditionError(kErrOutOfOrder));
          continue;
        }
        if (p.t == last.t) {
          if (!SameBits(p.v, last.v)) {
            first.Update(absl::FailedPreconditionError(kErrDuplicate));
          }
          continue;
        }
      }
      // Copy on write when a reader still holds this vector.
      if (s.samples.use_count() > 1) {
        s.samples = std::make_shared<std::vector<Sample>>(*s.samples);
      }
      s.samples->push_back(Sample{p.t, p.v});
    }
    pending_.clear();
    return first;
  }

  absl::Status Rollback() override {
    pending_.clear();
    return absl::OkStatus();
  }

 private:
  struct Pending {
    SeriesRef ref;
    int64_t t;
    double v;
  };
  MemoryStorage* db_;
  std::vector<Pending> pending_;
};

class MemoryStorage::MemQuerier final : public Querier {
 public:
  MemQuerier(MemoryStorage* db, int64_t mint, int64_t maxt)
      : db_(db), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<SeriesSet> Select(
      bool sorted, const SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    if (matchers.empty()) {
      return EmptySeriesSet(
          absl::InvalidArgumentError("no matchers given to Select"));
    }
    std::vector<Snapshot> out = Matching(matchers);
    if (sorted) {
      std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) {
        return a.labels < b.labels;
      });
    }
    return std::make_unique<SnapshotSet>(std::move(out), mint_, maxt_);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name,
      const std::vector<model::Matcher>& matchers) override {
    std::set<std::string> values;
    for (const Snapshot& s : Matching(matchers)) {
      absl::string_view v = s.labels.Get(name);
      if (!v.empty()) values.emplace(v);
    }
    return std::vector<std::string>(values.begin(), values.end());
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) override {
    std::set<std::string> names;
    for (const Snapshot& s : Matching(matchers)) {
      for (model::LabelView l : s.labels) names.emplace(l.name);
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

 private:
  // Series matching all matchers with at least one sample in range.
  std::vector<Snapshot> Matching(const std::vector<model::Matcher>& matchers) {
    std::vector<Snapshot> out;
    absl::MutexLock lock(&db_->mu_);
    for (const Series& s : db_->series_) {
      if (!model::MatchesAll(matchers, s.labels)) continue;
      const auto& v = *s.samples;
      auto lo = std::lower_bound(v.begin(), v.end(), mint_,
                                 [](const Sample& x, int64_t t) { return x.t < t; });
      if (lo == v.end() || lo->t > maxt_) continue;
      out.push_back(Snapshot{s.labels, s.samples});
    }
    return out;
  }

  MemoryStorage* db_;
  int64_t mint_, maxt_;
};

std::unique_ptr<Appender> MemoryStorage::NewAppender() {
  return std::make_unique<MemAppender>(this);
}

absl::StatusOr<std::unique_ptr<Querier>> MemoryStorage::NewQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  return std::unique_ptr<Querier>(new MemQuerier(this, mint_ms, maxt_ms));
}

size_t MemoryStorage::NumSeries() const {
  absl::MutexLock lock(&mu_);
  return series_.size();
}

size_t MemoryStorage::NumSamples() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const Series& s : series_) n += s.samples->size();
  return n;
}

void MemoryStorage::Clear() {
  absl::MutexLock lock(&mu_);
  series_.clear();
  by_labels_.clear();
}

}  // namespace vigil::storage
