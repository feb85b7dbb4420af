// A Head holds the newest samples of every series in memory, with the
// index that finds them, until they are compacted into a block. It
// implements storage::Appendable and storage::Queryable, so it can also
// be used alone as a fast in-memory store.
//
// Layout: series live in lock stripes keyed by ref and by label hash
// (Prometheus's stripeSeries); each series has its own lock, a list of
// immutable full XOR chunks (~120 samples, cut at chunk-range boundaries)
// and one open chunk. The inverted index (MemPostings) is updated only
// when a series is created.
//
// Appends are checked per sample: a timestamp older than the series'
// last one is "out of order sample", an equal timestamp with different
// value bits is "duplicate sample for timestamp", and one older than the
// head's appendable window is "out of bounds", and one more than
// HeadOptions::max_future_ms ahead of the wall clock (read once per
// appender) is "too far in the future" (storage/appender.h). Equal
// timestamp and bits is accepted and ignored.
//
// Invariants:
//  1. A series ref is never reused while the process lives.
//  2. A series is garbage-collected only by Truncate(), only when it has
//     no chunks left and no appender holds uncommitted samples for it.
//  3. Full chunks are immutable and shared with readers by reference.
//
// Thread safety: all methods may be called concurrently. An Appender is
// used by one thread at a time and ends with Commit() or Rollback().

#ifndef VIGIL_LIBTSDB_HEAD_H_
#define VIGIL_LIBTSDB_HEAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "libtsdb/chunks/head_chunks.h"
#include "libtsdb/index/mem_postings.h"
#include "libtsdb/internal/series_entry.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"
#include "libtsdb/tombstones.h"
#include "model/labels.h"

namespace vigil::tsdb {

struct HeadOptions {
  // Chunks never span a multiple of this (the block range), so the head
  // cuts into blocks on chunk boundaries. Default 2h.
  int64_t chunk_range_ms = 2 * 3600 * 1000;
  // Samples per chunk before a new one is cut. Default 120.
  int samples_per_chunk = 120;
  // Lock stripes; a power of two. Default 4096.
  int stripes = 4096;
  // Appends more than this ahead of the wall clock, as read when the
  // appender is created, are "too far in the future". <= 0 disables the
  // check. Default 10 minutes (the reasons are at Options::max_future_ms).
  int64_t max_future_ms = 10 * 60 * 1000;
  // When set, full chunks are copied into these memory-mapped files and
  // leave the heap (not owned; must outlive the head).
  chunks::HeadChunkFiles* chunk_files = nullptr;
};

struct HeadStats {
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;          // full + open chunks
  uint64_t chunk_bytes = 0;         // encoded bytes in chunks
  uint64_t mmapped_chunks = 0;      // full chunks living in chunks_head/
  int64_t min_time = 0;             // 0/0 when empty
  int64_t max_time = 0;
  uint64_t samples_appended = 0;    // committed samples
  uint64_t out_of_order = 0;        // rejected, per kind
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;
  uint64_t too_far_in_future = 0;   // beyond HeadOptions::max_future_ms
  uint64_t series_created = 0;
  uint64_t series_removed = 0;
};

// A sample or series as the head logs them (WAL record payloads).
struct RefSeries {
  uint64_t ref;
  model::Labels labels;
};
struct RefSample {
  uint64_t ref;
  int64_t t;
  double v;
};
struct RefTombstone {
  uint64_t ref;
  Interval iv;
};

// Where the head makes appends durable before applying them (the DB's
// WAL). Called with batches from Commit/Rollback/Delete; an error fails
// the commit.
class HeadLog {
 public:
  virtual ~HeadLog() = default;
  virtual absl::Status LogSeries(const std::vector<RefSeries>& series) = 0;
  virtual absl::Status LogSamples(const std::vector<RefSample>& samples) = 0;
  virtual absl::Status LogTombstones(
      const std::vector<RefTombstone>& stones) = 0;
};

class Head final : public storage::Appendable, public storage::Queryable {
 public:
  // `log` may be null (no durability); it must outlive the head.
  explicit Head(HeadOptions options = HeadOptions(), HeadLog* log = nullptr);
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  std::unique_ptr<storage::Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

