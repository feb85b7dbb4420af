#include "libtsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libtsdb/compactor.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/internal/sample_replayer.h"
#include "libtsdb/wal/record.h"

namespace vigil::tsdb {

using fileutil::JoinPath;

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

bool IsULID(absl::string_view s) {
  if (s.size() != 26) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// An appender for a closed DB: every call fails.
class ClosedAppender final : public storage::Appender {
 public:
  absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef,
                                            const model::Labels&, int64_t,
                                            double) override {
    return absl::FailedPreconditionError("tsdb is closed");
  }
  absl::Status Commit() override {
    return absl::FailedPreconditionError("tsdb is closed");
  }
  absl::Status Rollback() override { return absl::OkStatus(); }
};

}  // namespace

// Encodes head batches as WAL records.
class DB::WalLog final : public HeadLog {
 public:
  explicit WalLog(DB* db) : db_(db) {}
  absl::Status LogSeries(const std::vector<RefSeries>& s) override {
    std::string rec;
    wal::EncodeSeries(s, &rec);
    return Log(rec);
  }
  absl::Status LogSamples(const std::vector<RefSample>& s) override {
    std::string rec;
    rec.reserve(17 + s.size() * 12);
    wal::EncodeSamples(s, &rec);
    return Log(rec);
  }
  absl::Status LogTombstones(const std::vector<RefTombstone>& s) override {
    std::string rec;
    wal::EncodeTombstones(s, &rec);
    return Log(rec);
  }

