// Block format tests, with promtool (Prometheus 2.42) as the oracle.

#include "libtsdb/block.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libtsdb/db.h"
#include "libtsdb/fileutil/fileutil.h"

namespace vigil::tsdb {
namespace {

using fileutil::JoinPath;
using model::Labels;
using model::Matcher;

constexpr char kPromtool[] = "/usr/bin/promtool";

std::string TestDir(const std::string& name) {
  std::string d = JoinPath(::testing::TempDir(), name);
  EXPECT_TRUE(fileutil::RemoveAll(d).ok());
  return d;
}

// Runs a command with a time limit; returns its stdout and exit code.
std::string RunCommand(const std::string& cmd, int* code) {
  std::string full = "timeout 120 " + cmd + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  std::string out;
  if (p == nullptr) {
    *code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

using Samples = std::map<std::string, std::vector<std::pair<int64_t, double>>>;

// Parses `promtool tsdb dump` lines: {labels} value timestamp.
Samples ParseDump(const std::string& out) {
  Samples s;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (line.empty() || line[0] != '{') continue;
    size_t close = line.rfind('}');
    std::string labels(line.substr(0, close + 1));
    std::istringstream rest{std::string(line.substr(close + 1))};
    double v;
    int64_t t;
    rest >> v >> t;
    s[labels].emplace_back(t, v);
  }
  return s;
}

Samples ReadAll(storage::Queryable& q) {
  Samples s;
  auto querier = *q.NewQuerier(INT64_MIN, INT64_MAX);
  auto set = querier->Select(true, nullptr, {Matcher::NotEqual("__name__", "")});
  while (set->Next()) {
    auto it = set->NewIterator();
    auto& v = s[set->labels().ToString()];
    while (it->Next()) v.emplace_back(it->timestamp(), it->value());
  }
  EXPECT_TRUE(set->status().ok()) << set->status();
  return s;
}

Samples FillDB(DB* db, int series, int64_t start, int n) {
  Samples want;
  for (int i = 0; i < n; ++i) {
    auto app = db->NewAppender();
    for (int k = 0; k < series; ++k) {
      Labels l = Labels::FromPairs({{"__name__", k % 2 ? "temp" : "requests_total"},
                                    {"instance", "host-" + std::to_string(k)},
                                    {"job", "node"}});
      int64_t t = start + i * 15000 + (k % 3);
      double v = k % 2 ? (i % 50) * 0.5 - 10 : static_cast<double>(i * (k + 1));
      EXPECT_TRUE(app->Append(0, l, t, v).ok());
      want[l.ToString()].emplace_back(t, v);
    }
    EXPECT_TRUE(app->Commit().ok());
  }
  return want;
}

Options NoBackground() {
  Options o;
  o.background_compaction = false;
  o.retention_ms = 0;
  return o;
}

TEST(BlockTest, WriteOpenSelectRoundTrip) {
  std::string dir = TestDir("block_rt");
  Samples want;
  {
    auto db = *DB::Open(dir, NoBackground());
    want = FillDB(db.get(), 7, 0, 1000);
    ASSERT_TRUE(db->FlushHead().ok());
    EXPECT_EQ(ReadAll(*db), want);
    auto blocks = db->Blocks();
    ASSERT_GE(blocks.size(), 2u);
    uint64_t samples = 0;
    for (const auto& b : blocks) {
      samples += b.num_samples;
      EXPECT_EQ(b.level, 1);
      EXPECT_EQ(b.version, 1);
      EXPECT_EQ(b.ulid.size(), 26u);
      EXPECT_EQ(b.max_time - b.min_time, 2 * 3600 * 1000);
    }
    EXPECT_EQ(samples, 7000u);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = *DB::Open(dir, NoBackground());
  EXPECT_EQ(ReadAll(*db), want);
}

TEST(BlockTest, MetaJsonRoundTrip) {
  BlockMeta m;
  m.ulid = NewULID(1700000000000);
  m.min_time = 10;
  m.max_time = 20;
  m.num_samples = 5;
  m.level = 2;
  m.sources = {"A", "B"};
  m.parents = {{"A", 10, 15}};
  auto back = ParseMeta(EncodeMeta(m), "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ulid, m.ulid);
  EXPECT_EQ(back->sources, m.sources);
  EXPECT_EQ(back->parents[0].max_time, 15);
  EXPECT_EQ(back->num_samples, 5u);
  EXPECT_EQ(m.ulid.substr(0, 10), NewULID(1700000000000).substr(0, 10));
  EXPECT_FALSE(ParseMeta("{\"ulid\": 3}", "x").ok());
  EXPECT_FALSE(ParseMeta("nope", "x").ok());
}

class PromtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fileutil::Exists(kPromtool)) {
      GTEST_SKIP() << kPromtool << " is absent (Debian package prometheus)";
    }
  }
};

TEST_F(PromtoolTest, PromtoolReadsVigilBlocks) {
  std::string dir = TestDir("promtool_reads_vigil");
  Samples want;
  {
    auto db = *DB::Open(dir, NoBackground());
    want = FillDB(db.get(), 6, 1700000000000, 700);
    ASSERT_TRUE(db->FlushHead().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  int code;
  std::string analyze = RunCommand(std::string(kPromtool) + " tsdb analyze " + dir, &code);
  EXPECT_EQ(code, 0) << analyze;
  EXPECT_NE(analyze.find("Block ID:"), std::string::npos) << analyze;
  EXPECT_NE(analyze.find("Series: "), std::string::npos) << analyze;
  std::string list = RunCommand(std::string(kPromtool) + " tsdb list " + dir, &code);
  EXPECT_EQ(code, 0) << list;
  std::string dump = RunCommand(std::string(kPromtool) + " tsdb dump " + dir, &code);
  ASSERT_EQ(code, 0) << dump.substr(0, 2000);
  Samples got = ParseDump(dump);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);
}

TEST_F(PromtoolTest, PromtoolReplaysVigilWal) {
  // Only head data: promtool's dump reads it from Vigil's WAL segments.
  std::string dir = TestDir("promtool_reads_wal");
  Samples want;
  {
    auto db = *DB::Open(dir, NoBackground());
    want = FillDB(db.get(), 4, 1700000000000, 100);
    ASSERT_TRUE(db->Close().ok());
  }
  int code;
  std::string dump = RunCommand(std::string(kPromtool) + " tsdb dump " + dir, &code);
  ASSERT_EQ(code, 0) << dump.substr(0, 2000);
  EXPECT_EQ(ParseDump(dump), want);
}

TEST_F(PromtoolTest, VigilReadsPrometheusBlocks) {
  std::string dir = TestDir("vigil_reads_prom");
  ASSERT_TRUE(fileutil::MkdirAll(dir).ok());
  std::string om;
  Samples want;
  // OpenMetrics input: timestamps in seconds; promtool groups by metric
  // family, so write each family's samples together.
  const int64_t base = 1700000000;
  om += "# TYPE http_requests counter\n";
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 600; ++i) {
      int64_t t = base + i * 15;
      double v = i * (s + 1);
      om += "http_requests_total{code=\"" + std::to_string(200 + s) +
            "\",job=\"api\"} " + std::to_string(static_cast<int64_t>(v)) + " " +
            std::to_string(t) + "\n";
      want["{__name__=\"http_requests_total\", code=\"" + std::to_string(200 + s) +
           "\", job=\"api\"}"]
          .emplace_back(t * 1000, v);
    }
  }
  om += "# TYPE temp gauge\n";
  for (int i = 0; i < 100; ++i) {
    int64_t t = base + i * 60;
    om += "temp{room=\"a\"} -" + std::to_string(i) + ".5 " +
          std::to_string(t) + "\n";
    want["{__name__=\"temp\", room=\"a\"}"].emplace_back(t * 1000, -(i + 0.5));
  }
  om += "# EOF\n";
  std::string in = JoinPath(dir, "in.om");
  ASSERT_TRUE(fileutil::WriteFileAtomic(in, om).ok());
  std::string out = JoinPath(dir, "data");
  int code;
  std::string log = RunCommand(std::string(kPromtool) +
                            " tsdb create-blocks-from openmetrics " + in + " " + out,
                        &code);
  ASSERT_EQ(code, 0) << log;
  // Each Prometheus block opens and reads back exactly.
  Samples got;
  int blocks = 0;
  auto names = *fileutil::ListDir(out);
  for (const std::string& n : names) {
    auto b = Block::Open(JoinPath(out, n));
    ASSERT_TRUE(b.ok()) << b.status();
    ++blocks;
    auto entries = (*b)->Select(INT64_MIN, INT64_MAX, nullptr);
    ASSERT_TRUE(entries.ok()) << entries.status();
    auto set = internal::NewListSeriesSet(*std::move(entries), INT64_MIN, INT64_MAX);
    while (set->Next()) {
      auto it = set->NewIterator();
      while (it->Next()) {
        got[set->labels().ToString()].emplace_back(it->timestamp(), it->value());
      }
      ASSERT_TRUE(it->status().ok());
    }
  }
  EXPECT_GE(blocks, 1);
  for (auto& [k, v] : got) std::sort(v.begin(), v.end());
  EXPECT_EQ(got, want);
  // And as a DB directory, merged with a Vigil head.
  auto db = DB::Open(out, NoBackground());
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(ReadAll(**db), want);
}

// Samples per chunk, from the chunk's 16-bit header.
int ChunkSamples(const internal::ChunkMeta& c) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(c.bytes.data());
  return c.bytes.size() >= 2 ? (p[0] << 8) | p[1] : -1;
}

