#include "libtsdb/internal/series_entry.h"

#include <algorithm>

#include "libtsdb/chunkenc/xor_chunk.h"

namespace vigil::tsdb::internal {
namespace {

// Asks the CPU to load the first cache lines of `bytes`.
inline void Prefetch(absl::string_view bytes) {
  const char* p = bytes.data();
  for (size_t off = 0; off < bytes.size() && off < 256; off += 64) {
    __builtin_prefetch(p + off);
  }
}

// Decodes chunks a batch at a time (XorIterator::NextBatch), so the
// per-sample cost is the decode loop plus an index increment; the range,
// already-returned timestamps and deletions are filtered per batch, and
// not at all for chunks wholly inside the range.
class ChunksIterator final : public storage::SampleIterator {
 public:
  // `keep` owns `e`.
  ChunksIterator(std::shared_ptr<const void> keep, const SeriesEntry* e,
                 int64_t mint, int64_t maxt)
      : keep_(std::move(keep)),
        chunks_(e->chunks.data()),
        num_chunks_(e->chunks.size()),
        deleted_(e->deleted),
        mint_(mint),
        maxt_(maxt) {}

  bool Next() override {
    if (i_ + 1 < n_) {
      ++i_;
      return true;
    }
    i_ = 0;
    n_ = Fill(mint_, ts_, vs_, kBatch);
    return n_ > 0;
  }

  int NextBatch(int64_t* ts, double* vs, int max) override {
    int n = 0;
    if (i_ + 1 < n_) {
      // The rest of the buffered batch first.
      n = std::min(max, n_ - i_ - 1);
      std::copy(ts_ + i_ + 1, ts_ + i_ + 1 + n, ts);
      std::copy(vs_ + i_ + 1, vs_ + i_ + 1 + n, vs);
      i_ += n;
      return n;
    }
    // Decode straight into the caller's arrays; keep the last sample as
    // the current one.
    n = Fill(mint_, ts, vs, max);
    i_ = 0;
    n_ = n > 0 ? 1 : 0;
    if (n > 0) {
      ts_[0] = ts[n - 1];
      vs_[0] = vs[n - 1];
    }
    return n;
  }

  bool Seek(int64_t t) override {
    if (i_ < n_) {
      if (ts_[i_] >= t) return true;
      // The rest of the batch, then whole batches.
      for (int j = i_ + 1; j < n_; ++j) {
        if (ts_[j] >= t) {
          i_ = j;
          return true;
        }
      }
    }
    // Skip the rest of a chunk that ends before t.
    if (in_chunk_ && chunks_[pos_ - 1].maxt < t) in_chunk_ = false;
    i_ = 0;
    while ((n_ = Fill(std::max(t, mint_), ts_, vs_, kBatch)) > 0) {
      for (int j = 0; j < n_; ++j) {
        if (ts_[j] >= t) {
          i_ = j;
          return true;
        }
      }
    }
    return false;
  }

  int64_t timestamp() const override { return ts_[i_]; }
  double value() const override { return vs_[i_]; }
  absl::Status status() const override { return status_; }

 private:
  static constexpr int kBatch = 32;

  // Decodes the next non-empty batch of at most `cap` samples into ts/vs,
  // from chunks that may hold samples >= `from`. Returns its size, 0 at
  // the end.
  int Fill(int64_t from, int64_t* ts, double* vs, int cap) {
    while (!done_) {
      if (!in_chunk_ && !OpenNext(from)) break;
      int n = it_.NextBatch(ts, vs, cap);
      if (n == 0) {
        if (!it_.status().ok()) {
          status_ = it_.status();
          break;
        }
        in_chunk_ = false;
        continue;
      }
      if (!clean_) n = Filter(ts, vs, n);
      if (n > 0) {
        last_t_ = ts[n - 1];
        have_last_ = true;
        return n;
      }
    }
    done_ = true;
    return 0;
  }

  // Keeps the samples in [mint, maxt], after last_t_ and not deleted;
  // marks the end when a sample lies past maxt.
  int Filter(int64_t* ts, double* vs, int n) {
    int k = 0;
    bool have_last = have_last_;
    int64_t last = last_t_;
    for (int j = 0; j < n; ++j) {
      int64_t t = ts[j];
      if (t > maxt_) {
        done_ = true;
        break;
      }
      if (t < mint_ || (have_last && t <= last)) continue;
      if (!deleted_.empty() && IsDeleted(deleted_, t)) continue;
      ts[k] = t;
      vs[k] = vs[j];
      ++k;
      last = t;
      have_last = true;
    }
    return k;
  }

