// Options for DB::Open: a plain struct, each field with its default
// (LevelDB's options.h register).
//
// Thread safety: a value type.

#ifndef VIGIL_LIBTSDB_OPTIONS_H_
#define VIGIL_LIBTSDB_OPTIONS_H_

#include <atomic>
#include <cstdint>
#include <functional>

namespace vigil::tsdb {

struct BlockMeta;  // block.h

// How far Open's WAL replay has come, in Prometheus's terms
// (/api/v1/status/walreplay): segments `min` (the checkpoint's index, else
// 0) to `max` (the segment Open starts writing, after the last one found),
// `current` the last one fully replayed. Open sets min and max before
// replaying, then raises current to max. The caller owns it and may read
// it from any thread while Open runs.
struct ReplayProgress {
  std::atomic<int> min{0};
  std::atomic<int> max{0};
  std::atomic<int> current{0};
};

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
  // Retention (time or size) deletes only blocks for which this returns
  // true; unset: every block it chose. For a block shipper such as a Thanos
  // sidecar that has not uploaded a block yet. Called with the compaction
  // lock held, from the compaction thread.
  std::function<bool(const BlockMeta&)> may_delete_block;
  // Samples per head chunk. Default 120.
  int samples_per_chunk = 120;
  // Appends (scrape, remote write, gRPC, rule results: every path ends in
  // the head) more than this far ahead of the wall clock fail with "too
  // far in the future" (storage/appender.h) and are counted in
  // DBStats::head.too_far_in_future. <= 0 disables the check. WAL replay
  // is never checked. Default 10 minutes.
  //
  // Why: an accepted sample moves the head's max time, and everything
  // older than max time - block_range_ms / 2 is then out of bounds; one
  // sample a century ahead would stop all ingestion. The limit must stay
  // well under block_range_ms / 2 (1h by default) so a sample at the
  // limit still leaves room for current ones, and above the clock skew
  // between senders and this host. 10 minutes is Prometheus's own limit
  // for scraped and remote-written samples (maxAheadTime).
  int64_t max_future_ms = 10 * 60 * 1000;
  // Every block written (cut from the head, compacted, rewritten without
  // deleted samples) holds each series in chunks of up to this many
  // samples (at most 65535); 0 or <= 120 keeps the head's chunks as they
  // are. Default 480.
  //
  // Trade-off (bench/tsdb_bench.cc, bytes/sample with chunks of 120 / 240
  // / 480 / 960 samples, 24h compacted): node-exporter replay 1.77 / 1.69
  // / 1.64 / 1.62, synthetic mix 1.38 / 1.29 / 1.24 / 1.22; in a 2h block
  // cut from the head, 120 / 240 / 480: replay 1.86 / 1.76 / 1.68,
  // synthetic 1.49 / 1.35 / 1.30. Each
  // chunk carries ~20 fixed bytes (header, first timestamp and value, file
  // framing) and the index one entry. Queries pay in decoding: a Seek into
  // a chunk decodes up to all of it before the point, ~0.5 us per 120
  // samples (BM_XorChunk_SeekToEnd); only the first and last chunk of a
  // query's range are partly read. 480 (2h at 15s) takes most of the gain
  // at 4x the worst-case seek. More in libtsdb/README.md.
  int block_samples_per_chunk = 480;
  // Blocks (cut from the head or compacted) get the smallest XOR encoding
  // of their samples (chunkenc::XorChunk::Encode) instead of the head's
  // sample-by-sample one: same samples and chunk boundaries, fewer bytes,
  // more CPU when blocks are written. Default true.
  bool reencode_chunks = true;
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
  // Threads applying WAL samples while Open replays (samples sharded by
  // series, so each series keeps its WAL order). 0: one per CPU; 1: the
  // opening thread alone. Default 1: reading and decoding the WAL is
  // about half the work and stays on the opening thread; on 2 cores two
  // appliers were between 12% slower and 15% faster than one from run to
  // run (BM_DB_OpenReplayWal10kSeries2h). Try more with many cores.
  int replay_threads = 1;
  // Updated while Open replays the WAL when set; must outlive Open.
  ReplayProgress* replay_progress = nullptr;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_OPTIONS_H_