  HeadStats Stats() const;
  int64_t MinTime() const;  // INT64_MAX when empty
  int64_t MaxTime() const;  // INT64_MIN when empty
  // Appends older than this are out of bounds.
  int64_t MinValidTime() const;
  // Appends newer than this are too far in the future: `now_ms` plus
  // max_future_ms (saturating), or INT64_MAX when the check is disabled.
  int64_t MaxValidTime(int64_t now_ms) const;

  // Adds tombstones for series matching `matchers` over [mint, maxt] and
  // logs them. Returns InvalidArgument for an empty matcher list.
  absl::Status Delete(int64_t mint, int64_t maxt,
                      const std::vector<model::Matcher>& matchers);

  // Drops chunks entirely before `mint`, series left without chunks, and
  // tombstones of removed series; later appends before `mint` are out of
  // bounds. Returns the refs of removed series.
  std::vector<uint64_t> Truncate(int64_t mint);

  // Entries (sorted by labels) for all series with samples in
  // [mint, maxt], chunks cut to that range, tombstones attached — what a
  // block is written from.
  std::vector<internal::SeriesEntry> SelectEntries(
      int64_t mint, int64_t maxt,
      const std::vector<model::Matcher>* matchers) const;

  // Whether series `ref` exists (for WAL checkpoints).
  bool HasSeries(uint64_t ref) const;

  // --- WAL replay: applied without logging and without the appendable
  // window check. Unknown refs in samples are counted and dropped.
  void ReplaySeries(const RefSeries& s);
  // Applies samples in order; returns how many had an unknown ref. Safe
  // to call concurrently for batches of different series, while nothing
  // else appends.
  uint64_t ReplaySamples(absl::Span<const RefSample> batch);
  // The ref whose series the samples of `ref` go to: `ref` itself, or
  // the first ref of the same labels when a replayed series record named
  // them again under another ref. Samples of one series share it, so
  // replay may shard by it.
  uint64_t ReplayTarget(uint64_t ref);
  void ReplayTombstone(const RefTombstone& t);
  // Sets the appendable lower bound (after replaying a checkpoint whose
  // data before `t` lives in blocks).
  void SetMinValidTime(int64_t t);

  const index::MemPostings& postings() const { return postings_; }

 private:
  friend class HeadAppender;
  friend class HeadQuerier;
  struct Series;
  struct RefStripe;
  struct HashStripe;

  // Looks up by ref; when `pin`, counts a pending append under the stripe
  // lock so the series cannot be collected. Null when unknown.
  Series* GetByRef(uint64_t ref, bool pin) const;
  // Finds or creates the series for `labels`; *created says which.
  // When `invalid` is non-null, labels of a series about to be created
  // are validated first; on failure *invalid is set and null returned.
  Series* GetOrCreate(const model::Labels& labels, uint64_t want_ref,
                      bool pin, bool* created,
                      absl::Status* invalid = nullptr);
  // Appends under the series lock; returns the AppendError kind.
  // *appended tells whether a sample was stored (an equal duplicate is
  // accepted but not stored).
  storage::AppendError AppendLocked(Series* s, int64_t t, double v,
                                    bool* appended);
  void UpdateTimeBounds(int64_t t);
  internal::SeriesEntry EntryFor(Series* s, int64_t mint, int64_t maxt) const;

  const HeadOptions opts_;
  HeadLog* const log_;
  std::unique_ptr<RefStripe[]> refs_;
  std::unique_ptr<HashStripe[]> hashes_;
  index::MemPostings postings_;
  TombstoneMap tombstones_;
  // WAL refs of duplicate series records -> the live ref (replay only).
  absl::Mutex alias_mu_;
  absl::flat_hash_map<uint64_t, uint64_t> alias_ ABSL_GUARDED_BY(alias_mu_);
  std::atomic<bool> has_alias_{false};  // alias_ is not empty

  std::atomic<uint64_t> next_ref_{1};
  std::atomic<int64_t> min_time_{INT64_MAX};
  std::atomic<int64_t> max_time_{INT64_MIN};
  std::atomic<int64_t> min_valid_time_{INT64_MIN};

  mutable std::atomic<uint64_t> num_series_{0};
  std::atomic<uint64_t> num_chunks_{0};
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> out_of_bounds_{0};
  std::atomic<uint64_t> too_far_in_future_{0};
  std::atomic<uint64_t> series_created_{0};
  std::atomic<uint64_t> series_removed_{0};
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_HEAD_H_