// Removes samples of series whose labels contain `part` in [mint, maxt].
void DropRange(Samples* s, const std::string& part, int64_t mint, int64_t maxt) {
  for (auto& [k, v] : *s) {
    if (k.find(part) == std::string::npos) continue;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const auto& x) {
                             return x.first >= mint && x.first <= maxt;
                           }),
            v.end());
  }
}

// Compacts 20h of 7 series cut into 2h blocks, with samples deleted by a
// tombstone, into chunks of `per_chunk` samples. Returns the expected
// samples; checks what the blocks hold.
Samples CompactAndCheck(const std::string& dir, int per_chunk, bool reencode) {
  Options o = NoBackground();
  o.block_samples_per_chunk = per_chunk;
  o.reencode_chunks = reencode;
  const int64_t start = 1700006400000;  // 2h-aligned
  auto db = *DB::Open(dir, o);
  Samples want = FillDB(db.get(), 7, start, 20 * 240);
  EXPECT_TRUE(db->FlushHead().ok());
  // Tombstones inside one 2h block and across two.
  const int64_t h = 3600 * 1000;
  EXPECT_TRUE(db->Delete(start + 3 * h, start + 3 * h + 10 * 60 * 1000,
                         {Matcher::Equal("instance", "host-2")})
                  .ok());
  EXPECT_TRUE(db->Delete(start + 5 * h, start + 7 * h,
                         {Matcher::Equal("instance", "host-5")})
                  .ok());
  DropRange(&want, "\"host-2\"", start + 3 * h, start + 3 * h + 10 * 60 * 1000);
  DropRange(&want, "\"host-5\"", start + 5 * h, start + 7 * h);
  EXPECT_TRUE(db->Compact().ok());
  EXPECT_EQ(ReadAll(*db), want);
  int compacted = 0;
  const int limit = per_chunk > 120 ? per_chunk : 120;
  // Every block: compacted ones, and the 2h ones cut from the head.
  for (const BlockMeta& m : db->Blocks()) {
    if (m.level >= 2) ++compacted;
    auto b = Block::Open(JoinPath(dir, m.ulid));
    EXPECT_TRUE(b.ok()) << b.status();
    if (!b.ok()) continue;
    auto entries = (*b)->Select(m.min_time, m.max_time - 1, nullptr);
    EXPECT_TRUE(entries.ok()) << entries.status();
    if (!entries.ok()) continue;
    uint64_t samples = 0;
    for (const internal::SeriesEntry& e : *entries) {
      for (size_t i = 0; i < e.chunks.size(); ++i) {
        const internal::ChunkMeta& c = e.chunks[i];
        int n = ChunkSamples(c);
        samples += n;
        EXPECT_LE(n, limit) << e.labels.ToString();
        // All but the last are full, tombstoned series too (chunks are
        // cut by count).
        if (i + 1 < e.chunks.size() && per_chunk > 120) {
          EXPECT_EQ(n, per_chunk) << e.labels.ToString() << " chunk " << i;
        }
        // The index's mint/maxt are the chunk's first and last samples.
        auto it = internal::NewChunksIterator({c}, {}, INT64_MIN, INT64_MAX);
        int64_t first = INT64_MIN, last = INT64_MIN;
        int got = 0;
        while (it->Next()) {
          if (got++ == 0) first = it->timestamp();
          last = it->timestamp();
        }
        EXPECT_EQ(got, n);
        EXPECT_EQ(first, c.mint);
        EXPECT_EQ(last, c.maxt);
        EXPECT_GE(c.mint, m.min_time);
        EXPECT_LT(c.maxt, m.max_time);
      }
    }
    EXPECT_EQ(samples, m.num_samples);
  }
  EXPECT_GE(compacted, 2);
  EXPECT_TRUE(db->Close().ok());
  return want;
}