 private:
  absl::Status Log(const std::string& rec) {
    wal::Wal* w = db_->wal_.get();
    if (w == nullptr) return absl::OkStatus();  // replaying
    if (db_->closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
    absl::Status s = w->Log(rec);
    if (s.ok() && db_->opts_.wal_sync_on_commit) s = w->Sync();
    return s;
  }
  DB* db_;
};

class DB::DBQuerier final : public storage::Querier {
 public:
  DBQuerier(DB* db, std::vector<std::shared_ptr<Block>> blocks, int64_t mint,
            int64_t maxt)
      : db_(db), blocks_(std::move(blocks)), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(
      bool sorted, const storage::SelectHints* hints,
      const std::vector<model::Matcher>& matchers) override {
    if (matchers.empty()) {
      return storage::EmptySeriesSet(
          absl::InvalidArgumentError("no matchers given to Select"));
    }
    std::vector<std::vector<internal::SeriesEntry>> srcs;
    for (const auto& b : blocks_) {
      auto e = b->Select(mint_, maxt_, &matchers);
      if (!e.ok()) return storage::EmptySeriesSet(e.status());
      srcs.push_back(*std::move(e));
    }
    srcs.push_back(db_->head_->SelectEntries(mint_, maxt_, &matchers));
    return internal::NewListSeriesSet(internal::MergeEntries(std::move(srcs)),
                                      mint_, maxt_);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(
      absl::string_view name,
      const std::vector<model::Matcher>& matchers) override {
    std::set<std::string> out;
    for (const auto& b : blocks_) {
      auto v = b->LabelValues(name, matchers);
      if (!v.ok()) return v.status();
      out.insert(v->begin(), v->end());
    }
    auto hq = db_->head_->NewQuerier(mint_, maxt_);
    if (!hq.ok()) return hq.status();
    auto v = (*hq)->LabelValues(name, matchers);
    if (!v.ok()) return v.status();
    out.insert(v->begin(), v->end());
    return std::vector<std::string>(out.begin(), out.end());
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(
      const std::vector<model::Matcher>& matchers) override {
    std::set<std::string> out;
    for (const auto& b : blocks_) {
      auto v = b->LabelNames(matchers);
      if (!v.ok()) return v.status();
      out.insert(v->begin(), v->end());
    }
    auto hq = db_->head_->NewQuerier(mint_, maxt_);
    if (!hq.ok()) return hq.status();
    auto v = (*hq)->LabelNames(matchers);
    if (!v.ok()) return v.status();
    out.insert(v->begin(), v->end());
    return std::vector<std::string>(out.begin(), out.end());
  }

 private:
  DB* db_;
  std::vector<std::shared_ptr<Block>> blocks_;
  int64_t mint_, maxt_;
};

DB::DB(std::string dir, Options options)
    : dir_(std::move(dir)), opts_(options) {}

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const std::string& dir,
                                             const Options& options) {
  if (options.block_range_ms <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "block range ", options.block_range_ms, "ms must be positive"));
  }
  absl::Status s = fileutil::MkdirAll(dir);
  if (!s.ok()) return s;
  std::unique_ptr<DB> db(new DB(dir, options));
  std::string lock_path = JoinPath(dir, "lock");
  db->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (db->lock_fd_ < 0) {
    return absl::InternalError(absl::StrCat("open lock file ", lock_path, ": ",
                                            std::strerror(errno)));
  }
  if (::flock(db->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(db->lock_fd_);
    db->lock_fd_ = -1;
    return absl::FailedPreconditionError(absl::StrCat(
        "open tsdb ", dir, ": lock file ", lock_path,
        " is held by another process or another open DB (", std::strerror(e),
        ")"));
  }

  // Blocks; leftovers of interrupted writes are removed.
  auto names = fileutil::ListDir(dir);
  if (!names.ok()) return names.status();
  int64_t blocks_max = INT64_MIN;
  for (const std::string& n : *names) {
    std::string path = JoinPath(dir, n);
    if (n.find(".tmp") != std::string::npos && IsULID(n.substr(0, 26))) {
      (void)fileutil::RemoveAll(path);
      continue;
    }
    if (!IsULID(n) || !fileutil::IsDir(path)) continue;
    auto b = Block::Open(path);
    if (!b.ok()) return b.status();
    blocks_max = std::max(blocks_max, (*b)->meta().max_time);
    db->AddBlock(*std::move(b));
  }
  // Drop blocks that a finished compaction replaced (their ULIDs are
  // parents of another block) but that a crash left behind.
  {
    std::set<std::string> parents;
    for (const auto& b : db->BlocksSnapshot()) {
      for (const auto& p : b->meta().parents) parents.insert(p.ulid);
    }
    std::vector<std::string> stale;
    for (const auto& b : db->BlocksSnapshot()) {
      if (parents.count(b->meta().ulid)) stale.push_back(b->meta().ulid);
    }
    for (const auto& u : stale) (void)fileutil::RemoveAll(JoinPath(dir, u));
    db->RemoveBlocks(stale);
  }

  HeadOptions ho;
  ho.chunk_range_ms = options.block_range_ms;
  ho.samples_per_chunk = options.samples_per_chunk;
  ho.stripes = options.head_stripes;
  ho.max_future_ms = options.max_future_ms;
  if (options.mmap_head_chunks) {
    auto cf = chunks::HeadChunkFiles::Open(JoinPath(dir, "chunks_head"));
    if (!cf.ok()) return cf.status();
    db->chunk_files_ = *std::move(cf);
    ho.chunk_files = db->chunk_files_.get();
  }
  db->log_ = std::make_unique<WalLog>(db.get());
  db->head_ = std::make_unique<Head>(ho, db->log_.get());
  if (blocks_max != INT64_MIN) db->head_->SetMinValidTime(blocks_max);

  Head* head = db->head_.get();
  std::atomic<uint64_t> unknown{0};
  int threads = options.replay_threads;
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  internal::SampleReplayer replayer(
      threads > 1 ? threads : 0, [head, &unknown](absl::Span<const RefSample> batch) {
        uint64_t n = head->ReplaySamples(batch);
        if (n > 0) unknown.fetch_add(n, std::memory_order_relaxed);
      });
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<RefTombstone> stones;
  int64_t min_valid = blocks_max;
  ReplayProgress* progress = options.replay_progress;
  if (progress != nullptr) {
    const std::string wal_dir = JoinPath(dir, "wal");
    auto segs = wal::ListSegments(wal_dir);
    progress->min.store(std::max(wal::LastCheckpoint(wal_dir).second, 0));
    progress->max.store(segs.ok() && !segs->empty() ? segs->back() + 1 : 0);
    progress->current.store(progress->min.load());
  }
  auto replay = [&](absl::string_view rec) {
    // Wal::Open sets last_segment as it starts a segment: the one before
    // is done.
    if (progress != nullptr && db->replay_.last_segment - 1 > progress->current.load()) {
      progress->current.store(db->replay_.last_segment - 1);
    }
    switch (wal::TypeOf(rec)) {
      case wal::RecordType::kSeries:
        series.clear();
        (void)wal::DecodeSeries(rec, &series);
        for (const auto& x : series) head->ReplaySeries(x);
        break;
      case wal::RecordType::kSamples:
        samples.clear();
        (void)wal::DecodeSamples(rec, &samples);
        for (const auto& x : samples) {
          if (x.t < min_valid) continue;  // already in a block
          replayer.Add(head->ReplayTarget(x.ref), x);
        }
        break;
      case wal::RecordType::kTombstones:
        stones.clear();
        (void)wal::DecodeTombstones(rec, &stones);
        for (const auto& x : stones) head->ReplayTombstone(x);
        break;
      default:
        break;
    }
  };
  wal::WalOptions wo;
  wo.segment_size = options.wal_segment_size;
  auto w = wal::Wal::Open(JoinPath(dir, "wal"), wo, replay, &db->replay_);
  replayer.Finish();
  if (!w.ok()) return w.status();
  db->wal_ = *std::move(w);
  if (progress != nullptr) {
    progress->max.store(db->wal_->current_segment());
    progress->current.store(db->wal_->current_segment());
  }
  db->replay_unknown_refs_ = unknown.load();
  if (db->replay_unknown_refs_ > 0) {
    std::fprintf(stderr,
                 "vigil tsdb: WAL replay dropped %llu samples of unknown series\n",
                 static_cast<unsigned long long>(db->replay_unknown_refs_));
  }
  if (options.background_compaction) {
    db->bg_ = std::thread([raw = db.get()] { raw->BackgroundLoop(); });
  }
  return db;
}

DB::~DB() { (void)Close(); }

void DB::BackgroundLoop() {
  for (;;) {
    {
      absl::MutexLock l(&bg_mu_);
      bg_mu_.AwaitWithTimeout(absl::Condition(&bg_stop_),
                              absl::Milliseconds(opts_.compaction_interval_ms));
      if (bg_stop_) return;
    }
    absl::Status s = Compact();
    if (!s.ok()) {
      std::fprintf(stderr, "vigil tsdb: compaction failed: %s\n",
                   s.ToString().c_str());
    }
  }
}

absl::Status DB::Close() {
  if (closed_.exchange(true)) return absl::OkStatus();
  {
    absl::MutexLock l(&bg_mu_);
    bg_stop_ = true;
  }
  if (bg_.joinable()) bg_.join();
  absl::MutexLock cl(&compact_mu_);
  absl::Status s;
  if (wal_ != nullptr) s = wal_->Close();
  if (lock_fd_ >= 0) {
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  return s;
}

std::unique_ptr<storage::Appender> DB::NewAppender() {
  if (closed_.load()) return std::make_unique<ClosedAppender>();
  return head_->NewAppender();
}

absl::StatusOr<std::unique_ptr<storage::Querier>> DB::NewQuerier(
    int64_t mint_ms, int64_t maxt_ms) {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  std::vector<std::shared_ptr<Block>> bs;
  for (auto& b : BlocksSnapshot()) {
    if (b->Overlaps(mint_ms, maxt_ms)) bs.push_back(std::move(b));
  }
  return std::unique_ptr<storage::Querier>(
      new DBQuerier(this, std::move(bs), mint_ms, maxt_ms));
}

void DB::AddBlock(std::shared_ptr<Block> b) {
  absl::MutexLock l(&mu_);
  blocks_.push_back(std::move(b));
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& x, const auto& y) {
              return x->meta().min_time < y->meta().min_time;
            });
}

