// Head: the append path (HeadAppender and per-series chunk cutting).

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/head.h"
#include "libtsdb/internal/head_series.h"
#include "model/status_macros.h"
#include "model/timestamp.h"

namespace vigil::tsdb {
namespace {

inline uint64_t Bits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}

// The end of the chunk range holding t (floor division).
inline int64_t RangeEnd(int64_t t, int64_t range) {
  int64_t q = t / range;
  if (t % range != 0 && t < 0) --q;
  if (q >= INT64_MAX / range - 1) return INT64_MAX;
  return (q + 1) * range;
}

}  // namespace

storage::AppendError Head::AppendLocked(Series* s, int64_t t, double v,
                                        bool* appended) {
  *appended = false;
  uint64_t vbits = Bits(v);
  if (s->has_samples.load(std::memory_order_relaxed)) {
    int64_t last = s->last_t.load(std::memory_order_relaxed);
    if (t < last) {
      out_of_order_.fetch_add(1, std::memory_order_relaxed);
      return storage::AppendError::kOutOfOrder;
    }
    if (t == last) {
      if (vbits == s->last_vbits.load(std::memory_order_relaxed)) {
        return storage::AppendError::kNone;
      }
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return storage::AppendError::kDuplicate;
    }
  }
  if (!s->has_open || t >= s->next_at ||
      s->open.num_samples() >= opts_.samples_per_chunk) {
    if (s->has_open) {
      int64_t maxt = s->last_t.load(std::memory_order_relaxed);
      Series::FullChunk fc{nullptr, {}, s->open_mint, maxt, false};
      if (opts_.chunk_files != nullptr) {
        auto m = opts_.chunk_files->Write(s->ref, s->open_mint, maxt,
                                          s->open.bytes());
        if (m.ok()) {
          fc.owner = std::move(m->owner);
          fc.bytes = m->bytes;
          fc.mapped = true;
        }
      }
      if (!fc.mapped) {  // no files, or writing failed: keep it on the heap
        auto heap = std::make_shared<const std::string>(s->open.bytes());
        fc.bytes = *heap;
        fc.owner = std::move(heap);
      }
      s->full.push_back(std::move(fc));
    }
    s->open = chunkenc::XorChunk();
    s->has_open = true;
    s->open_mint = t;
    s->next_at = RangeEnd(t, opts_.chunk_range_ms);
    num_chunks_.fetch_add(1, std::memory_order_relaxed);
  }
  s->open.Append(t, v);
  s->last_t.store(t, std::memory_order_relaxed);
  s->last_vbits.store(vbits, std::memory_order_relaxed);
  s->has_samples.store(true, std::memory_order_release);
  *appended = true;
  return storage::AppendError::kNone;
}

class HeadAppender final : public storage::Appender {
 public:
  // The future limit is fixed here, one clock read per appender: appenders
  // live for one scrape, rule evaluation or write request.
  explicit HeadAppender(Head* head)
      : h_(head), max_t_(head->MaxValidTime(model::NowMillis())) {}