  // Opens the next chunk that may hold samples >= t.
  bool OpenNext(int64_t t) {
    while (pos_ < num_chunks_) {
      const ChunkMeta& c = chunks_[pos_++];
      if (c.maxt < t || c.maxt < mint_) continue;
      if (c.mint > maxt_) return false;
      if (have_last_ && c.maxt <= last_t_) continue;
      if (!deleted_.empty() && FullyDeleted(deleted_, c.mint, c.maxt)) continue;
      it_.Reset(c.bytes);
      // Chunks lie apart in memory; start loading the next one while
      // this one decodes.
      if (pos_ < num_chunks_) Prefetch(chunks_[pos_].bytes);
      in_chunk_ = true;
      clean_ = c.mint >= mint_ && c.maxt <= maxt_ && deleted_.empty() &&
               (!have_last_ || c.mint > last_t_);
      return true;
    }
    return false;
  }

  std::shared_ptr<const void> keep_;
  const ChunkMeta* chunks_;
  size_t num_chunks_;
  const Intervals& deleted_;
  int64_t mint_, maxt_;
  size_t pos_ = 0;
  bool in_chunk_ = false;
  bool clean_ = false;  // current chunk needs no per-sample filtering
  bool done_ = false;
  bool have_last_ = false;
  int64_t last_t_ = 0;  // last timestamp loaded into a batch
  int i_ = 0, n_ = 0;   // current sample, batch size (i_ < n_: valid)
  int64_t ts_[kBatch];
  double vs_[kBatch];
  chunkenc::XorIterator it_;
  absl::Status status_;
};

class ListSeriesSet final : public storage::SeriesSet {
 public:
  ListSeriesSet(std::vector<SeriesEntry> e, int64_t mint, int64_t maxt)
      : e_(std::make_shared<const std::vector<SeriesEntry>>(std::move(e))),
        mint_(mint),
        maxt_(maxt) {}
  bool Next() override { return ++pos_ < e_->size(); }
  const model::Labels& labels() const override { return (*e_)[pos_].labels; }
  std::unique_ptr<storage::SampleIterator> NewIterator() const override {
    // The next series' first chunk loads while this one is read.
    if (pos_ + 1 < e_->size()) {
      for (const ChunkMeta& c : (*e_)[pos_ + 1].chunks) Prefetch(c.bytes);
    }
    return std::make_unique<ChunksIterator>(e_, &(*e_)[pos_], mint_, maxt_);
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  // Shared with the iterators, which outlive the set.
  std::shared_ptr<const std::vector<SeriesEntry>> e_;
  int64_t mint_, maxt_;
  size_t pos_ = static_cast<size_t>(-1);
};

}  // namespace

std::unique_ptr<storage::SampleIterator> NewChunksIterator(
    std::vector<ChunkMeta> chunks, Intervals deleted, int64_t mint,
    int64_t maxt) {
  auto e = std::make_shared<SeriesEntry>();
  e->chunks = std::move(chunks);
  e->deleted = std::move(deleted);
  const SeriesEntry* p = e.get();
  return std::make_unique<ChunksIterator>(std::move(e), p, mint, maxt);
}

std::unique_ptr<storage::SeriesSet> NewListSeriesSet(
    std::vector<SeriesEntry> entries, int64_t mint, int64_t maxt) {
  return std::make_unique<ListSeriesSet>(std::move(entries), mint, maxt);
}

std::vector<SeriesEntry> MergeEntries(
    std::vector<std::vector<SeriesEntry>> srcs) {
  srcs.erase(std::remove_if(srcs.begin(), srcs.end(),
                            [](const auto& s) { return s.empty(); }),
             srcs.end());
  if (srcs.empty()) return {};
  if (srcs.size() == 1) return std::move(srcs[0]);
  std::vector<SeriesEntry> all;
  for (auto& s : srcs) {
    for (auto& e : s) all.push_back(std::move(e));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const SeriesEntry& a, const SeriesEntry& b) {
                     return a.labels < b.labels;
                   });
  std::vector<SeriesEntry> out;
  out.reserve(all.size());
  for (auto& e : all) {
    if (!out.empty() && out.back().labels == e.labels) {
      SeriesEntry& o = out.back();
      // Deletes are issued for the whole DB, so an interval deleted in
      // any source applies to the series' chunks from every source.
      for (auto& c : e.chunks) o.chunks.push_back(std::move(c));
      for (const Interval& iv : e.deleted) AddInterval(&o.deleted, iv);
      std::stable_sort(o.chunks.begin(), o.chunks.end(),
                       [](const ChunkMeta& a, const ChunkMeta& b) {
                         return a.mint < b.mint;
                       });
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace vigil::tsdb::internal
