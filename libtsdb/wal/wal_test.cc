#include "libtsdb/wal/wal.h"

#include <algorithm>
#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/encoding/encoding.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/wal/record.h"
#include "model/value.h"
#include "snappy.h"

namespace vigil::tsdb::wal {
namespace {

using fileutil::JoinPath;

std::string TestDir(const std::string& name) {
  std::string d = JoinPath(::testing::TempDir(), name);
  EXPECT_TRUE(fileutil::RemoveAll(d).ok());
  return d;
}

std::vector<std::string> MakeRecords(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    size_t len;
    switch (rng() % 8) {
      case 0: len = 40000 + rng() % 70000; break;  // spans pages
      case 1: len = 0; break;
      default: len = 1 + rng() % 3000;
    }
    std::string r(len, '\0');
    for (char& c : r) c = static_cast<char>(rng());
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Replay(const std::string& dir, ReplayStats* st,
                                WalOptions o = WalOptions()) {
  std::vector<std::string> got;
  auto w = Wal::Open(dir, o, [&](absl::string_view r) { got.emplace_back(r); }, st);
  EXPECT_TRUE(w.ok()) << w.status();
  return got;
}

WalOptions Small() {
  WalOptions o;
  o.segment_size = 4 * kPageSize;
  return o;
}

TEST(WalRecordTest, SamplesRecordBytesLikePrometheus) {
  std::string b;
  EncodeSamples({{5, 1000, 1.0}, {6, 1015, 2.0}}, &b);
  std::string want;
  want.push_back(2);
  PutBE64(&want, 5);
  PutBE64(&want, 1000);
  want.append("\x00\x00", 2);  // ref delta 0, t delta 0 (zig-zag varints)
  PutBE64(&want, 0x3FF0000000000000ULL);
  want.append("\x02\x1e", 2);  // +1, +15
  PutBE64(&want, 0x4000000000000000ULL);
  EXPECT_EQ(b, want);
  std::vector<RefSample> back;
  ASSERT_TRUE(DecodeSamples(b, &back).ok());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].ref, 6u);
  EXPECT_EQ(back[1].t, 1015);
  EXPECT_FALSE(DecodeSamples(b.substr(0, b.size() - 1), &back).ok());
}

TEST(WalRecordTest, SeriesAndTombstonesRoundTrip) {
  std::string b;
  model::Labels l = model::Labels::FromPairs({{"__name__", "up"}, {"job", "x"}});
  EncodeSeries({{7, l}, {1ULL << 40, l}}, &b);
  std::vector<RefSeries> s;
  ASSERT_TRUE(DecodeSeries(b, &s).ok());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].ref, 1ULL << 40);
  EXPECT_EQ(s[0].labels, l);
  std::string t;
  EncodeTombstones({{3, {-10, 20}}}, &t);
  std::vector<RefTombstone> ts;
  ASSERT_TRUE(DecodeTombstones(t, &ts).ok());
  EXPECT_EQ(ts[0].iv, (Interval{-10, 20}));
  EXPECT_EQ(TypeOf("\x09"), RecordType::kUnknown);
  for (size_t i = 1; i < b.size(); ++i) {
    std::vector<RefSeries> junk;
    (void)DecodeSeries(b.substr(0, i), &junk);  // never crashes
  }
}

TEST(WalTest, RoundTripAcrossPagesAndSegments) {
  std::string dir = TestDir("wal_roundtrip");
  auto recs = MakeRecords(300, 1);
  {
    auto w = Wal::Create(dir, Small());
    ASSERT_TRUE(w.ok());
    for (const auto& r : recs) ASSERT_TRUE((*w)->Log(r).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  EXPECT_GT(ListSegments(dir)->size(), 10u);
  ASSERT_TRUE(fileutil::Exists(JoinPath(dir, "00000000")));
  ReplayStats st;
  EXPECT_EQ(Replay(dir, &st, Small()), recs);
  EXPECT_EQ(st.dropped_records, 0u);
  EXPECT_FALSE(st.repaired);
  // Every closed segment is page-aligned.
  auto segs = *ListSegments(dir);
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_EQ(*fileutil::FileSize(JoinPath(dir, SegmentName(segs[i]))) %
                  static_cast<int64_t>(kPageSize), 0);
  }
}

TEST(WalTest, TornTailIsTruncated) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::string dir = TestDir("wal_torn");
    auto recs = MakeRecords(40, trial);
    std::string seg = JoinPath(dir, "00000000");
    std::string crashed;
    {
      auto w = Wal::Create(dir, WalOptions());
      for (const auto& r : recs) ASSERT_TRUE((*w)->Log(r).ok());
      // What a killed process leaves: the bytes written so far, unpadded,
      // of which the kernel may have kept any prefix.
      crashed = *fileutil::ReadFile(seg);
    }
    crashed.resize(rng() % (crashed.size() + 1));
    ASSERT_TRUE(fileutil::WriteFileAtomic(seg, crashed).ok());
    ReplayStats st;
    auto got = Replay(dir, &st);
    ASSERT_LE(got.size(), recs.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], recs[i]) << i;
    EXPECT_FALSE(st.repaired) << st.repair_message;
    // A second open sees a clean log with the same records.
    ReplayStats st2;
    EXPECT_EQ(Replay(dir, &st2).size(), got.size());
    EXPECT_EQ(st2.torn_bytes, 0u);
  }
}

