// Options for DB::Open: a plain struct, each field with its default
// (LevelDB's options.h register).
//
// Thread safety: a value type.

#ifndef VIGIL_LIBTSDB_OPTIONS_H_
#define VIGIL_LIBTSDB_OPTIONS_H_

#include <cstdint>

namespace vigil::tsdb {

struct Options {
  // Smallest block: the head is cut into blocks of this range, aligned to
  // multiples of it. Default 2h (Prometheus's DefaultBlockDuration).
  int64_t block_range_ms = 2 * 3600 * 1000;
  // Compaction merges adjacent blocks into ranges of block_range_ms * 3^k
  // up to this. 0: min(31d, retention_ms / 10), at least block_range_ms.
  int64_t max_block_range_ms = 0;
  // Blocks entirely older than (newest sample - retention_ms) are deleted.
  // 0 disables. Default 15d.
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  // Oldest blocks are deleted while blocks + WAL exceed this. 0 disables.
  int64_t retention_bytes = 0;
  // Samples per head chunk. Default 120.
  int samples_per_chunk = 120;
  // Head lock stripes (power of two). Default 4096.
  int head_stripes = 4096;
  // WAL segment size, a multiple of 32 KiB. Default 128 MiB.
  int64_t wal_segment_size = 128 * 1024 * 1024;
  // fdatasync the WAL on every commit. Default false (as Prometheus: a
  // killed process loses nothing, a power cut may lose the last seconds).
  bool wal_sync_on_commit = false;
  // Move full head chunks out of the heap into memory-mapped files under
  // `<dir>/chunks_head/` (recovery still comes from the WAL). Default true.
  bool mmap_head_chunks = true;
  // Run Compact() on a background thread every compaction_interval_ms.
  // Default true, every minute.
  bool background_compaction = true;
  int64_t compaction_interval_ms = 60 * 1000;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_OPTIONS_H_