  ~HeadAppender() override {
    if (!done_) (void)Rollback();
  }

  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref,
                                            const model::Labels& labels,
                                            int64_t t, double v) override {
    if (done_) {
      return absl::FailedPreconditionError(
          "appender used after Commit or Rollback");
    }
    if (t > max_t_) {  // before any series is created for it
      h_->too_far_in_future_.fetch_add(1, std::memory_order_relaxed);
      return absl::FailedPreconditionError(storage::kErrTooFarInFuture);
    }
    Head::Series* s = nullptr;
    if (ref != 0) s = h_->GetByRef(ref, /*pin=*/true);
    if (s == nullptr) {
      if (labels.empty()) {
        return absl::InvalidArgumentError("empty labelset");
      }
      bool created = false;
      absl::Status valid;
      s = h_->GetOrCreate(labels, 0, /*pin=*/true, &created, &valid);
      if (s == nullptr) return valid;
      if (created) new_series_.push_back(RefSeries{s->ref, s->labels});
    }
    if (t < h_->MinValidTime()) {
      s->pending.fetch_sub(1, std::memory_order_relaxed);
      h_->out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
      return absl::FailedPreconditionError(storage::kErrOutOfBounds);
    }
    if (s->has_samples.load(std::memory_order_acquire)) {
      int64_t last = s->last_t.load(std::memory_order_relaxed);
      if (t < last) {
        s->pending.fetch_sub(1, std::memory_order_relaxed);
        h_->out_of_order_.fetch_add(1, std::memory_order_relaxed);
        return absl::FailedPreconditionError(storage::kErrOutOfOrder);
      }
      if (t == last &&
          Bits(v) != s->last_vbits.load(std::memory_order_relaxed)) {
        s->pending.fetch_sub(1, std::memory_order_relaxed);
        h_->duplicates_.fetch_add(1, std::memory_order_relaxed);
        return absl::FailedPreconditionError(storage::kErrDuplicate);
      }
    }
    pending_.push_back(Pending{s, t, v});
    return s->ref;
  }

  absl::Status Commit() override {
    if (done_) {
      return absl::FailedPreconditionError(
          "appender used after Commit or Rollback");
    }
    done_ = true;
    if (h_->log_ != nullptr) {
      absl::Status st = LogSeriesRecords();
      if (st.ok() && !pending_.empty()) {
        std::vector<RefSample> samples;
        samples.reserve(pending_.size());
        for (const Pending& p : pending_) {
          samples.push_back(RefSample{p.s->ref, p.t, p.v});
        }
        st = h_->log_->LogSamples(samples);
      }
      if (!st.ok()) {
        Unpin();
        return st;
      }
    }
    int64_t mint = INT64_MAX, maxt = INT64_MIN;
    uint64_t accepted = 0;
    for (const Pending& p : pending_) {
      bool appended;
      {
        internal::SpinGuard l(p.s->mu);
        h_->AppendLocked(p.s, p.t, p.v, &appended);
      }
      p.s->pending.fetch_sub(1, std::memory_order_relaxed);
      if (appended) {
        ++accepted;
        mint = std::min(mint, p.t);
        maxt = std::max(maxt, p.t);
      }
    }
    h_->samples_appended_.fetch_add(accepted, std::memory_order_relaxed);
    if (mint != INT64_MAX) {
      h_->UpdateTimeBounds(mint);
      h_->UpdateTimeBounds(maxt);
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::Status Rollback() override {
    if (done_) return absl::OkStatus();
    done_ = true;
    // Series exist in memory whatever happens to the samples, so their
    // records are logged even now (later appends may use the refs).
    absl::Status st =
        h_->log_ != nullptr ? LogSeriesRecords() : absl::OkStatus();
    Unpin();
    return st;
  }

 private:
  struct Pending {
    Head::Series* s;
    int64_t t;
    double v;
  };

  // Logs the records of series this appender created and of series it
  // has samples for whose creator has not logged them yet. Pending
  // samples pin their series, so only those are dereferenced.
  absl::Status LogSeriesRecords() {
    std::vector<RefSeries> recs = new_series_;
    std::vector<Head::Series*> unlogged;
    absl::flat_hash_set<uint64_t> listed;
    for (const Pending& p : pending_) {
      if (p.s->logged.load(std::memory_order_acquire)) continue;
      if (listed.empty()) {
        for (const RefSeries& r : new_series_) listed.insert(r.ref);
      }
      if (listed.insert(p.s->ref).second) {
        recs.push_back(RefSeries{p.s->ref, p.s->labels});
      }
      unlogged.push_back(p.s);
    }
    if (recs.empty()) return absl::OkStatus();
    VIGIL_RETURN_IF_ERROR(h_->log_->LogSeries(recs));
    for (Head::Series* s : unlogged) {
      s->logged.store(true, std::memory_order_release);
    }
    return absl::OkStatus();
  }

  void Unpin() {
    for (const Pending& p : pending_) {
      p.s->pending.fetch_sub(1, std::memory_order_relaxed);
    }
    pending_.clear();
  }

  Head* h_;
  const int64_t max_t_;  // appends after this are too far in the future
  std::vector<Pending> pending_;
  std::vector<RefSeries> new_series_;  // created by this appender
  bool done_ = false;
};

std::unique_ptr<storage::Appender> Head::NewAppender() {
  return std::make_unique<HeadAppender>(this);
}

}  // namespace vigil::tsdb