TEST(WalTest, CorruptionMidLogIsRepairedAndCounted) {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 30; ++trial) {
    std::string dir = TestDir("wal_corrupt");
    auto recs = MakeRecords(120, 100 + trial);
    {
      auto w = Wal::Create(dir, Small());
      for (const auto& r : recs) ASSERT_TRUE((*w)->Log(r).ok());
      ASSERT_TRUE((*w)->Close().ok());
    }
    auto segs = *ListSegments(dir);
    int victim = segs[rng() % (segs.size() - 1)];
    std::string path = JoinPath(dir, SegmentName(victim));
    std::string data = *fileutil::ReadFile(path);
    size_t off = rng() % data.size();
    if (trial % 3 == 0) {
      for (size_t i = off; i < std::min(data.size(), off + 100); ++i) {
        data[i] = static_cast<char>(rng());
      }
    } else {
      data[off] ^= static_cast<char>(1 + rng() % 255);
    }
    ASSERT_TRUE(fileutil::WriteFileAtomic(path, data).ok());
    ReplayStats st;
    auto got = Replay(dir, &st, Small());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], recs[i]) << i;
    if (got.size() < recs.size()) {
      // Flipping a padding byte is corruption too; either way the count of
      // records lost is reported and at least what was lost.
      EXPECT_TRUE(st.repaired);
      EXPECT_GE(st.dropped_records, 1u);
      EXPECT_FALSE(st.repair_message.empty());
    }
    // Appending after repair works and survives another reopen.
    {
      ReplayStats s2;
      std::vector<std::string> again;
      auto w = Wal::Open(dir, Small(), [&](absl::string_view r) { again.emplace_back(r); }, &s2);
      ASSERT_TRUE(w.ok());
      EXPECT_EQ(again.size(), got.size());
      EXPECT_FALSE(s2.repaired);
      ASSERT_TRUE((*w)->Log("after-repair").ok());
      ASSERT_TRUE((*w)->Close().ok());
    }
    ReplayStats s3;
    auto final_recs = Replay(dir, &s3, Small());
    ASSERT_EQ(final_recs.size(), got.size() + 1);
    EXPECT_EQ(final_recs.back(), "after-repair");
  }
}

TEST(WalTest, GarbageSegmentsNeverCrash) {
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 20; ++trial) {
    std::string dir = TestDir("wal_garbage");
    ASSERT_TRUE(fileutil::MkdirAll(dir).ok());
    for (int s = 0; s < 3; ++s) {
      std::string junk(rng() % 100000, '\0');
      for (char& c : junk) c = static_cast<char>(rng() % 6);  // plausible types
      ASSERT_TRUE(fileutil::WriteFileAtomic(JoinPath(dir, SegmentName(s)), junk).ok());
    }
    ReplayStats st;
    (void)Replay(dir, &st);
    ReplayStats st2;
    (void)Replay(dir, &st2);
    EXPECT_FALSE(st2.repaired);
  }
}

TEST(WalTest, ReadsSnappyCompressedRecords) {
  std::string dir = TestDir("wal_snappy");
  ASSERT_TRUE(fileutil::MkdirAll(dir).ok());
  std::string rec(5000, 'a');
  std::string comp;
  snappy::Compress(rec.data(), rec.size(), &comp);
  std::string seg;
  seg.push_back(static_cast<char>(kFull | kSnappyFlag));
  PutBE16(&seg, comp.size());
  PutBE32(&seg, Crc32c(comp));
  seg += comp;
  ASSERT_TRUE(fileutil::WriteFileAtomic(JoinPath(dir, "00000000"), seg).ok());
  ReplayStats st;
  auto got = Replay(dir, &st);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], rec);
}

