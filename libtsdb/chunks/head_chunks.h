// HeadChunkFiles moves full head chunks out of the heap: each chunk is
// copied into a memory-mapped, file-backed segment under `chunks_head/`,
// in Prometheus's head chunk layout, and the head keeps only a view into
// the mapping. The kernel can write those pages back and drop them, so the
// resident heap holds only open chunks. Format:
// libtsdb/docs/format/chunks.md ("Head chunk files").
//
// The files are a memory tier, not a recovery source: the WAL is replayed
// on open, so Open() deletes whatever an earlier process left.
//
// A segment's file is unlinked and unmapped when the last chunk view into
// it is released (after head truncation) and it is no longer written.
//
// Disk space is reserved (fallocate) ahead of the chunks copied into a
// segment, in steps of 1 MiB, so writing through the mapping never meets
// a full disk (which would raise SIGBUS, not an error). When the
// reservation fails, Write returns the error (ResourceExhausted for a
// full disk) and counts it; the head then keeps that chunk on the heap,
// and later Writes try again.
//
// Thread safety: Write may be called concurrently (internal lock); views
// are immutable.

#ifndef VIGIL_LIBTSDB_CHUNKS_HEAD_CHUNKS_H_
#define VIGIL_LIBTSDB_CHUNKS_HEAD_CHUNKS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vigil::tsdb::chunks {

inline constexpr uint32_t kHeadChunksMagic = 0x0130BC91;

struct MappedChunk {
  std::shared_ptr<const void> owner;  // keeps the mapping alive
  absl::string_view bytes;            // the chunk data (XOR incl. header)
};

class HeadChunkFiles {
 public:
  // Uses `dir` (created; old files removed); segments of `segment_size`.
  static absl::StatusOr<std::unique_ptr<HeadChunkFiles>> Open(
      const std::string& dir, int64_t segment_size = 128LL * 1024 * 1024);
  ~HeadChunkFiles();

  // Copies a full chunk of series `ref` spanning [mint, maxt] to disk.
  // Errors: ResourceExhausted when no disk space could be reserved,
  // Internal for other I/O errors, InvalidArgument for a chunk larger than
  // a segment.
  absl::StatusOr<MappedChunk> Write(uint64_t ref, int64_t mint, int64_t maxt,
                                    absl::string_view data);

  // Bytes written into live segments (for stats).
  int64_t bytes_written() const;
  // Writes that failed for I/O reasons (a full disk) since Open.
  uint64_t write_failures() const;

 private:
  struct Segment;
  HeadChunkFiles(std::string dir, int64_t segment_size)
      : dir_(std::move(dir)), segment_size_(segment_size) {}
  absl::Status CutLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reserves disk space in `seg` for bytes up to `end`.
  static absl::Status ReserveLocked(Segment* seg, size_t end);

  const std::string dir_;
  const int64_t segment_size_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Segment> cur_ ABSL_GUARDED_BY(mu_);
  int next_index_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t write_failures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::tsdb::chunks

#endif  // VIGIL_LIBTSDB_CHUNKS_HEAD_CHUNKS_H_
