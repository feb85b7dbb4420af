// DB is Vigil's time-series database: the one header a service includes
// to store and query samples. It composes a Head (recent samples in
// memory), a write-ahead log (crash safety) and immutable Blocks on disk
// (older samples), all in Prometheus's on-disk formats, so a Vigil data
// directory can be read by Prometheus 2.42 tools and the reverse.
//
//   auto db = vigil::tsdb::DB::Open("/var/lib/vigil", vigil::tsdb::Options());
//   if (!db.ok()) ...
//   auto app = (*db)->NewAppender();
//   auto ref = app->Append(0, labels, t_ms, value);   // then by ref
//   absl::Status s = app->Commit();
//   auto q = (*db)->NewQuerier(mint_ms, maxt_ms);
//   auto set = (*q)->Select(true, nullptr, {Matcher::Equal("job", "api")});
//
// Directory layout: `lock`, `wal/` (segments, checkpoint.N), `<ULID>/`
// blocks. Opening replays the WAL (repairing a torn tail or corruption;
// see wal/wal.h and Stats().wal_replay) and takes an exclusive lock on
// `<dir>/lock`: a second Open of the same directory, from this process or
// another, fails with FailedPrecondition naming the lock file.
//
// Write errors (a full disk): a commit whose WAL write fails returns the
// error (ResourceExhausted for ENOSPC) and applies nothing; the WAL is left
// as before the commit, so commits succeed again once space returns, and
// everything committed is replayed by the next Open without repair.
// Failures are counted in Stats().wal; compactions and checkpoints that
// fail leave no partial files and are retried.
//
// Thread safety: all methods may be called concurrently. Appenders and
// queriers follow storage/appender.h and storage/querier.h. After
// Close(), NewQuerier returns FailedPrecondition and appenders fail.

#ifndef VIGIL_LIBTSDB_DB_H_
#define VIGIL_LIBTSDB_DB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libtsdb/block.h"
#include "libtsdb/chunks/head_chunks.h"
#include "libtsdb/head.h"
#include "libtsdb/options.h"
#include "libtsdb/storage/appender.h"
#include "libtsdb/storage/querier.h"
#include "libtsdb/wal/wal.h"
#include "model/matcher.h"

namespace vigil::tsdb {

struct DBStats {
  HeadStats head;
  wal::ReplayStats wal_replay;     // what Open replayed and repaired
  uint64_t replay_unknown_refs = 0;  // samples for series never defined
  size_t num_blocks = 0;
  int64_t blocks_bytes = 0;
  int64_t wal_bytes = 0;
  int64_t min_time = 0;  // over blocks and head; 0/0 when empty
  int64_t max_time = 0;
  uint64_t head_compactions = 0;   // blocks cut from the head
  uint64_t compactions = 0;        // block merges
  uint64_t compaction_failures = 0;
  uint64_t retention_deletions = 0;
  // Changes of the loaded block set (a block cut from the head or merged,
  // blocks removed by retention) and those that failed to open the new
  // block: Prometheus's block reloads.
  uint64_t reloads = 0;
  uint64_t reload_failures = 0;
  uint64_t head_truncations = 0;     // head cut below a compacted range
  uint64_t checkpoints = 0;          // WAL checkpoints attempted
  uint64_t checkpoint_failures = 0;
  // Write errors (a full disk, EIO) of the running WAL: appends that
  // failed and were rolled back. Non-zero write_failures means commits
  // have failed; see wal/wal.h.
  wal::WalStats wal;
  // Full head chunks that could not be moved to chunks_head/ (kept on the
  // heap instead).
  uint64_t head_chunk_write_failures = 0;
};

class DB final : public storage::Appendable, public storage::Queryable {
 public:
  // Opens (creating if needed) the database in `dir`. Errors:
  // FailedPrecondition when the directory is locked; DataLoss when a
  // block cannot be read (its path named); Internal for I/O errors.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const std::string& dir,
                                                  const Options& options);
  ~DB() override;

  std::unique_ptr<storage::Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

  // Deletes samples of series matching `matchers` in [mint, maxt] by
  // tombstones (head and blocks). InvalidArgument for no matchers.
  absl::Status Delete(int64_t mint_ms, int64_t maxt_ms,
                      const std::vector<model::Matcher>& matchers);
  // Rewrites blocks that have tombstones without the deleted data.
  absl::Status CleanTombstones();
  // Writes a consistent copy into `dir` (which must not exist): blocks
  // hard-linked, plus the head as one block when `with_head`. The copy is
  // built in `<dir>.tmp-snapshot` and renamed to `dir` when complete; on
  // failure neither exists afterwards. InvalidArgument when `dir` exists.
  absl::Status Snapshot(const std::string& dir, bool with_head);
  // Cuts full head ranges into blocks (and checkpoints the WAL), merges
  // adjacent blocks, applies retention. Runs on a background thread too
  // when Options::background_compaction.
  absl::Status Compact();
  // Forces the whole head into blocks (used for tests and shutdown
  // snapshots); later appends before the head's max time are rejected.
  absl::Status FlushHead();

  DBStats Stats() const;
  std::vector<BlockMeta> Blocks() const;
  const std::string& dir() const { return dir_; }
  Head* head() { return head_.get(); }

  // Stops background work, syncs and closes the WAL, releases the lock.
  absl::Status Close();

 private:
  class WalLog;
  class DBQuerier;
  DB(std::string dir, Options options);

  // How blocks are written (Options::block_samples_per_chunk,
  // reencode_chunks).
  ChunkLayout BlockLayout() const;
  absl::Status CompactHeadLocked(int64_t mint, int64_t maxt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(compact_mu_);
  absl::Status CompactBlocksLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(compact_mu_);
  absl::Status RetentionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(compact_mu_);
  void AddBlock(std::shared_ptr<Block> b);
  void RemoveBlocks(const std::vector<std::string>& ulids);
  std::vector<std::shared_ptr<Block>> BlocksSnapshot() const;
  void BackgroundLoop();

  const std::string dir_;
  const Options opts_;
  int lock_fd_ = -1;
  std::unique_ptr<WalLog> log_;
  std::unique_ptr<chunks::HeadChunkFiles> chunk_files_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<wal::Wal> wal_;
  wal::ReplayStats replay_;
  uint64_t replay_unknown_refs_ = 0;

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Block>> blocks_ ABSL_GUARDED_BY(mu_);
  absl::Mutex compact_mu_;
  std::atomic<bool> closed_{false};

  absl::Mutex bg_mu_;
  bool bg_stop_ ABSL_GUARDED_BY(bg_mu_) = false;
  std::thread bg_;

  std::atomic<uint64_t> head_compactions_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> compaction_failures_{0};
  std::atomic<uint64_t> retention_deletions_{0};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_failures_{0};
  std::atomic<uint64_t> head_truncations_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> checkpoint_failures_{0};
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIBTSDB_DB_H_
