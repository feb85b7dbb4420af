// Block format tests, with promtool (Prometheus 2.42) as the oracle.

#include "libtsdb/block.h"

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

}  // namespace
}  // namespace vigil::tsdb
