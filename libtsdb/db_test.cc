#include "libtsdb/db.h"

#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "libtsdb/compactor.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/timestamp.h"
#include "model/value.h"

namespace vigil::tsdb {
namespace {

using fileutil::JoinPath;
using model::Labels;
using model::Matcher;

constexpr int64_t kHour = 3600 * 1000;

struct Sample {
  int64_t t;
  uint64_t bits;
  friend bool operator==(const Sample& a, const Sample& b) {
    return a.t == b.t && a.bits == b.bits;
  }
};
using Dump = std::map<std::string, std::vector<Sample>>;

uint64_t Bits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}

Dump Read(storage::Queryable& q, int64_t mint = INT64_MIN,
          int64_t maxt = INT64_MAX,
          std::vector<Matcher> ms = {Matcher::NotEqual("__name__", "")}) {
  Dump out;
  auto querier = q.NewQuerier(mint, maxt);
  EXPECT_TRUE(querier.ok()) << querier.status();
  if (!querier.ok()) return out;
  auto set = (*querier)->Select(true, nullptr, ms);
  while (set->Next()) {
    auto it = set->NewIterator();
    std::vector<Sample> v;
    while (it->Next()) v.push_back(Sample{it->timestamp(), Bits(it->value())});
    EXPECT_TRUE(it->status().ok()) << it->status();
    if (!v.empty()) out[set->labels().ToString()] = std::move(v);
  }
  EXPECT_TRUE(set->status().ok()) << set->status();
  return out;
}

std::string TestDir(const std::string& name) {
  std::string d = JoinPath(::testing::TempDir(), name);
  EXPECT_TRUE(fileutil::RemoveAll(d).ok());
  return d;
}

std::vector<std::string> Ls(const std::string& dir) {
  auto v = fileutil::ListDir(dir);
  return v.ok() ? *v : std::vector<std::string>();
}

Options TestOptions() {
  Options o;
  o.background_compaction = false;
  o.wal_segment_size = 64 * 1024;
  o.retention_ms = 0;
  return o;
}

// Appends `n` samples per series every 15s from `start`, into the DB and
// the reference.
void Fill(storage::Appendable& db, storage::MemoryStorage* ref, int series,
          int64_t start, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(series, 0);
  for (int i = 0; i < n; ++i) {
    auto app = db.NewAppender();
    auto rapp = ref->NewAppender();
    for (int s = 0; s < series; ++s) {
      Labels l = Labels::FromPairs({{"__name__", s % 2 ? "gauge" : "counter"},
                                    {"job", "j" + std::to_string(s % 3)},
                                    {"id", std::to_string(s)}});
      v[s] = s % 2 ? v[s] + (static_cast<double>(rng() % 200) - 100) / 10
                   : v[s] + rng() % 100;
      double val = (i == n / 2 && s == 0) ? model::StaleNaN() : v[s];
      int64_t t = start + i * 15000;
      ASSERT_TRUE(app->Append(0, l, t, val).ok());
      ASSERT_TRUE(rapp->Append(0, l, t, val).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(rapp->Commit().ok());
  }
}

TEST(DBTest, SecondOpenOfSameDirFails) {
  std::string dir = TestDir("db_lock");
  auto db = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  auto db2 = DB::Open(dir, TestOptions());
  ASSERT_FALSE(db2.ok());
  EXPECT_EQ(db2.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(db2.status().message().find("lock"), absl::string_view::npos);
  ASSERT_TRUE((*db)->Close().ok());
  auto db3 = DB::Open(dir, TestOptions());
  EXPECT_TRUE(db3.ok()) << db3.status();
}

TEST(DBTest, ReplaysWalOnReopen) {
  std::string dir = TestDir("db_replay");
  storage::MemoryStorage ref;
  {
    auto db = *DB::Open(dir, TestOptions());
    Fill(*db, &ref, 20, 1000000, 200, 1);
    ASSERT_TRUE(db->Delete(1000000, 1100000, {Matcher::Equal("id", "3")}).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  Dump want = Read(ref);
  auto& s3 = want["{__name__=\"gauge\", id=\"3\", job=\"j0\"}"];
  s3.erase(std::remove_if(s3.begin(), s3.end(),
                          [](const Sample& s) { return s.t <= 1100000; }),
           s3.end());
  // Samples applied by the opening thread, and sharded over threads.
  for (int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    Options o = TestOptions();
    o.replay_threads = threads;
    auto db = *DB::Open(dir, o);
    EXPECT_EQ(Read(*db), want);
    DBStats st = db->Stats();
    EXPECT_EQ(st.head.num_series, 20u);
    EXPECT_EQ(st.head.samples_appended, 20u * 200);
    EXPECT_GT(st.wal_replay.records, 0u);
    EXPECT_EQ(st.wal_replay.dropped_records, 0u);
    // Appends continue where the log left off.
    auto app = db->NewAppender();
    Labels l = Labels::FromPairs({{"__name__", "gauge"}, {"id", "1"}, {"job", "j1"}});
    EXPECT_EQ(storage::ClassifyAppendError(app->Append(0, l, 1000000, 1).status()),
              storage::AppendError::kOutOfOrder);
    ASSERT_TRUE(app->Rollback().ok());
    ASSERT_TRUE(db->Close().ok());
  }
}

// Appender A creates a series, appender B appends to it and commits
// first: B's samples must not precede the series record in the WAL, or
// replay would drop them. Replay gives back what the head held.
TEST(DBTest, SamplesOfASeriesCreatedByAnotherAppenderSurviveReplay) {
  std::string dir = TestDir("db_create_race");
  Labels l = Labels::FromPairs({{"__name__", "shared"}, {"job", "a"}});
  Labels r = Labels::FromPairs({{"__name__", "rolled"}, {"job", "a"}});
  Dump before;
  {
    auto db = *DB::Open(dir, TestOptions());
    auto a = db->NewAppender();
    ASSERT_TRUE(a->Append(0, l, 1000, 1).ok());
    auto b = db->NewAppender();
    ASSERT_TRUE(b->Append(0, l, 2000, 2).ok());
    ASSERT_TRUE(b->Commit().ok());
    ASSERT_TRUE(a->Commit().ok());  // its sample is now out of order
    // A series whose creator rolls back.
    auto c = db->NewAppender();
    ASSERT_TRUE(c->Append(0, r, 1000, 1).ok());
    auto d = db->NewAppender();
    ASSERT_TRUE(d->Append(0, r, 3000, 3).ok());
    ASSERT_TRUE(d->Commit().ok());
    ASSERT_TRUE(c->Rollback().ok());
    before = Read(*db);
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_EQ(before.size(), 2u);
  auto db = *DB::Open(dir, TestOptions());
  EXPECT_EQ(db->Stats().replay_unknown_refs, 0u);
  EXPECT_EQ(Read(*db), before);
  const auto& shared = before["{__name__=\"shared\", job=\"a\"}"];
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0].t, 2000);
}

TEST(DBTest, HeadCompactsIntoBlocksAndQueriesMerge) {
  std::string dir = TestDir("db_blocks");
  storage::MemoryStorage ref;
  auto db = *DB::Open(dir, TestOptions());
  // 7h of data at 15s for 10 series.
  Fill(*db, &ref, 10, 0, 7 * 240, 2);
  ASSERT_TRUE(db->Compact().ok());
  DBStats st = db->Stats();
  EXPECT_GE(st.num_blocks, 2u);
  EXPECT_GE(st.head_compactions, 2u);
  EXPECT_EQ(st.reloads, st.head_compactions);  // each new block re-read
  EXPECT_EQ(st.reload_failures, 0u);
  EXPECT_EQ(st.head_truncations, st.head_compactions);
  EXPECT_EQ(st.checkpoints, st.head_compactions);
  EXPECT_EQ(st.checkpoint_failures, 0u);
  EXPECT_LT(st.head.min_time, 7 * kHour);
  EXPECT_EQ(Read(*db), Read(ref));
  EXPECT_EQ(Read(*db, kHour, 3 * kHour), Read(ref, kHour, 3 * kHour));
  // The WAL was checkpointed.
  bool has_checkpoint = false;
  for (const auto& n : Ls(JoinPath(dir, "wal"))) {
    if (n.rfind("checkpoint.", 0) == 0) has_checkpoint = true;
  }
  EXPECT_TRUE(has_checkpoint);
  // Appends into compacted time are out of bounds.
  auto app = db->NewAppender();
  Labels l = Labels::FromPairs({{"__name__", "new"}});
  EXPECT_EQ(storage::ClassifyAppendError(app->Append(0, l, kHour, 1).status()),
            storage::AppendError::kOutOfBounds);
  ASSERT_TRUE(app->Rollback().ok());
  // Reopen: blocks + checkpoint + WAL give the same data.
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  auto db2 = *DB::Open(dir, TestOptions());
  EXPECT_EQ(Read(*db2), Read(ref));
  auto q = *db2->NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_EQ(q->LabelValues("job", {}).value(),
            (std::vector<std::string>{"j0", "j1", "j2"}));
  EXPECT_EQ(q->LabelNames({Matcher::Equal("id", "4")}).value(),
            (std::vector<std::string>{"__name__", "id", "job"}));
}

TEST(DBTest, BlocksCompactIntoLargerRangesAndRetentionDrops) {
  std::string dir = TestDir("db_compact");
  storage::MemoryStorage ref;
  Options o = TestOptions();
  auto db = *DB::Open(dir, o);
  Fill(*db, &ref, 4, 0, 20 * 240, 3);  // 20h
  ASSERT_TRUE(db->Compact().ok());
  auto blocks = db->Blocks();
  bool has_level2 = false;
  for (const auto& b : blocks) {
    if (b.level >= 2) {
      has_level2 = true;
      EXPECT_EQ(b.max_time - b.min_time, 6 * kHour);
      EXPECT_GE(b.sources.size(), 2u);
    }
  }
  EXPECT_TRUE(has_level2);
  EXPECT_GT(db->Stats().compactions, 0u);
  EXPECT_EQ(Read(*db), Read(ref));
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  // Reopen with a 5h retention: blocks ending >5h before the newest go.
  o.retention_ms = 5 * kHour;
  auto db2 = *DB::Open(dir, o);
  ASSERT_TRUE(db2->Compact().ok());
  EXPECT_GT(db2->Stats().retention_deletions, 0u);
  EXPECT_GT(db2->Stats().reloads, 0u);  // the block set changed
  for (const auto& b : db2->Blocks()) EXPECT_GE(b.max_time, 12 * kHour);
  // Size retention keeps at most ~one block.
  ASSERT_TRUE(db2->Close().ok());
  db2.reset();
  o.retention_ms = 0;
  o.retention_bytes = 1;
  auto db3 = *DB::Open(dir, o);
  ASSERT_TRUE(db3->Compact().ok());
  EXPECT_EQ(db3->Blocks().size(), 0u);
}

// Equal min and max block ranges (a Thanos sidecar's setting): no block is
// ever compacted; retention skips blocks the guard keeps.
TEST(DBTest, EqualBlockRangesNeverCompactAndRetentionHonoursTheGuard) {
  std::string dir = TestDir("db_sidecar");
  storage::MemoryStorage ref;
  Options o = TestOptions();
  o.max_block_range_ms = o.block_range_ms;
  auto db = *DB::Open(dir, o);
  Fill(*db, &ref, 4, 0, 20 * 240, 3);  // 20h
  ASSERT_TRUE(db->Compact().ok());
  std::vector<BlockMeta> blocks = db->Blocks();
  ASSERT_GE(blocks.size(), 5u);
  for (const auto& b : blocks) {
    EXPECT_EQ(b.level, 1) << b.ulid;
    EXPECT_EQ(b.max_time - b.min_time, o.block_range_ms) << b.ulid;
  }
  EXPECT_EQ(db->Stats().compactions, 0u);
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  // The oldest block is "not uploaded yet": retention keeps it and drops
  // the other old ones.
  const std::string keep = blocks.front().ulid;
  o.retention_ms = 5 * kHour;
  o.may_delete_block = [keep](const BlockMeta& m) { return m.ulid != keep; };
  auto db2 = *DB::Open(dir, o);
  ASSERT_TRUE(db2->Compact().ok());
  EXPECT_GT(db2->Stats().retention_deletions, 0u);
  bool kept = false;
  for (const auto& b : db2->Blocks()) {
    if (b.ulid == keep) {
      kept = true;
    } else {
      EXPECT_GE(b.max_time, 12 * kHour) << b.ulid;
    }
  }
  EXPECT_TRUE(kept);
}

TEST(DBTest, DeleteCleanTombstonesAndSnapshot) {
  std::string dir = TestDir("db_delete");
  storage::MemoryStorage ref;
  auto db = *DB::Open(dir, TestOptions());
  Fill(*db, &ref, 6, 0, 5 * 240, 4);
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_GE(db->Blocks().size(), 1u);
  ASSERT_TRUE(db->Delete(0, 5 * kHour, {Matcher::Equal("job", "j1")}).ok());
  Dump d = Read(*db);
  for (const auto& [k, v] : d) {
    if (k.find("j1") != std::string::npos) {
      for (const Sample& s : v) EXPECT_GT(s.t, 5 * kHour);
    }
  }
  ASSERT_TRUE(db->CleanTombstones().ok());
  EXPECT_EQ(Read(*db), d);
  EXPECT_FALSE(db->Delete(0, 1, {}).ok());
  std::string snap = TestDir("db_delete_snap");
  ASSERT_TRUE(db->Snapshot(snap, true).ok());
  EXPECT_FALSE(db->Snapshot(snap, true).ok());  // exists
  ASSERT_TRUE(db->Close().ok());
  auto sdb = *DB::Open(snap, TestOptions());
  EXPECT_EQ(Read(*sdb), d);
}

TEST(DBTest, FarFutureSampleIsRejectedAndCounted) {
  std::string dir = TestDir("db_future");
  auto db = *DB::Open(dir, TestOptions());  // default max_future_ms
  const int64_t now = model::NowMillis();
  Labels l = Labels::FromPairs({{"__name__", "m"}});
  auto app = db->NewAppender();
  EXPECT_EQ(storage::ClassifyAppendError(
                app->Append(0, l, now + 100LL * 365 * 24 * kHour, 1).status()),
            storage::AppendError::kTooFarInFuture);
  ASSERT_TRUE(app->Append(0, l, now, 2).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(db->Stats().head.too_far_in_future, 1u);
  EXPECT_EQ(db->Stats().head.max_time, now);
  app = db->NewAppender();
  ASSERT_TRUE(app->Append(0, l, now + 15000, 3).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(Read(*db)["{__name__=\"m\"}"].size(), 2u);
  ASSERT_TRUE(db->Close().ok());

  // Disabled: the option reaches the head.
  std::string dir2 = TestDir("db_future_off");
  Options o = TestOptions();
  o.max_future_ms = 0;
  auto db2 = *DB::Open(dir2, o);
  app = db2->NewAppender();
  ASSERT_TRUE(app->Append(0, l, now + 24 * kHour, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(db2->Close().ok());
}

TEST(DBTest, ClosedDBRefusesWork) {
  std::string dir = TestDir("db_closed");
  auto db = *DB::Open(dir, TestOptions());
  ASSERT_TRUE(db->Close().ok());
  EXPECT_EQ(db->NewQuerier(0, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto app = db->NewAppender();
  EXPECT_FALSE(app->Append(0, Labels::FromPairs({{"a", "b"}}), 1, 1).ok());
}

TEST(DBTest, CorruptBlockFilesGiveClearErrors) {
  std::string dir = TestDir("db_corrupt_block");
  storage::MemoryStorage ref;
  {
    auto db = *DB::Open(dir, TestOptions());
    Fill(*db, &ref, 3, 0, 4 * 240, 5);
    ASSERT_TRUE(db->FlushHead().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  std::string block;
  for (const auto& n : Ls(dir)) {
    if (n.size() == 26) block = JoinPath(dir, n);
  }
  ASSERT_FALSE(block.empty());
  std::string index = *fileutil::ReadFile(JoinPath(block, "index"));
  std::string bad = index;
  bad[bad.size() - 10] ^= 0xff;  // TOC
  ASSERT_TRUE(fileutil::WriteFileAtomic(JoinPath(block, "index"), bad).ok());
  auto db = DB::Open(dir, TestOptions());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(db.status().message().find("index"), absl::string_view::npos);
  ASSERT_TRUE(fileutil::WriteFileAtomic(JoinPath(block, "index"), index).ok());
  // A flipped chunk byte surfaces through the series set, not a crash.
  std::string cpath = JoinPath(block, "chunks/000001");
  std::string chunks = *fileutil::ReadFile(cpath);
  chunks[20] ^= 0x55;
  ASSERT_TRUE(fileutil::WriteFileAtomic(cpath, chunks).ok());
  auto db2 = DB::Open(dir, TestOptions());
  ASSERT_TRUE(db2.ok()) << db2.status();
  auto q = *(*db2)->NewQuerier(INT64_MIN, INT64_MAX);
  auto set = q->Select(true, nullptr, {Matcher::NotEqual("__name__", "")});
  while (set->Next()) {
  }
  EXPECT_EQ(set->status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(fileutil::WriteFileAtomic(JoinPath(block, "meta.json"), "{").ok());
  (*db2)->Close().IgnoreError();
  db2->reset();
  EXPECT_EQ(DB::Open(dir, TestOptions()).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CompactorTest, PlanAndRetention) {
  std::vector<BlockMeta> m(4);
  for (int i = 0; i < 4; ++i) {
    m[i].min_time = i * 2 * kHour;
    m[i].max_time = (i + 1) * 2 * kHour;
  }
  auto ranges = ExponentialBlockRanges(2 * kHour, 3, 3);
  EXPECT_EQ(ranges, (std::vector<int64_t>{2 * kHour, 6 * kHour, 18 * kHour}));
  EXPECT_EQ(PlanCompaction(m, ranges), (std::vector<size_t>{0, 1, 2}));
  // The newest range [6h, 12h) is still open.
  std::vector<BlockMeta> m2(m.begin() + 3, m.end());
  EXPECT_TRUE(PlanCompaction(m2, ranges).empty());
  EXPECT_EQ(PlanRetention(m, {10, 10, 10, 10}, 3 * kHour, 0, 0),
            (std::vector<size_t>{0, 1}));
  EXPECT_EQ(PlanRetention(m, {10, 10, 10, 10}, 0, 25, 0),
            (std::vector<size_t>{0, 1}));
}

}  // namespace
}  // namespace vigil::tsdb

namespace vigil::tsdb {
namespace {

TEST(DBTest, BackgroundCompactionCutsBlocksAndCheckpoints) {
  std::string dir = TestDir("db_background");
  Options o = TestOptions();
  o.block_range_ms = 60 * 1000;
  o.background_compaction = true;
  o.compaction_interval_ms = 10;
  auto db = *DB::Open(dir, o);
  Labels l = Labels::FromPairs({{"__name__", "bg"}});
  storage::SeriesRef ref = 0;
  for (int i = 0; i < 300; ++i) {
    auto app = db->NewAppender();
    ref = app->Append(ref, l, i * 1000, i).value();
    ASSERT_TRUE(app->Commit().ok());
  }
  for (int i = 0; i < 200 && db->Stats().head_compactions < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  DBStats st = db->Stats();
  EXPECT_GE(st.head_compactions, 3u);
  EXPECT_EQ(st.compaction_failures, 0u);
  bool has_checkpoint = false;
  for (const auto& n : Ls(JoinPath(dir, "wal"))) {
    if (n.rfind("checkpoint.", 0) == 0) has_checkpoint = true;
  }
  EXPECT_TRUE(has_checkpoint);
  Dump d = Read(*db);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.begin()->second.size(), 300u);
}

// Samples in each chunk of the compacted (level >= 2) blocks of `db`, per
// block and series.
std::vector<std::vector<int>> CompactedChunkSamples(DB& db) {
  std::vector<std::vector<int>> out;
  for (const BlockMeta& m : db.Blocks()) {
    if (m.level < 2) continue;
    auto b = Block::Open(JoinPath(db.dir(), m.ulid));
    EXPECT_TRUE(b.ok()) << b.status();
    if (!b.ok()) continue;
    auto entries = (*b)->Select(m.min_time, m.max_time - 1, nullptr);
    EXPECT_TRUE(entries.ok()) << entries.status();
    if (!entries.ok()) continue;
    for (const internal::SeriesEntry& e : *entries) {
      std::vector<int> n;
      for (const internal::ChunkMeta& c : e.chunks) {
        const uint8_t* p = reinterpret_cast<const uint8_t*>(c.bytes.data());
        n.push_back((p[0] << 8) | p[1]);
      }
      out.push_back(n);
    }
  }
  return out;
}

TEST(DBTest, CleanTombstonesKeepsChunkLength) {
  std::string dir = TestDir("db_clean_long_chunks");
  storage::MemoryStorage ref;
  Options o = TestOptions();
  o.block_samples_per_chunk = 240;
  auto db = *DB::Open(dir, o);
  Fill(*db, &ref, 4, 0, 20 * 240, 5);
  ASSERT_TRUE(db->Compact().ok());
  auto before = CompactedChunkSamples(*db);
  ASSERT_FALSE(before.empty());
  for (const auto& series : before) {
    for (size_t i = 0; i + 1 < series.size(); ++i) EXPECT_EQ(series[i], 240);
  }
  // 30 minutes of one series inside the first compacted block.
  ASSERT_TRUE(
      db->Delete(kHour, kHour + 30 * 60 * 1000, {Matcher::Equal("id", "1")}).ok());
  Dump want = Read(*db);
  Dump all = Read(ref);
  ASSERT_NE(want, all);
  for (const auto& [k, v] : want) {
    if (k.find("id=\"1\"") == std::string::npos) continue;
    for (const Sample& s : v) {
      EXPECT_FALSE(s.t >= kHour && s.t <= kHour + 30 * 60 * 1000) << s.t;
    }
    EXPECT_EQ(v.size() + 121, all[k].size());  // both ends inclusive
  }
  ASSERT_TRUE(db->CleanTombstones().ok());
  EXPECT_EQ(Read(*db), want);
  // The rewritten block still has 240-sample chunks (all but the last of
  // each series), the series with deleted samples too.
  auto after = CompactedChunkSamples(*db);
  ASSERT_EQ(after.size(), before.size());
  for (const auto& series : after) {
    for (size_t i = 0; i + 1 < series.size(); ++i) EXPECT_EQ(series[i], 240);
  }
  ASSERT_TRUE(db->Close().ok());
  auto db2 = *DB::Open(dir, o);
  EXPECT_EQ(Read(*db2), want);
}

}  // namespace
}  // namespace vigil::tsdb

namespace vigil::tsdb {
namespace {

// Prometheus's /api/v1/status/walreplay numbers: min 0 (no checkpoint),
// max the segment written after replay, current rising to max.
TEST(DBTest, ReplayProgressCoversEverySegment) {
  std::string dir = TestDir("db_replay_progress");
  {
    ReplayProgress fresh;
    Options o = TestOptions();
    o.wal_segment_size = 32 * 1024;
    o.replay_progress = &fresh;
    auto db = *DB::Open(dir, o);
    EXPECT_EQ(fresh.min.load(), 0);
    EXPECT_EQ(fresh.max.load(), 0);
    EXPECT_EQ(fresh.current.load(), 0);
    storage::MemoryStorage ref;
    Fill(*db, &ref, 50, 1000000, 600, 2);
    ASSERT_TRUE(db->Close().ok());
  }
  std::vector<int> segs;
  for (const std::string& n : Ls(JoinPath(dir, "wal"))) segs.push_back(std::stoi(n));
  std::sort(segs.begin(), segs.end());
  ASSERT_GE(segs.size(), 4u);
  ASSERT_EQ(segs.front(), 0);

  ReplayProgress p;
  std::atomic<bool> done{false};
  std::vector<int> seen;
  std::thread watcher([&] {
    while (!done.load()) {
      seen.push_back(p.current.load());
      EXPECT_LE(p.current.load(), segs.back() + 1);
    }
  });
  Options o = TestOptions();
  o.wal_segment_size = 32 * 1024;
  o.replay_progress = &p;
  auto db = DB::Open(dir, o);
  done.store(true);
  watcher.join();
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(p.min.load(), 0);
  EXPECT_EQ(p.max.load(), segs.back() + 1);
  EXPECT_EQ(p.current.load(), p.max.load());
  EXPECT_EQ((*db)->Stats().wal_replay.last_segment, segs.back());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  ASSERT_TRUE((*db)->Close().ok());
}

}  // namespace
}  // namespace vigil::tsdb