TEST(BlockTest, CompactionCutsLongerChunksKeepingEverySample) {
  for (int per_chunk : {0, 240, 480}) {
    SCOPED_TRACE(per_chunk);
    std::string dir = TestDir("compact_chunks_" + std::to_string(per_chunk));
    Samples want = CompactAndCheck(dir, per_chunk, true);
    // Reopened from disk: the same samples.
    auto db = *DB::Open(dir, NoBackground());
    EXPECT_EQ(ReadAll(*db), want);
  }
}

TEST(BlockTest, ReencodedBlocksAreSmallerWithTheSameSamples) {
  std::string dir_copy = TestDir("reencode_off"), dir_re = TestDir("reencode_on");
  int64_t size[2] = {0, 0};
  Samples got[2];
  for (int re = 0; re < 2; ++re) {
    Options o = NoBackground();
    o.reencode_chunks = re == 1;
    o.block_samples_per_chunk = 0;  // the head's chunk boundaries
    const std::string& dir = re ? dir_re : dir_copy;
    auto db = *DB::Open(dir, o);
    FillDB(db.get(), 20, 1700006400000, 480);  // one 2h block
    ASSERT_TRUE(db->FlushHead().ok());
    ASSERT_EQ(db->Blocks().size(), 1u);
    const BlockMeta m = db->Blocks()[0];
    size[re] = fileutil::DirSize(JoinPath(JoinPath(dir, m.ulid), "chunks"));
    auto b = *Block::Open(JoinPath(dir, m.ulid));
    auto entries = *b->Select(m.min_time, m.max_time - 1, nullptr);
    for (const auto& e : entries) {
      // Re-encoding keeps the head's 120-sample chunks.
      for (const auto& c : e.chunks) EXPECT_EQ(ChunkSamples(c), 120);
    }
    got[re] = ReadAll(*db);
  }
  EXPECT_EQ(got[0], got[1]);
  EXPECT_LT(size[1], size[0]);
}

TEST_F(PromtoolTest, PromtoolReadsCompactedLongChunks) {
  std::string dir = TestDir("promtool_long_chunks");
  Samples want = CompactAndCheck(dir, 480, true);
  int code;
  std::string analyze = RunCommand(std::string(kPromtool) + " tsdb analyze " + dir, &code);
  EXPECT_EQ(code, 0) << analyze;
  std::string dump = RunCommand(std::string(kPromtool) + " tsdb dump " + dir, &code);
  ASSERT_EQ(code, 0) << dump.substr(0, 2000);
  EXPECT_EQ(ParseDump(dump), want);
}

}  // namespace
}  // namespace vigil::tsdb
