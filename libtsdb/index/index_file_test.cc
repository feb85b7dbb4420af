#include <random>

#include "gtest/gtest.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/index/index_reader.h"
#include "libtsdb/index/index_writer.h"

namespace vigil::tsdb::index {
namespace {

std::vector<IndexSeries> MakeSeries() {
  std::vector<IndexSeries> s;
  for (int i = 0; i < 50; ++i) {
    IndexSeries x;
    x.labels = model::Labels::FromPairs(
        {{"__name__", i % 2 ? "up" : "http_requests_total"},
         {"instance", "host-" + std::to_string(i)},
         {"job", i % 3 ? "api" : "db"}});
    for (int c = 0; c < i % 4; ++c) {
      x.chunks.push_back({c * 1000, c * 1000 + 999,
                          static_cast<uint64_t>(8 + 100 * i + 10 * c)});
    }
    s.push_back(std::move(x));
  }
  std::sort(s.begin(), s.end(), [](const IndexSeries& a, const IndexSeries& b) {
    return a.labels < b.labels;
  });
  return s;
}

TEST(IndexFileTest, WriteThenRead) {
  std::string path = fileutil::JoinPath(::testing::TempDir(), "index_rt");
  auto series = MakeSeries();
  ASSERT_TRUE(WriteIndexFile(path, series).ok());
  auto r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  Postings all = (*r)->AllPostings();
  ASSERT_EQ(all.size(), series.size());
  for (size_t i = 0; i < all.size(); ++i) {
    model::Labels l;
    std::vector<ChunkRefMeta> chunks;
    ASSERT_TRUE((*r)->Series(all[i], &l, &chunks).ok());
    EXPECT_EQ(l, series[i].labels);
    ASSERT_EQ(chunks.size(), series[i].chunks.size());
    for (size_t c = 0; c < chunks.size(); ++c) {
      EXPECT_EQ(chunks[c].mint, series[i].chunks[c].mint);
      EXPECT_EQ(chunks[c].maxt, series[i].chunks[c].maxt);
      EXPECT_EQ(chunks[c].ref, series[i].chunks[c].ref);
    }
  }
  EXPECT_EQ((*r)->LabelNames(),
            (std::vector<std::string>{"__name__", "instance", "job"}));
  EXPECT_EQ((*r)->LabelValues("job"), (std::vector<std::string>{"api", "db"}));
  auto m = model::Matcher::Create(model::MatchType::kRegexMatch, "instance",
                                  "host-1.*")
               .value();
  Postings p = PostingsForMatchers(**r, {m, model::Matcher::Equal("job", "db")});
  size_t want = 0;
  for (const auto& s : series) {
    if (m.MatchesLabels(s.labels) && s.labels.Get("job") == "db") ++want;
  }
  EXPECT_EQ(p.size(), want);
  EXPECT_GT(want, 0u);
}

TEST(IndexFileTest, RejectsUnsortedInput) {
  auto series = MakeSeries();
  std::swap(series[0], series[1]);
  std::string out;
  EXPECT_EQ(BuildIndex(series, &out).code(), absl::StatusCode::kInvalidArgument);
}

TEST(IndexFileTest, CorruptBytesGiveErrorsNotCrashes) {
  std::string path = fileutil::JoinPath(::testing::TempDir(), "index_bad");
  std::string good;
  ASSERT_TRUE(BuildIndex(MakeSeries(), &good).ok());
  std::mt19937_64 rng(4);
  int detected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    if (trial % 4 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    ASSERT_TRUE(fileutil::WriteFileAtomic(path, bad).ok());
    auto r = IndexReader::Open(path);
    if (!r.ok()) {
      ++detected;
      continue;
    }
    bool err = false;
    for (const std::string& n : (*r)->LabelNames()) {
      for (const std::string& v : (*r)->LabelValues(n)) {
        if (!(*r)->ReadPostings(n, v).ok()) err = true;
      }
    }
    auto all = (*r)->ReadPostings("", "");
    if (all.ok()) {
      for (uint64_t id : *all) {
        model::Labels l;
        std::vector<ChunkRefMeta> c;
        if (!(*r)->Series(id, &l, &c).ok()) err = true;
      }
    } else {
      err = true;
    }
    if (err) ++detected;
  }
  // Padding bytes are not covered by checksums; nearly everything else is.
  EXPECT_GT(detected, 250);
}

}  // namespace
}  // namespace vigil::tsdb::index
