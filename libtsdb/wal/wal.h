// Wal: the write-ahead log, segmented as Prometheus's (tsdb/wlog) so the
// files are interchangeable: `dir/00000000`, `dir/00000001`, ... of 32 KiB
// pages, plus `dir/checkpoint.NNNNNNNN/` folding older segments.
// Format: libtsdb/docs/format/wal.md.
//
// Open() replays the last checkpoint and the segments after it through a
// callback, repairs what it finds, and starts a fresh segment:
//  - a torn tail (the last record of the last segment cut off by a
//    crash) is truncated away;
//  - a corrupt record anywhere (bad checksum, bad framing) is repaired by
//    truncating its segment there and deleting later segments; the number
//    of records dropped is counted in ReplayStats and logged to stderr.
// Neither case is an error: the DB opens with every record before the
// damage. Open fails only on I/O errors.
//
// Thread safety: Log/Sync/NextSegment/Checkpoint may be called
// concurrently (one internal lock).

#ifndef VIGIL_LIBTSDB_WAL_WAL_H_
#define VIGIL_LIBTSDB_WAL_WAL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/wal/segment.h"

namespace vigil::tsdb::wal {

struct WalOptions {
  // Segment file size; a multiple of 32 KiB. Default 128 MiB.
  int64_t segment_size = kDefaultSegmentSize;
  // fdatasync after every Log call (slower; survives power loss, not just
  // process crashes). Default false, as Prometheus.
  bool sync_every_log = false;
};

struct ReplayStats {
  uint64_t records = 0;          // records handed to the callback
  uint64_t dropped_records = 0;  // lost to a corruption repair
  uint64_t torn_bytes = 0;       // cut from a torn tail
  bool repaired = false;         // a corruption was repaired
  int checkpoint = -1;           // index of the checkpoint replayed
  int first_segment = -1;        // segments replayed, inclusive
  int last_segment = -1;
  std::string repair_message;    // what was repaired, where
};

class Wal {
 public:
  using RecordFn = absl::FunctionRef<void(absl::string_view record)>;

  // Replays and repairs `dir` (created if missing), then opens a new
  // segment for writing.
  static absl::StatusOr<std::unique_ptr<Wal>> Open(const std::string& dir,
                                                   const WalOptions& options,
                                                   RecordFn fn,
                                                   ReplayStats* stats);
  // A writer on an empty directory, without replay (checkpoints, tests).
  static absl::StatusOr<std::unique_ptr<Wal>> Create(const std::string& dir,
                                                     const WalOptions& options);
  ~Wal();

  // Appends one record. Records never span segments.
  absl::Status Log(absl::string_view record);
  absl::Status Sync();
  // Closes the current segment (padding its last page) and starts the next.
  absl::Status NextSegment();
  absl::Status Close();

  // Folds segments up to and including `upto` (which must be before the
  // segment being written) into `checkpoint.<upto>`: series records whose
  // ref `keep` accepts, samples with t >= mint, tombstones of kept series
  // ending at or after mint. Then deletes those segments and older
  // checkpoints.
  absl::Status Checkpoint(int upto, absl::FunctionRef<bool(uint64_t)> keep,
                          int64_t mint);

  int current_segment() const;
  const std::string& dir() const { return dir_; }
  // Bytes of segments and checkpoints on disk.
  int64_t Size() const;

 private:
  Wal(std::string dir, WalOptions options);
  absl::Status OpenSegmentLocked(int index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FlushLocked(bool pad) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CloseSegmentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  const WalOptions opts_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  int segment_ ABSL_GUARDED_BY(mu_) = -1;
  size_t pages_done_ ABSL_GUARDED_BY(mu_) = 0;  // full pages in segment
  std::string page_ ABSL_GUARDED_BY(mu_);
  size_t page_alloc_ ABSL_GUARDED_BY(mu_) = 0;
  size_t page_flushed_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// Checkpoint directory name for index `i`.
std::string CheckpointName(int i);
// The newest complete checkpoint in `dir`: (path, index), or index -1.
std::pair<std::string, int> LastCheckpoint(const std::string& dir);

// Reads every record of the segments in `dir` (a WAL or checkpoint
// directory) without repairing; stats count what could not be read.
absl::Status ReadAll(const std::string& dir, Wal::RecordFn fn,
                     ReplayStats* stats);

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIBTSDB_WAL_WAL_H_
