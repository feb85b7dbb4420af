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
// Write failures (ENOSPC, EIO): a Log that fails leaves no trace. Its
// bytes are cut off again (the segment is truncated back to the end of
// the last good record), so a record is either wholly in the log or not
// at all, and no torn record ever precedes later ones. The error is
// returned (ResourceExhausted for a full disk, Internal otherwise) and
// counted in WalStats; the Wal stays usable, and the next Log after space
// returns succeeds by itself. A failed segment switch keeps writing the
// current segment. Only a failed truncation (the disk refusing even to
// shrink a file) keeps later calls failing until it succeeds.
//
// Thread safety: Log/Sync/NextSegment/Checkpoint/Stats may be called
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

// Errors since the Wal was opened.
struct WalStats {
  uint64_t write_failures = 0;  // Log/Sync/NextSegment/Close that failed
  uint64_t rollbacks = 0;       // failed appends cut off the segment again
  std::string last_error;       // the most recent failure, "" if none
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

  // Appends one record. Records never span segments. On error the record
  // is not in the log (see the header comment); FailedPrecondition after
  // Close.
  absl::Status Log(absl::string_view record);
  // fdatasync of the current segment.
  absl::Status Sync();
  // Closes the current segment (padding its last page) and starts the
  // next. On error the current segment stays the one written.
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
  WalStats Stats() const;

 private:
  // A record boundary in the current segment: the write position.
  struct Mark {
    size_t pages_done;
    size_t page_alloc;
  };

  Wal(std::string dir, WalOptions options);
  // Opens segment `index` and, once it exists durably, makes it current
  // (closing the previous one). On error nothing changes.
  absl::Status OpenSegmentLocked(int index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pads and fsyncs the current segment, then opens the next.
  absl::Status RolloverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FlushLocked(bool pad) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Resets the write position to `m` after a failed write and cuts the
  // segment back there; returns `cause`.
  absl::Status RollbackLocked(const Mark& m, absl::Status cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes a rollback that could not complete (truncation, reloading
  // the page). Writing may resume only when this returns OK.
  absl::Status FinishRollbackLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a failure; returns `s`.
  absl::Status FailLocked(absl::Status s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  const WalOptions opts_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  int segment_ ABSL_GUARDED_BY(mu_) = -1;
  std::string segment_path_ ABSL_GUARDED_BY(mu_);
  size_t pages_done_ ABSL_GUARDED_BY(mu_) = 0;  // full pages in segment
  std::string page_ ABSL_GUARDED_BY(mu_);
  size_t page_alloc_ ABSL_GUARDED_BY(mu_) = 0;
  size_t page_flushed_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // A rollback left to finish: truncate the segment to this size (-1:
  // done), then reload the page's head from the file.
  int64_t truncate_to_ ABSL_GUARDED_BY(mu_) = -1;
  bool reload_page_ ABSL_GUARDED_BY(mu_) = false;
  WalStats stats_ ABSL_GUARDED_BY(mu_);
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