TEST(WalTest, CheckpointKeepsLiveSeriesAndRecentSamples) {
  std::string dir = TestDir("wal_checkpoint");
  model::Labels a = model::Labels::FromPairs({{"__name__", "a"}});
  model::Labels b = model::Labels::FromPairs({{"__name__", "b"}});
  auto w = *Wal::Create(dir, Small());
  std::string r;
  EncodeSeries({{1, a}, {2, b}}, &r);
  ASSERT_TRUE(w->Log(r).ok());
  for (int i = 0; i < 50; ++i) {
    r.clear();
    EncodeSamples({{1, i * 1000, static_cast<double>(i)},
                   {2, i * 1000, model::StaleNaN()}},
                  &r);
    ASSERT_TRUE(w->Log(r).ok());
    if (i % 10 == 9) {
      ASSERT_TRUE(w->NextSegment().ok());
    }
  }
  r.clear();
  EncodeTombstones({{1, {0, 100000}}, {2, {0, 10}}}, &r);
  ASSERT_TRUE(w->Log(r).ok());
  int upto = w->current_segment() - 1;
  ASSERT_TRUE(w->NextSegment().ok());
  r.clear();
  EncodeSamples({{1, 60000, 60}}, &r);
  ASSERT_TRUE(w->Log(r).ok());
  // The segment being written cannot be checkpointed.
  EXPECT_EQ(w->Checkpoint(w->current_segment(), [](uint64_t) { return true; }, 0)
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(w->Checkpoint(upto + 1, [](uint64_t ref) { return ref == 1; },
                            25000).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(LastCheckpoint(dir).second, upto + 1);
  std::vector<int> left = *ListSegments(dir);
  for (int s : left) EXPECT_GT(s, upto + 1);
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<RefTombstone> stones;
  ReplayStats st;
  auto w2 = Wal::Open(dir, Small(), [&](absl::string_view rec) {
    switch (TypeOf(rec)) {
      case RecordType::kSeries: {
        ASSERT_TRUE(DecodeSeries(rec, &series).ok());
        break;
      }
      case RecordType::kSamples: {
        ASSERT_TRUE(DecodeSamples(rec, &samples).ok());
        break;
      }
      case RecordType::kTombstones: {
        ASSERT_TRUE(DecodeTombstones(rec, &stones).ok());
        break;
      }
      default:
        FAIL();
    }
  }, &st);
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ(st.checkpoint, upto + 1);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].labels, a);
  // Samples from both series with t >= 25000 (25..49 for each) plus the
  // one logged after the checkpoint.
  EXPECT_EQ(samples.size(), 2u * 25 + 1);
  ASSERT_EQ(stones.size(), 1u);
  EXPECT_EQ(stones[0].ref, 1u);
}

// Clears an injected write fault however the test ends.
struct FaultGuard {
  ~FaultGuard() { fileutil::ClearWriteFaultForTesting(); }
};

// Logs `recs` from *next on, appending those the WAL accepted to *acked;
// returns how many calls failed.
int LogSome(Wal* w, const std::vector<std::string>& recs, size_t n,
            size_t* next, std::vector<std::string>* acked) {
  int failed = 0;
  for (size_t end = std::min(recs.size(), *next + n); *next < end; ++*next) {
    absl::Status s = w->Log(recs[*next]);
    if (s.ok()) {
      acked->push_back(recs[*next]);
    } else {
      EXPECT_NE(s.code(), absl::StatusCode::kFailedPrecondition) << s;
      ++failed;
    }
  }
  return failed;
}

// The disk fills up in the middle of a record (a short write, then
// ENOSPC), later appends fail too, then space returns: every record the
// WAL accepted replays, in order, without repair, and nothing else does.
TEST(WalTest, FullDiskRollsBackFailedRecordsAndRecovers) {
  FaultGuard guard;
  std::vector<std::string> recs = MakeRecords(400, 11);
  std::mt19937_64 rng(5);
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    std::string dir = TestDir("wal_enospc");
    auto w = Wal::Create(dir, Small());
    ASSERT_TRUE(w.ok()) << w.status();
    std::vector<std::string> acked;
    size_t next = 0;
    EXPECT_EQ(LogSome(w->get(), recs, 30 + rng() % 50, &next, &acked), 0);
    // Space for a few more bytes: 0 (nothing at all), a few (inside a
    // fragment header), or up to several pages (page and segment ends).
    int64_t budget = round < 4 ? round * 3 : rng() % (5 * kPageSize);
    fileutil::InjectWriteFaultForTesting(budget, ENOSPC);
    int failed = LogSome(w->get(), recs, 40, &next, &acked);
    ASSERT_GT(failed, 0) << "budget " << budget << " never ran out";
    fileutil::ClearWriteFaultForTesting();
    EXPECT_EQ(LogSome(w->get(), recs, 60, &next, &acked), 0);
    WalStats ws = (*w)->Stats();
    EXPECT_EQ(ws.write_failures, static_cast<uint64_t>(failed));
    EXPECT_GE(ws.rollbacks, 1u);
    EXPECT_NE(ws.last_error.find("No space left"), std::string::npos)
        << ws.last_error;
    ASSERT_TRUE((*w)->Close().ok());
    w->reset();

    ReplayStats st;
    std::vector<std::string> got = Replay(dir, &st, Small());
    EXPECT_FALSE(st.repaired) << st.repair_message;
    EXPECT_EQ(st.dropped_records, 0u);
    EXPECT_EQ(st.torn_bytes, 0u);
    ASSERT_EQ(got.size(), acked.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], acked[i]) << "record " << i;
    }
  }
}

