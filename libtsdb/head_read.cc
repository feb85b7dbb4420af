// Head: the read path (HeadQuerier, entries for queries and blocks).

#include <algorithm>
#include <set>

#include "libtsdb/head.h"
#include "libtsdb/internal/head_series.h"

namespace vigil::tsdb {

internal::SeriesEntry Head::EntryFor(Series* s, int64_t mint,
                                     int64_t maxt) const {
  internal::SeriesEntry e;
  e.labels = s->labels;
  internal::SpinGuard l(s->mu);
  for (const Series::FullChunk& c : s->full) {
    if (c.maxt < mint || c.mint > maxt) continue;
    e.chunks.push_back(internal::ChunkMeta{c.owner, c.bytes, c.mint, c.maxt});
  }
  if (s->has_open) {
    int64_t last = s->last_t.load(std::memory_order_relaxed);
    if (!(last < mint || s->open_mint > maxt)) {
      auto copy = std::make_shared<const std::string>(s->open.bytes());
      e.chunks.push_back(
          internal::ChunkMeta{copy, *copy, s->open_mint, last});
    }
  }
  return e;
}

std::vector<internal::SeriesEntry> Head::SelectEntries(
    int64_t mint, int64_t maxt,
    const std::vector<model::Matcher>* matchers) const {
  index::Postings refs = matchers != nullptr
                             ? index::PostingsForMatchers(postings_, *matchers)
                             : postings_.AllPostings();
  std::vector<internal::SeriesEntry> out;
  out.reserve(refs.size());
  bool tomb = !tombstones_.Empty();
  for (uint64_t ref : refs) {
    RefStripe& st = refs_[ref & (opts_.stripes - 1)];
    internal::SeriesEntry e;
    {
      internal::SpinGuard l(st.mu);
      auto it = st.m.find(ref);
      if (it == st.m.end()) continue;
      e = EntryFor(it->second.get(), mint, maxt);
    }
    if (e.chunks.empty()) continue;
    if (tomb) {
      e.deleted = tombstones_.Get(ref);
      if (!e.deleted.empty()) {
        auto& cs = e.chunks;
        cs.erase(std::remove_if(cs.begin(), cs.end(),
                                [&](const internal::ChunkMeta& c) {
                                  return FullyDeleted(e.deleted, c.mint,
                                                      c.maxt);
                                }),
                 cs.end());
        if (cs.empty()) continue;
      }
    }
    out.push_back(std::move(e));
  }
  // Sort an index, not the entries: moving entries costs more than
  // comparing their labels.
  std::vector<uint32_t> order(out.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&out](uint32_t a, uint32_t b) {
    return out[a].labels < out[b].labels;
  });
  std::vector<internal::SeriesEntry> sorted;
  sorted.reserve(out.size());
  for (uint32_t i : order) sorted.push_back(std::move(out[i]));
  return sorted;
}

class HeadQuerier final : public storage::Querier {
 public:
  HeadQuerier(const Head* h, int64_t mint, int64_t maxt)
      : h_(h), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(
      bool sorted, const storage::SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    if (matchers.empty()) {
      return storage::EmptySeriesSet(
          absl::InvalidArgumentError("no matchers given to Select"));
    }
    return internal::NewListSeriesSet(h_->SelectEntries(mint_, maxt_, &matchers),
                                      mint_, maxt_);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name,
      const std::vector<model::Matcher>& matchers) override {
    if (!Overlaps()) return std::vector<std::string>();
    if (matchers.empty()) return h_->postings_.LabelValues(name);
    std::set<std::string> vals;
    for (const auto& e : h_->SelectEntries(mint_, maxt_, &matchers)) {
      absl::string_view v = e.labels.Get(name);
      if (!v.empty()) vals.emplace(v);
    }
    return std::vector<std::string>(vals.begin(), vals.end());
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) override {
    if (!Overlaps()) return std::vector<std::string>();
    if (matchers.empty()) return h_->postings_.LabelNames();
    std::set<std::string> names;
    for (const auto& e : h_->SelectEntries(mint_, maxt_, &matchers)) {
      for (model::LabelView l : e.labels) names.emplace(l.name);
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

 private:
  bool Overlaps() const {
    int64_t hmin = h_->MinTime(), hmax = h_->MaxTime();
    return hmin <= hmax && !(hmax < mint_ || hmin > maxt_);
  }

  const Head* h_;
  int64_t mint_, maxt_;
};

absl::StatusOr<std::unique_ptr<storage::Querier>> Head::NewQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  return std::unique_ptr<storage::Querier>(
      new HeadQuerier(this, mint_ms, maxt_ms));
}

}  // namespace vigil::tsdb
