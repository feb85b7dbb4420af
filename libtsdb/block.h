// A Block is an immutable, on-disk slice of the TSDB covering
// [min_time, max_time): `<dir>/meta.json`, `index`, `chunks/000001...` and
// `tombstones`, in Prometheus's block format, so Prometheus and promtool
// read Vigil's blocks and Vigil reads Prometheus's. Formats:
// libtsdb/docs/format/{index,chunks,tombstones}.md.
//
// WriteBlock creates one from series entries (the head, or blocks being
// compacted); Block::Open maps one for queries. A block changes only
// through Delete(), which rewrites its tombstones file.
//
// Thread safety: all methods may be called concurrently. Entries returned
// by Select keep the block's files mapped while they live, so a block may
// be deleted from disk while queries still read it.

#ifndef VIGIL_LIBTSDB_BLOCK_H_
#define VIGIL_LIBTSDB_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/chunks/chunk_files.h"
#include "libtsdb/index/index_reader.h"
#include "libtsdb/internal/series_entry.h"
#include "libtsdb/tombstones.h"
#include "model/matcher.h"

namespace vigil::tsdb {

struct BlockMeta {
  struct Parent {
    std::string ulid;
    int64_t min_time = 0;
    int64_t max_time = 0;
  };
  std::string ulid;
  int64_t min_time = 0;  // inclusive
  int64_t max_time = 0;  // exclusive
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;
  int level = 1;
  std::vector<std::string> sources;
  std::vector<Parent> parents;
  int version = 1;
};

// meta.json as Prometheus writes it.
std::string EncodeMeta(const BlockMeta& meta);
// Returns DataLoss naming `what` for invalid JSON or missing fields.
absl::StatusOr<BlockMeta> ParseMeta(absl::string_view json,
                                    absl::string_view what);
// A new ULID (26 Crockford base32 chars) for time `ms`.
std::string NewULID(int64_t ms);

class Block {
 public:
  // Opens `dir`. DataLoss names the file when meta.json, index, chunk
  // files or tombstones are damaged; NotFound when a file is missing.
  static absl::StatusOr<std::shared_ptr<Block>> Open(const std::string& dir);

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  int64_t Size() const;
  bool Overlaps(int64_t mint, int64_t maxt) const {
    return meta_.min_time <= maxt && mint < meta_.max_time;
  }

  // Series with chunks overlapping [mint, maxt], sorted by labels, with
  // their tombstones. All series when `matchers` is null. DataLoss when a
  // series or chunk fails its checksum.
  absl::StatusOr<std::vector<internal::SeriesEntry>> Select(
      int64_t mint, int64_t maxt,
      const std::vector<model::Matcher>* matchers) const;
  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) const;
  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name, const std::vector<model::Matcher>& matchers) const;

  // Adds tombstones for matching series over [mint, maxt] and rewrites
  // the tombstones file. Returns the number of series affected.
  absl::StatusOr<int> Delete(int64_t mint, int64_t maxt,
                             const std::vector<model::Matcher>& matchers);
  bool HasTombstones() const;

 private:
  Block() = default;

  std::string dir_;
  BlockMeta meta_;
  std::unique_ptr<index::IndexReader> index_;
  std::unique_ptr<chunks::ChunkReader> chunks_;
  mutable absl::Mutex mu_;
  TombstoneMap tombstones_;
};

// How WriteBlock lays out and encodes chunks.
struct ChunkLayout {
  // > 120: each series is cut anew into chunks of this many samples (at
  // most 65535, the format's limit), unless its chunks already hold that
  // many (all but the last), which are kept. <= 120: chunk boundaries are
  // kept. See Options::block_samples_per_chunk.
  int samples_per_chunk = 0;
  // Kept chunks are re-encoded by XorChunk::Encode (the smallest
  // encoding) instead of copied. Chunks cut anew always are.
  bool reencode = false;
};

// Writes a block under `parent` from `entries` (sorted by labels, unique)
// restricted to [mint, maxt). Chunks entirely inside the range and
// untouched by tombstones are kept as they are (see `layout`); other
// series are re-encoded without deleted samples, in chunks of 120 samples
// or layout.samples_per_chunk. Writes into a temporary directory and
// renames it, so a crash leaves no partial block. Returns the meta; its
// ulid is empty when no series had samples (nothing is written).
absl::StatusOr<BlockMeta> WriteBlock(
    const std::string& parent, const std::vector<internal::SeriesEntry>& entries,
    int64_t mint, int64_t maxt, int level,
    const std::vector<std::string>& sources,
    const std::vector<BlockMeta::Parent>& parents,
    const ChunkLayout& layout = ChunkLayout());

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_BLOCK_H_
