#include "libtsdb/head.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libtsdb/internal/head_series.h"

namespace vigil::tsdb {

Head::Head(HeadOptions options, HeadLog* log)
    : opts_(options), log_(log) {
  int n = 1;
  while (n < opts_.stripes) n <<= 1;
  const_cast<HeadOptions&>(opts_).stripes = n;
  if (opts_.samples_per_chunk <= 0) {
    const_cast<HeadOptions&>(opts_).samples_per_chunk = 120;
  }
  if (opts_.chunk_range_ms <= 0) {
    const_cast<HeadOptions&>(opts_).chunk_range_ms = 2 * 3600 * 1000;
  }
  refs_ = std::make_unique<RefStripe[]>(n);
  hashes_ = std::make_unique<HashStripe[]>(n);
}

Head::~Head() = default;

Head::Series* Head::GetByRef(uint64_t ref, bool pin) const {
  RefStripe& st = refs_[ref & (opts_.stripes - 1)];
  internal::SpinGuard l(st.mu);
  auto it = st.m.find(ref);
  if (it == st.m.end()) return nullptr;
  if (pin) it->second->pending.fetch_add(1, std::memory_order_relaxed);
  return it->second.get();
}

Head::Series* Head::GetOrCreate(const model::Labels& labels, uint64_t want_ref,
                                bool pin, bool* created,
                                absl::Status* invalid) {
  *created = false;
  uint64_t hash = labels.Hash();
  HashStripe& hs = hashes_[hash & (opts_.stripes - 1)];
  Series* s = nullptr;
  {
    internal::SpinGuard hl(hs.mu);
    auto& vec = hs.m[hash];
    for (Series* c : vec) {
      if (c->labels == labels) {
        s = c;
        break;
      }
    }
    if (s == nullptr && invalid != nullptr) {
      *invalid = model::ValidateLabels(labels, false);
      if (!invalid->ok()) {
        if (vec.empty()) hs.m.erase(hash);
        return nullptr;
      }
    }
    if (s == nullptr) {
      uint64_t ref = want_ref;
      if (ref == 0) {
        ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
      } else {
        uint64_t cur = next_ref_.load();
        while (cur <= ref && !next_ref_.compare_exchange_weak(cur, ref + 1)) {
        }
      }
      auto owned = std::make_unique<Series>(ref, labels);
      s = owned.get();
      RefStripe& rs = refs_[ref & (opts_.stripes - 1)];
      {
        internal::SpinGuard rl(rs.mu);
        rs.m[ref] = std::move(owned);
      }
      vec.push_back(s);
      *created = true;
    }
    if (pin) s->pending.fetch_add(1, std::memory_order_relaxed);
  }
  if (*created) {
    postings_.Add(s->ref, s->labels);
    num_series_.fetch_add(1, std::memory_order_relaxed);
    series_created_.fetch_add(1, std::memory_order_relaxed);
  }
  return s;
}

bool Head::HasSeries(uint64_t ref) const {
  return GetByRef(ref, false) != nullptr;
}

int64_t Head::MinTime() const { return min_time_.load(); }
int64_t Head::MaxTime() const { return max_time_.load(); }

int64_t Head::MinValidTime() const {
  int64_t mv = min_valid_time_.load(std::memory_order_relaxed);
  int64_t maxt = max_time_.load(std::memory_order_relaxed);
  if (maxt != INT64_MIN) mv = std::max(mv, maxt - opts_.chunk_range_ms / 2);
  return mv;
}

int64_t Head::MaxValidTime(int64_t now_ms) const {
  const int64_t ahead = opts_.max_future_ms;
  if (ahead <= 0 || now_ms > INT64_MAX - ahead) return INT64_MAX;
  return now_ms + ahead;
}

void Head::SetMinValidTime(int64_t t) {
  int64_t cur = min_valid_time_.load();
  while (cur < t && !min_valid_time_.compare_exchange_weak(cur, t)) {
  }
}

void Head::UpdateTimeBounds(int64_t t) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (t < cur && !min_time_.compare_exchange_weak(cur, t)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (t > cur && !max_time_.compare_exchange_weak(cur, t)) {
  }
}

HeadStats Head::Stats() const {
  HeadStats st;
  st.num_series = num_series_.load();
  for (int i = 0; i < opts_.stripes; ++i) {
    internal::SpinGuard l(refs_[i].mu);
    for (const auto& [ref, s] : refs_[i].m) {
      internal::SpinGuard sl(s->mu);
      st.num_chunks += s->full.size() + (s->has_open ? 1 : 0);
      for (const auto& c : s->full) {
        st.chunk_bytes += c.bytes.size();
        st.mmapped_chunks += c.mapped ? 1 : 0;
      }
      if (s->has_open) st.chunk_bytes += s->open.size();
    }
  }
  int64_t mint = min_time_.load(), maxt = max_time_.load();
  if (mint != INT64_MAX && maxt != INT64_MIN && mint <= maxt) {
    st.min_time = mint;
    st.max_time = maxt;
  }
  st.samples_appended = samples_appended_.load();
  st.out_of_order = out_of_order_.load();
  st.duplicates = duplicates_.load();
  st.out_of_bounds = out_of_bounds_.load();
  st.too_far_in_future = too_far_in_future_.load();
  st.series_created = series_created_.load();
  st.series_removed = series_removed_.load();
  return st;
}

absl::Status Head::Delete(int64_t mint, int64_t maxt,
                          const std::vector<model::Matcher>& matchers) {
  if (matchers.empty()) {
    return absl::InvalidArgumentError("delete needs at least one matcher");
  }
  if (mint > maxt) {
    return absl::InvalidArgumentError(
        absl::StrCat("delete range start ", mint, " is after end ", maxt));
  }
  index::Postings refs = index::PostingsForMatchers(postings_, matchers);
  std::vector<RefTombstone> stones;
  stones.reserve(refs.size());
  for (uint64_t ref : refs) stones.push_back(RefTombstone{ref, {mint, maxt}});
  if (log_ != nullptr && !stones.empty()) {
    absl::Status st = log_->LogTombstones(stones);
    if (!st.ok()) return st;
  }
  for (const RefTombstone& t : stones) tombstones_.Add(t.ref, t.iv);
  return absl::OkStatus();
}

std::vector<uint64_t> Head::Truncate(int64_t mint) {
  SetMinValidTime(mint);
  struct Candidate {
    uint64_t ref;
    uint64_t hash;
  };
  std::vector<Candidate> empty;
  int64_t new_min = INT64_MAX;
  for (int i = 0; i < opts_.stripes; ++i) {
    internal::SpinGuard l(refs_[i].mu);
    for (auto& [ref, s] : refs_[i].m) {
      internal::SpinGuard sl(s->mu);
      auto& full = s->full;
      full.erase(std::remove_if(full.begin(), full.end(),
                                [mint](const Series::FullChunk& c) {
                                  return c.maxt < mint;
                                }),
                 full.end());
      if (s->has_open && s->last_t.load() < mint) {
        s->has_open = false;
        s->open = chunkenc::XorChunk();
        s->next_at = INT64_MIN;
      }
      if (!full.empty()) new_min = std::min(new_min, full.front().mint);
      else if (s->has_open) new_min = std::min(new_min, s->open_mint);
      if (full.empty() && !s->has_open && s->pending.load() == 0) {
        empty.push_back(Candidate{ref, s->labels.Hash()});
      }
    }
  }
  std::vector<uint64_t> removed;
  absl::flat_hash_set<uint64_t> removed_set;
  for (const Candidate& c : empty) {
    HashStripe& hs = hashes_[c.hash & (opts_.stripes - 1)];
    RefStripe& rs = refs_[c.ref & (opts_.stripes - 1)];
    internal::SpinGuard hl(hs.mu);
    internal::SpinGuard rl(rs.mu);
    auto it = rs.m.find(c.ref);
    if (it == rs.m.end()) continue;
    Series* s = it->second.get();
    {
      internal::SpinGuard sl(s->mu);
      if (!s->full.empty() || s->has_open || s->pending.load() != 0) continue;
    }
    auto hit = hs.m.find(c.hash);
    if (hit != hs.m.end()) {
      auto& vec = hit->second;
      vec.erase(std::remove(vec.begin(), vec.end(), s), vec.end());
      if (vec.empty()) hs.m.erase(hit);
    }
    rs.m.erase(it);
    removed.push_back(c.ref);
    removed_set.insert(c.ref);
  }
  postings_.Delete(removed_set);
  for (uint64_t ref : removed) tombstones_.Erase(ref);
  num_series_.fetch_sub(removed.size());
  series_removed_.fetch_add(removed.size());
  min_time_.store(new_min);
  if (new_min == INT64_MAX) {
    // Empty head: keep max_time_ so the appendable window stays.
  }
  return removed;
}

void Head::ReplaySeries(const RefSeries& rs) {
  bool created;
  Series* s = GetOrCreate(rs.labels, rs.ref, false, &created);
  s->logged.store(true, std::memory_order_release);
  if (!created && s->ref != rs.ref) {
    absl::MutexLock l(&alias_mu_);
    alias_[rs.ref] = s->ref;
    has_alias_.store(true, std::memory_order_release);
  }
}

uint64_t Head::ReplayTarget(uint64_t ref) {
  if (!has_alias_.load(std::memory_order_acquire)) return ref;
  absl::MutexLock l(&alias_mu_);
  auto it = alias_.find(ref);
  return it == alias_.end() ? ref : it->second;
}

uint64_t Head::ReplaySamples(absl::Span<const RefSample> batch)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Replay is bound by cache misses: the series, its open chunk. Resolving
  // every ref first and prefetching a few samples ahead overlaps them.
  std::vector<Series*> ss(batch.size());
  uint64_t unknown = 0, appended_n = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    Series* s = GetByRef(batch[i].ref, false);
    if (s == nullptr) s = GetByRef(ReplayTarget(batch[i].ref), false);
    if (s == nullptr) ++unknown;
    ss[i] = s;
  }
  constexpr size_t kAhead = 6;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i + 2 * kAhead < ss.size() && ss[i + 2 * kAhead] != nullptr) {
      __builtin_prefetch(ss[i + 2 * kAhead], 1);
    }
    // Its struct was asked for kAhead samples ago. Unlocked read of the
    // chunk's address: this thread alone appends to the series during
    // replay, and a stale address only wastes the prefetch.
    if (i + kAhead < ss.size() && ss[i + kAhead] != nullptr) {
      const std::string& b = ss[i + kAhead]->open.bytes();
      __builtin_prefetch(b.data(), 1);
      if (!b.empty()) __builtin_prefetch(b.data() + b.size() - 1, 1);
    }
    Series* s = ss[i];
    if (s == nullptr) continue;
    const RefSample& rs = batch[i];
    bool appended;
    {
      internal::SpinGuard sl(s->mu);
      AppendLocked(s, rs.t, rs.v, &appended);
    }
    if (appended) {
      ++appended_n;
      mint = std::min(mint, rs.t);
      maxt = std::max(maxt, rs.t);
    }
  }
  // Shared counters once a batch: replay threads would contend on them.
  if (appended_n > 0) {
    UpdateTimeBounds(mint);
    UpdateTimeBounds(maxt);
    samples_appended_.fetch_add(appended_n, std::memory_order_relaxed);
  }
  return unknown;
}

void Head::ReplayTombstone(const RefTombstone& t) {
  tombstones_.Add(ReplayTarget(t.ref), t.iv);
}

}  // namespace vigil::tsdb