// EIO behaves as ENOSPC, and the error says which it was.
TEST(WalTest, IoErrorRollsBackTooAndIsNotResourceExhausted) {
  FaultGuard guard;
  std::string dir = TestDir("wal_eio");
  auto w = *Wal::Create(dir, Small());
  std::vector<std::string> recs = MakeRecords(20, 3), acked;
  size_t next = 0;
  LogSome(w.get(), recs, 10, &next, &acked);
  fileutil::InjectWriteFaultForTesting(kPageSize / 2, EIO);
  absl::Status s;
  while (s.ok() && next < recs.size()) s = w->Log(recs[next++]);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  fileutil::InjectWriteFaultForTesting(0, ENOSPC);
  s = w->Log("x");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  fileutil::ClearWriteFaultForTesting();
  ASSERT_TRUE(w->Log("after").ok());
  ASSERT_TRUE(w->Close().ok());
  ReplayStats st;
  std::vector<std::string> got = Replay(dir, &st, Small());
  EXPECT_FALSE(st.repaired) << st.repair_message;
  EXPECT_EQ(st.torn_bytes, 0u);
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got.back(), "after");
}

// A segment switch that cannot write (the last page's padding) leaves the
// WAL writing its current segment instead of closed for good.
TEST(WalTest, FailedSegmentSwitchKeepsTheWalUsable) {
  FaultGuard guard;
  std::string dir = TestDir("wal_switch_enospc");
  auto w = *Wal::Create(dir, Small());
  ASSERT_TRUE(w->Log("one").ok());
  fileutil::InjectWriteFaultForTesting(100, ENOSPC);
  absl::Status s = w->NextSegment();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(w->current_segment(), 0);
  fileutil::ClearWriteFaultForTesting();
  ASSERT_TRUE(w->Log("two").ok());
  ASSERT_TRUE(w->NextSegment().ok());
  ASSERT_TRUE(w->Log("three").ok());
  ASSERT_TRUE(w->Close().ok());
  ReplayStats st;
  EXPECT_EQ(Replay(dir, &st, Small()),
            (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(st.repaired) << st.repair_message;
  EXPECT_EQ(st.torn_bytes, 0u);
}

// A checkpoint that runs out of space leaves no partial checkpoint and
// deletes no segment; once space returns it completes.
TEST(WalTest, FailedCheckpointLeavesNothingBehind) {
  FaultGuard guard;
  std::string dir = TestDir("wal_checkpoint_enospc");
  auto w = *Wal::Create(dir, Small());
  model::Labels a = model::Labels::FromPairs({{"__name__", "a"}});
  std::string r;
  EncodeSeries({{1, a}}, &r);
  ASSERT_TRUE(w->Log(r).ok());
  for (int i = 0; i < 3000; ++i) {
    r.clear();
    EncodeSamples({{1, i * 1000, static_cast<double>(i)}}, &r);
    ASSERT_TRUE(w->Log(r).ok());
  }
  ASSERT_TRUE(w->NextSegment().ok());
  int upto = w->current_segment() - 1;
  std::vector<int> before = *ListSegments(dir);
  fileutil::InjectWriteFaultForTesting(2 * kPageSize, ENOSPC);
  absl::Status s = w->Checkpoint(upto, [](uint64_t) { return true; }, 0);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  fileutil::ClearWriteFaultForTesting();
  std::vector<std::string> names = *fileutil::ListDir(dir);
  for (const std::string& n : names) {
    EXPECT_EQ(n.find("checkpoint"), std::string::npos) << n;
  }
  EXPECT_EQ(*ListSegments(dir), before);
  ASSERT_TRUE(w->Checkpoint(upto, [](uint64_t) { return true; }, 0).ok());
  ASSERT_TRUE(w->Close().ok());
  ReplayStats st;
  std::vector<std::string> got = Replay(dir, &st, Small());
  EXPECT_EQ(st.checkpoint, upto);
  EXPECT_FALSE(st.repaired);
  EXPECT_EQ(got.size(), 3001u);
}

}  // namespace
}  // namespace vigil::tsdb::wal
