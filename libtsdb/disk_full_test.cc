// A full disk (ENOSPC) or failing disk (EIO) under the DB, simulated by
// fileutil's write fault injection: commits fail cleanly and resume when
// space returns, everything acknowledged survives a restart without WAL
// repair, and failed compactions, checkpoints and snapshots leave no
// partial files. The last test does the same on a real, small tmpfs.

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/db.h"
#include "libtsdb/fileutil/fileutil.h"
#include "model/labels.h"

namespace vigil::tsdb {
namespace {

using fileutil::JoinPath;

// Samples by series (labels as text): (t, v).
using AckedSamples =
    std::map<std::string, std::vector<std::pair<int64_t, double>>>;

// Commits one scrape at 15s step `step` of refs->size() series; on
// success records its samples in *acked.
absl::Status CommitScrape(storage::Appendable* db, int64_t step,
                          std::vector<storage::SeriesRef>* refs,
                          AckedSamples* acked) {
  auto app = db->NewAppender();
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> batch;
  for (size_t i = 0; i < refs->size(); ++i) {
    model::Labels l = model::Labels::FromPairs(
        {{"__name__", "disk_full_test"}, {"id", std::to_string(i)}});
    int64_t t = step * 15000;
    double v = static_cast<double>(step * 100 + static_cast<int64_t>(i));
    auto r = app->Append((*refs)[i], l, t, v);
    if (!r.ok()) return r.status();
    (*refs)[i] = *r;
    batch.push_back({l.ToString(), {t, v}});
  }
  absl::Status s = app->Commit();
  if (!s.ok()) return s;
  for (auto& [k, x] : batch) (*acked)[k].push_back(x);
  return absl::OkStatus();
}

AckedSamples ReadAll(storage::Queryable* db) {
  AckedSamples out;
  auto q = db->NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(q.ok()) << q.status();
  if (!q.ok()) return out;
  auto set = (*q)->Select(true, nullptr,
                          {model::Matcher::Equal("__name__", "disk_full_test")});
  while (set->Next()) {
    auto it = set->NewIterator();
    auto& v = out[set->labels().ToString()];
    while (it->Next()) v.push_back({it->timestamp(), it->value()});
    EXPECT_TRUE(it->status().ok()) << it->status();
  }
  EXPECT_TRUE(set->status().ok()) << set->status();
  return out;
}

struct FaultGuard {
  ~FaultGuard() { fileutil::ClearWriteFaultForTesting(); }
};

std::string TestDir(const std::string& name) {
  std::string d = JoinPath(::testing::TempDir(), name);
  EXPECT_TRUE(fileutil::RemoveAll(d).ok());
  return d;
}

Options TestOptions() {
  Options o;
  o.background_compaction = false;
  o.wal_segment_size = 64 * 1024;
  o.retention_ms = 0;
  o.max_future_ms = 0;
  return o;
}

// Names under `dir` (recursively) containing ".tmp".
std::vector<std::string> TmpLeftovers(const std::string& dir) {
  std::vector<std::string> out;
  auto names = fileutil::ListDir(dir);
  if (!names.ok()) return out;
  for (const std::string& n : *names) {
    std::string p = JoinPath(dir, n);
    if (n.find(".tmp") != std::string::npos) out.push_back(p);
    if (fileutil::IsDir(p)) {
      for (std::string& x : TmpLeftovers(p)) out.push_back(std::move(x));
    }
  }
  return out;
}

// The incident of issue #20: the disk fills while scrapes are committed,
// space is freed, ingestion goes on, the server restarts.
TEST(DiskFullTest, CommitsFailThenResumeAndEverythingAcknowledgedReplays) {
  FaultGuard guard;
  // 0: nothing fits; small: the disk fills inside a record's header;
  // larger: inside records spanning pages and at segment switches.
  for (int64_t budget : {0, 5, 100, 4000, 40000, 100000, 150000}) {
    SCOPED_TRACE(budget);
    std::string dir = TestDir("disk_full_db");
    AckedSamples acked;
    uint64_t failures = 0;
    {
      auto db = DB::Open(dir, TestOptions());
      ASSERT_TRUE(db.ok()) << db.status();
      std::vector<storage::SeriesRef> refs(50, 0);
      int64_t t = 0;
      for (; t < 100; ++t) {
        ASSERT_TRUE(CommitScrape(db->get(), t, &refs, &acked).ok());
      }
      fileutil::InjectWriteFaultForTesting(budget, ENOSPC);
      for (; t < 400; ++t) {
        absl::Status s = CommitScrape(db->get(), t, &refs, &acked);
        if (!s.ok()) {
          EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
          ++failures;
        }
      }
      ASSERT_GT(failures, 0u);
      fileutil::ClearWriteFaultForTesting();  // space freed
      for (; t < 500; ++t) {
        absl::Status s = CommitScrape(db->get(), t, &refs, &acked);
        ASSERT_TRUE(s.ok()) << "t=" << t << ": " << s;
      }
      DBStats st = (*db)->Stats();
      EXPECT_EQ(st.wal.write_failures, failures);
      EXPECT_GE(st.wal.rollbacks, 1u);
      EXPECT_FALSE(st.wal.last_error.empty());
      ASSERT_TRUE((*db)->Close().ok());
    }
    auto db = DB::Open(dir, TestOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    DBStats st = (*db)->Stats();
    EXPECT_FALSE(st.wal_replay.repaired) << st.wal_replay.repair_message;
    EXPECT_EQ(st.wal_replay.dropped_records, 0u);
    EXPECT_EQ(st.wal_replay.torn_bytes, 0u);
    EXPECT_EQ(ReadAll(db->get()), acked);
  }
}

TEST(DiskFullTest, IoErrorFailsCommitsAsInternal) {
  FaultGuard guard;
  std::string dir = TestDir("disk_eio_db");
  auto db = *DB::Open(dir, TestOptions());
  AckedSamples acked;
  std::vector<storage::SeriesRef> refs(10, 0);
  ASSERT_TRUE(CommitScrape(db.get(), 0, &refs, &acked).ok());
  fileutil::InjectWriteFaultForTesting(10, EIO);
  absl::Status s = CommitScrape(db.get(), 1, &refs, &acked);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  fileutil::ClearWriteFaultForTesting();
  ASSERT_TRUE(CommitScrape(db.get(), 2, &refs, &acked).ok());
  EXPECT_EQ(ReadAll(db.get()), acked);
  ASSERT_TRUE(db->Close().ok());
  db = *DB::Open(dir, TestOptions());
  EXPECT_FALSE(db->Stats().wal_replay.repaired);
  EXPECT_EQ(ReadAll(db.get()), acked);
}

// Head compaction (block write, WAL segment switch, checkpoint) failing
// at every stage: no partial block or checkpoint stays behind, and the
// next compaction with space completes.
TEST(DiskFullTest, FailedCompactionsLeaveNoPartialFiles) {
  FaultGuard guard;
  std::string dir = TestDir("disk_full_compact");
  AckedSamples acked;
  {
    auto db = *DB::Open(dir, TestOptions());
    std::vector<storage::SeriesRef> refs(20, 0);
    // 10h at 15s.
    for (int64_t t = 0; t < 2400; ++t) {
      ASSERT_TRUE(CommitScrape(db.get(), t, &refs, &acked).ok());
    }
    int failed = 0;
    for (int64_t budget : {0, 300, 5000, 40000, 70000, 100000, 150000}) {
      SCOPED_TRACE(budget);
      fileutil::InjectWriteFaultForTesting(budget, ENOSPC);
      if (!db->Compact().ok()) ++failed;
      fileutil::ClearWriteFaultForTesting();
      EXPECT_EQ(TmpLeftovers(dir), std::vector<std::string>());
      EXPECT_EQ(ReadAll(db.get()), acked);
    }
    EXPECT_GT(failed, 0);
    EXPECT_EQ(db->Stats().compaction_failures, static_cast<uint64_t>(failed));
    ASSERT_TRUE(db->Compact().ok());
    EXPECT_GE(db->Blocks().size(), 1u);
    EXPECT_GE(db->head()->MinTime(), 6 * 3600 * 1000);
    EXPECT_EQ(ReadAll(db.get()), acked);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = *DB::Open(dir, TestOptions());
  EXPECT_FALSE(db->Stats().wal_replay.repaired);
  EXPECT_EQ(ReadAll(db.get()), acked);
}

// Defect 10: a snapshot that fails half-way leaves nothing under its name
// (nor its temporary name); one with space completes.
TEST(DiskFullTest, InterruptedSnapshotLeavesNoDirectory) {
  FaultGuard guard;
  std::string dir = TestDir("snapshot_src");
  auto db = *DB::Open(dir, TestOptions());
  AckedSamples acked;
  std::vector<storage::SeriesRef> refs(20, 0);
  for (int64_t t = 0; t < 600; ++t) {
    ASSERT_TRUE(CommitScrape(db.get(), t, &refs, &acked).ok());
  }
  ASSERT_TRUE(db->FlushHead().ok());  // blocks to link, up to 4h
  for (int64_t t = 1000; t < 1300; ++t) {
    ASSERT_TRUE(CommitScrape(db.get(), t, &refs, &acked).ok());
  }
  std::string snap = TestDir("snapshot_dst");
  for (int64_t budget : {0, 100, 2000}) {
    SCOPED_TRACE(budget);
    fileutil::InjectWriteFaultForTesting(budget, ENOSPC);
    absl::Status s = db->Snapshot(snap, /*with_head=*/true);
    fileutil::ClearWriteFaultForTesting();
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_FALSE(fileutil::Exists(snap));
    EXPECT_FALSE(fileutil::Exists(snap + ".tmp-snapshot"));
  }
  // A leftover of a crashed snapshot does not get in the way.
  ASSERT_TRUE(fileutil::MkdirAll(JoinPath(snap + ".tmp-snapshot", "x")).ok());
  ASSERT_TRUE(db->Snapshot(snap + "/", /*with_head=*/true).ok());
  EXPECT_FALSE(fileutil::Exists(snap + ".tmp-snapshot"));
  EXPECT_EQ(db->Snapshot(snap, true).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(db->Close().ok());
  auto sdb = DB::Open(snap, TestOptions());
  ASSERT_TRUE(sdb.ok()) << sdb.status();
  EXPECT_EQ(ReadAll(sdb->get()), acked);
}

// The incident on a real full disk: the data directory on a small tmpfs
// (mounted in a private mount namespace, so it needs root; skipped
// otherwise). Head chunks are memory-mapped files there too: without
// reserved space a write into a mapping on a full tmpfs is SIGBUS.
TEST(DiskFullTest, RealTmpfsFillsUpAndRecovers) {
  if (::unshare(CLONE_NEWNS) != 0) {
    GTEST_SKIP() << "cannot make a private mount namespace ("
                 << std::strerror(errno) << "); needs root";
  }
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    GTEST_SKIP() << "cannot make mounts private: " << std::strerror(errno);
  }
  std::string mnt = TestDir("disk_full_tmpfs");
  ASSERT_TRUE(fileutil::MkdirAll(mnt).ok());
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8m") != 0) {
    GTEST_SKIP() << "mount -t tmpfs -o size=8m " << mnt
                 << " failed: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};

  // Room that "freeing space" gives back later.
  std::string ballast = JoinPath(mnt, "ballast");
  ASSERT_TRUE(fileutil::WriteFileAtomic(ballast, std::string(3 << 20, 'b')).ok());
  std::string dir = JoinPath(mnt, "db");
  Options o = TestOptions();
  o.wal_segment_size = 256 * 1024;
  o.mmap_head_chunks = true;
  AckedSamples acked;
  {
    auto db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok()) << db.status();
    std::vector<storage::SeriesRef> refs(200, 0);
    int64_t t = 0;
    absl::Status s;
    for (; t < 200000 && s.ok(); ++t) {
      s = CommitScrape(db->get(), t, &refs, &acked);
    }
    ASSERT_FALSE(s.ok()) << "an 8 MiB tmpfs never filled up";
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    for (int i = 0; i < 20; ++i, ++t) {
      (void)CommitScrape(db->get(), t, &refs, &acked);
    }
    ASSERT_TRUE(fileutil::RemoveAll(ballast).ok());
    for (int i = 0; i < 200; ++i, ++t) {
      s = CommitScrape(db->get(), t, &refs, &acked);
      ASSERT_TRUE(s.ok()) << "after freeing space, t=" << t << ": " << s;
    }
    DBStats st = (*db)->Stats();
    EXPECT_GE(st.wal.write_failures, 1u);
    EXPECT_NE(st.wal.last_error.find("No space left"), std::string::npos)
        << st.wal.last_error;
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = DB::Open(dir, o);
  ASSERT_TRUE(db.ok()) << db.status();
  DBStats st = (*db)->Stats();
  EXPECT_FALSE(st.wal_replay.repaired) << st.wal_replay.repair_message;
  EXPECT_EQ(st.wal_replay.torn_bytes, 0u);
  EXPECT_EQ(ReadAll(db->get()), acked);
  ASSERT_TRUE((*db)->Close().ok());
}

}  // namespace
}  // namespace vigil::tsdb