void DB::RemoveBlocks(const std::vector<std::string>& ulids) {
  if (ulids.empty()) return;
  std::set<std::string> gone(ulids.begin(), ulids.end());
  absl::MutexLock l(&mu_);
  blocks_.erase(std::remove_if(blocks_.begin(), blocks_.end(),
                               [&](const auto& b) {
                                 return gone.count(b->meta().ulid) > 0;
                               }),
                blocks_.end());
}

std::vector<std::shared_ptr<Block>> DB::BlocksSnapshot() const {
  absl::MutexLock l(&mu_);
  return blocks_;
}

std::vector<BlockMeta> DB::Blocks() const {
  std::vector<BlockMeta> out;
  for (const auto& b : BlocksSnapshot()) out.push_back(b->meta());
  return out;
}

absl::Status DB::Delete(int64_t mint_ms, int64_t maxt_ms,
                        const std::vector<model::Matcher>& matchers) {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  absl::MutexLock cl(&compact_mu_);
  absl::Status s = head_->Delete(mint_ms, maxt_ms, matchers);
  if (!s.ok()) return s;
  for (const auto& b : BlocksSnapshot()) {
    if (!b->Overlaps(mint_ms, maxt_ms)) continue;
    auto n = b->Delete(mint_ms, maxt_ms, matchers);
    if (!n.ok()) return n.status();
  }
  return absl::OkStatus();
}

