#include "libtsdb/internal/series_entry.h"

#include <algorithm>

#include "libtsdb/chunkenc/xor_chunk.h"

namespace vigil::tsdb::internal {
namespace {

class ChunksIterator final : public storage::SampleIterator {
 public:
  ChunksIterator(std::vector<ChunkMeta> chunks, Intervals deleted,
                 int64_t mint, int64_t maxt)
      : chunks_(std::move(chunks)),
        deleted_(std::move(deleted)),
        mint_(mint),
        maxt_(maxt) {}

  bool Next() override {
    if (done_) return false;
    if (clean_) {
      // Whole chunk inside the range, nothing deleted, after last_t_.
      if (it_.Next()) {
        last_t_ = it_.t();
        have_last_ = true;
        return true;
      }
      if (!it_.status().ok()) {
        status_ = it_.status();
        return Finish();
      }
      in_chunk_ = false;
      clean_ = false;
    }
    for (;;) {
      if (!in_chunk_ && !OpenNext(mint_)) return Finish();
      if (!it_.Next()) {
        if (!it_.status().ok()) {
          status_ = it_.status();
          return Finish();
        }
        in_chunk_ = false;
        continue;
      }
      int64_t t = it_.t();
      if (t > maxt_) return Finish();
      if (t < mint_ || (have_last_ && t <= last_t_)) continue;
      if (!deleted_.empty() && IsDeleted(deleted_, t)) continue;
      last_t_ = t;
      have_last_ = true;
      return true;
    }
  }

  bool Seek(int64_t t) override {
    if (done_) return false;
    if (have_last_ && last_t_ >= t) return true;
    clean_ = false;
    if (t < mint_) t = mint_;
    // Skip whole chunks ending before t.
    if (in_chunk_ && chunks_[pos_ - 1].maxt < t) in_chunk_ = false;
    if (!in_chunk_) {
      if (!OpenNext(t)) return Finish();
    }
    if (!it_.Seek(t)) {
      if (!it_.status().ok()) {
        status_ = it_.status();
        return Finish();
      }
      in_chunk_ = false;
      return Next();
    }
    int64_t ct = it_.t();
    if (ct > maxt_) return Finish();
    if ((have_last_ && ct <= last_t_) ||
        (!deleted_.empty() && IsDeleted(deleted_, ct))) {
      return Next();
    }
    last_t_ = ct;
    have_last_ = true;
    return true;
  }

  int64_t timestamp() const override { return it_.t(); }
  double value() const override { return it_.v(); }
  absl::Status status() const override { return status_; }

 private:
  // Opens the next chunk that may hold samples >= t.
  bool OpenNext(int64_t t) {
    while (pos_ < chunks_.size()) {
      const ChunkMeta& c = chunks_[pos_++];
      if (c.maxt < t || c.maxt < mint_) continue;
      if (c.mint > maxt_) return false;
      if (have_last_ && c.maxt <= last_t_) continue;
      if (!deleted_.empty() && FullyDeleted(deleted_, c.mint, c.maxt)) continue;
      it_.Reset(c.bytes);
      in_chunk_ = true;
      clean_ = c.mint >= mint_ && c.maxt <= maxt_ && deleted_.empty() &&
               (!have_last_ || c.mint > last_t_);
      return true;
    }
    return false;
  }

  bool Finish() {
    done_ = true;
    return false;
  }

  std::vector<ChunkMeta> chunks_;
  Intervals deleted_;
  int64_t mint_, maxt_;
  size_t pos_ = 0;
  bool in_chunk_ = false;
  bool clean_ = false;  // current chunk needs no per-sample filtering
  bool done_ = false;
  bool have_last_ = false;
  int64_t last_t_ = 0;
  chunkenc::XorIterator it_;
  absl::Status status_;
};

class ListSeriesSet final : public storage::SeriesSet {
 public:
  ListSeriesSet(std::vector<SeriesEntry> e, int64_t mint, int64_t maxt)
      : e_(std::move(e)), mint_(mint), maxt_(maxt) {}
  bool Next() override { return ++pos_ < e_.size(); }
  const model::Labels& labels() const override { return e_[pos_].labels; }
  std::unique_ptr<storage::SampleIterator> NewIterator() const override {
    const SeriesEntry& s = e_[pos_];
    return NewChunksIterator(s.chunks, s.deleted, mint_, maxt_);
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::vector<SeriesEntry> e_;
  int64_t mint_, maxt_;
  size_t pos_ = static_cast<size_t>(-1);
};

}  // namespace

std::unique_ptr<storage::SampleIterator> NewChunksIterator(
    std::vector<ChunkMeta> chunks, Intervals deleted, int64_t mint,
    int64_t maxt) {
  return std::make_unique<ChunksIterator>(std::move(chunks), std::move(deleted),
                                          mint, maxt);
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