absl::Status DB::CleanTombstones() {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  absl::MutexLock cl(&compact_mu_);
  for (const auto& b : BlocksSnapshot()) {
    if (!b->HasTombstones()) continue;
    auto meta = RewriteBlock(dir_, *b, BlockLayout());
    if (!meta.ok()) return meta.status();
    reloads_.fetch_add(1);
    if (!meta->ulid.empty()) {
      auto nb = Block::Open(JoinPath(dir_, meta->ulid));
      if (!nb.ok()) {
        reload_failures_.fetch_add(1);
        return nb.status();
      }
      AddBlock(*std::move(nb));
    }
    RemoveBlocks({b->meta().ulid});
    absl::Status s = fileutil::RemoveAll(b->dir());
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DB::Snapshot(const std::string& dir, bool with_head) {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  std::string final_dir = dir;
  while (final_dir.size() > 1 && final_dir.back() == '/') final_dir.pop_back();
  if (fileutil::Exists(final_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot directory ", dir, " already exists"));
  }
  // Built under a temporary name, so an interrupted snapshot never looks
  // like a complete one.
  const std::string tmp = final_dir + ".tmp-snapshot";
  absl::MutexLock cl(&compact_mu_);
  absl::Status s = fileutil::RemoveAll(tmp);  // an earlier attempt's
  if (s.ok()) s = fileutil::MkdirAll(tmp);
  if (s.ok()) {
    for (const auto& b : BlocksSnapshot()) {
      s = fileutil::LinkOrCopyTree(b->dir(), JoinPath(tmp, b->meta().ulid));
      if (!s.ok()) break;
    }
  }
  if (s.ok() && with_head) {
    int64_t mint = head_->MinTime(), maxt = head_->MaxTime();
    if (mint <= maxt) {
      auto meta = WriteBlock(tmp, head_->SelectEntries(mint, maxt, nullptr),
                             mint, maxt + 1, 1, {}, {});
      s = meta.status();
    }
  }
  if (s.ok()) s = fileutil::SyncDir(tmp);
  if (s.ok()) s = fileutil::Rename(tmp, final_dir);
  if (!s.ok()) {
    (void)fileutil::RemoveAll(tmp);
    return s;
  }
  size_t slash = final_dir.find_last_of('/');
  std::string parent = slash == std::string::npos ? "."
                       : slash == 0               ? "/"
                                                  : final_dir.substr(0, slash);
  return fileutil::SyncDir(parent);
}

ChunkLayout DB::BlockLayout() const {
  return ChunkLayout{opts_.block_samples_per_chunk, opts_.reencode_chunks};
}

absl::Status DB::CompactHeadLocked(int64_t mint, int64_t maxt) {
  auto meta = WriteBlock(dir_, head_->SelectEntries(mint, maxt - 1, nullptr),
                         mint, maxt, 1, {}, {},
                         BlockLayout());
  if (!meta.ok()) return meta.status();
  if (!meta->ulid.empty()) {
    reloads_.fetch_add(1);
    auto b = Block::Open(JoinPath(dir_, meta->ulid));
    if (!b.ok()) {
      reload_failures_.fetch_add(1);
      return b.status();
    }
    AddBlock(*std::move(b));
    head_compactions_.fetch_add(1);
  }
  head_->Truncate(maxt);
  head_truncations_.fetch_add(1);
  // Fold the WAL up to here into a checkpoint.
  absl::Status s = wal_->NextSegment();
  if (!s.ok()) return s;
  Head* h = head_.get();
  checkpoints_.fetch_add(1);
  s = wal_->Checkpoint(
      wal_->current_segment() - 1, [h](uint64_t ref) { return h->HasSeries(ref); },
      maxt);
  if (!s.ok()) checkpoint_failures_.fetch_add(1);
  return s;
}

absl::Status DB::CompactBlocksLocked() {
  int64_t max_range = opts_.max_block_range_ms;
  if (max_range <= 0) {
    max_range = 31LL * 24 * 3600 * 1000;
    if (opts_.retention_ms > 0) max_range = std::min(max_range, opts_.retention_ms / 10);
  }
  max_range = std::max(max_range, opts_.block_range_ms);
  std::vector<int64_t> ranges;
  for (int64_t r : ExponentialBlockRanges(opts_.block_range_ms, 10, 3)) {
    if (r <= max_range) ranges.push_back(r);
  }
  for (int round = 0; round < 100; ++round) {
    auto blocks = BlocksSnapshot();
    std::vector<BlockMeta> metas;
    for (const auto& b : blocks) metas.push_back(b->meta());
    std::vector<size_t> plan = PlanCompaction(metas, ranges);
    if (plan.empty()) return absl::OkStatus();
    std::vector<std::shared_ptr<Block>> group;
    for (size_t i : plan) group.push_back(blocks[i]);
    auto meta = CompactBlocks(dir_, group, BlockLayout());
    if (!meta.ok()) return meta.status();
    if (!meta->ulid.empty()) {
      auto nb = Block::Open(JoinPath(dir_, meta->ulid));
      if (!nb.ok()) return nb.status();
      AddBlock(*std::move(nb));
    }
    std::vector<std::string> old;
    for (const auto& b : group) old.push_back(b->meta().ulid);
    RemoveBlocks(old);
    for (const auto& b : group) {
      absl::Status s = fileutil::RemoveAll(b->dir());
      if (!s.ok()) return s;
    }
    compactions_.fetch_add(1);
  }
  return absl::OkStatus();
}

absl::Status DB::RetentionLocked() {
  auto blocks = BlocksSnapshot();
  std::vector<BlockMeta> metas;
  std::vector<int64_t> sizes;
  for (const auto& b : blocks) {
    metas.push_back(b->meta());
    sizes.push_back(opts_.retention_bytes > 0 ? b->Size() : 0);
  }
  int64_t extra = opts_.retention_bytes > 0 ? wal_->Size() : 0;
  std::vector<size_t> drop = PlanRetention(metas, sizes, opts_.retention_ms,
                                           opts_.retention_bytes, extra);
  if (opts_.may_delete_block) {
    drop.erase(std::remove_if(drop.begin(), drop.end(),
                              [&](size_t i) { return !opts_.may_delete_block(metas[i]); }),
               drop.end());
  }
  std::vector<std::string> ulids;
  for (size_t i : drop) ulids.push_back(metas[i].ulid);
  if (!ulids.empty()) reloads_.fetch_add(1);
  RemoveBlocks(ulids);
  for (size_t i : drop) {
    absl::Status s = fileutil::RemoveAll(blocks[i]->dir());
    if (!s.ok()) return s;
    retention_deletions_.fetch_add(1);
  }
  return absl::OkStatus();
}

absl::Status DB::Compact() {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  absl::MutexLock cl(&compact_mu_);
  const int64_t br = opts_.block_range_ms;
  absl::Status s;
  for (int i = 0; i < 1000; ++i) {
    int64_t hmin = head_->MinTime(), hmax = head_->MaxTime();
    if (hmin > hmax || hmax - hmin <= br / 2 * 3) break;
    int64_t mint = FloorDiv(hmin, br) * br;
    s = CompactHeadLocked(mint, mint + br);
    if (!s.ok()) break;
  }
  if (s.ok()) s = CompactBlocksLocked();
  if (s.ok()) s = RetentionLocked();
  if (!s.ok()) compaction_failures_.fetch_add(1);
  return s;
}

absl::Status DB::FlushHead() {
  if (closed_.load()) return absl::FailedPreconditionError("tsdb is closed");
  absl::MutexLock cl(&compact_mu_);
  const int64_t br = opts_.block_range_ms;
  for (int i = 0; i < 100000; ++i) {
    int64_t hmin = head_->MinTime(), hmax = head_->MaxTime();
    if (hmin > hmax) break;
    int64_t mint = FloorDiv(hmin, br) * br;
    absl::Status s = CompactHeadLocked(mint, mint + br);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

DBStats DB::Stats() const {
  DBStats st;
  st.head = head_->Stats();
  st.wal_replay = replay_;
  st.replay_unknown_refs = replay_unknown_refs_;
  int64_t mint = INT64_MAX, maxt = INT64_MIN;
  for (const auto& b : BlocksSnapshot()) {
    ++st.num_blocks;
    st.blocks_bytes += b->Size();
    mint = std::min(mint, b->meta().min_time);
    maxt = std::max(maxt, b->meta().max_time - 1);
  }
  if (st.head.min_time != 0 || st.head.max_time != 0) {
    mint = std::min(mint, st.head.min_time);
    maxt = std::max(maxt, st.head.max_time);
  }
  if (mint <= maxt) {
    st.min_time = mint;
    st.max_time = maxt;
  }
  st.wal_bytes = wal_ != nullptr ? wal_->Size() : 0;
  st.head_compactions = head_compactions_.load();
  st.compactions = compactions_.load();
  st.compaction_failures = compaction_failures_.load();
  st.retention_deletions = retention_deletions_.load();
  st.reloads = reloads_.load();
  st.reload_failures = reload_failures_.load();
  st.head_truncations = head_truncations_.load();
  st.checkpoints = checkpoints_.load();
  st.checkpoint_failures = checkpoint_failures_.load();
  if (wal_ != nullptr) st.wal = wal_->Stats();
  if (chunk_files_ != nullptr) {
    st.head_chunk_write_failures = chunk_files_->write_failures();
  }
  return st;
}

}  // namespace vigil::tsdb
