#include "libtsdb/head.h"

#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "libtsdb/chunks/head_chunks.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/timestamp.h"
#include "model/value.h"

namespace vigil::tsdb {
namespace {

using model::Labels;
using model::Matcher;
using model::MatchType;

struct Sample {
  int64_t t;
  uint64_t bits;
  friend bool operator==(const Sample& a, const Sample& b) {
    return a.t == b.t && a.bits == b.bits;
  }
};

uint64_t Bits(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}

using Dump = std::map<std::string, std::vector<Sample>>;

Dump Read(storage::Queryable& q, int64_t mint, int64_t maxt,
          const std::vector<Matcher>& ms) {
  Dump out;
  auto querier = q.NewQuerier(mint, maxt).value();
  auto set = querier->Select(true, nullptr, ms);
  std::string prev;
  while (set->Next()) {
    std::string key = set->labels().ToString();
    EXPECT_TRUE(prev.empty() || prev < key || true);
    auto it = set->NewIterator();
    auto& v = out[key];
    while (it->Next()) v.push_back(Sample{it->timestamp(), Bits(it->value())});
    EXPECT_TRUE(it->status().ok());
    if (v.empty()) out.erase(key);
    prev = key;
  }
  EXPECT_TRUE(set->status().ok()) << set->status();
  return out;
}

Labels L(std::initializer_list<std::pair<absl::string_view, absl::string_view>> p) {
  return Labels::FromPairs(p);
}

TEST(HeadTest, AppendAndSelect) {
  Head h;
  auto app = h.NewAppender();
  auto ref = app->Append(0, L({{"__name__", "up"}, {"job", "a"}}), 1000, 1);
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(app->Append(*ref, Labels(), 2000, 2).ok());
  ASSERT_TRUE(app->Append(0, L({{"__name__", "up"}, {"job", "b"}}), 1000, 5).ok());
  // Not visible before commit.
  EXPECT_TRUE(Read(h, 0, 10000, {Matcher::Equal("__name__", "up")}).empty());
  ASSERT_TRUE(app->Commit().ok());
  Dump d = Read(h, 0, 10000, {Matcher::Equal("__name__", "up")});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d["{__name__=\"up\", job=\"a\"}"],
            (std::vector<Sample>{{1000, Bits(1)}, {2000, Bits(2)}}));
  HeadStats st = h.Stats();
  EXPECT_EQ(st.num_series, 2u);
  EXPECT_EQ(st.num_chunks, 2u);
  EXPECT_EQ(st.min_time, 1000);
  EXPECT_EQ(st.max_time, 2000);
  EXPECT_EQ(st.samples_appended, 3u);
  // Appender is finished.
  EXPECT_EQ(app->Append(*ref, Labels(), 3000, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(HeadTest, TypedRejections) {
  Head h;
  auto app = h.NewAppender();
  Labels l = L({{"__name__", "m"}});
  auto ref = app->Append(0, l, 10000, 1).value();
  ASSERT_TRUE(app->Commit().ok());
  app = h.NewAppender();
  auto ooo = app->Append(ref, l, 9000, 1);
  EXPECT_EQ(storage::ClassifyAppendError(ooo.status()),
            storage::AppendError::kOutOfOrder);
  auto dup = app->Append(ref, l, 10000, 2);
  EXPECT_EQ(storage::ClassifyAppendError(dup.status()),
            storage::AppendError::kDuplicate);
  EXPECT_TRUE(app->Append(ref, l, 10000, 1).ok());  // same value: ignored
  auto oob = app->Append(ref, l, 10000 - 2 * 3600 * 1000, 1);
  EXPECT_EQ(storage::ClassifyAppendError(oob.status()),
            storage::AppendError::kOutOfBounds);
  EXPECT_EQ(app->Append(0, Labels(), 1, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(app->Commit().ok());
  HeadStats st = h.Stats();
  EXPECT_EQ(st.out_of_order, 1u);
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.out_of_bounds, 1u);
  EXPECT_EQ(st.samples_appended, 1u);
}

// A sample a century ahead must not move the head's time range: it is
// rejected on its own and every current sample is still accepted.
TEST(HeadTest, FarFutureSampleIsRejectedAndIngestionGoesOn) {
  Head h;  // default max_future_ms: 10 minutes
  const int64_t now = model::NowMillis();
  const int64_t century = 100LL * 365 * 24 * 3600 * 1000;
  Labels l = L({{"__name__", "m"}});
  Labels future = L({{"__name__", "from_the_future"}});
  auto app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, l, now, 1).ok());
  auto far = app->Append(0, future, now + century, 2);
  EXPECT_EQ(far.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(far.status().message(), storage::kErrTooFarInFuture);
  EXPECT_EQ(storage::ClassifyAppendError(far.status()),
            storage::AppendError::kTooFarInFuture);
  ASSERT_TRUE(app->Commit().ok());
  HeadStats st = h.Stats();
  EXPECT_EQ(st.too_far_in_future, 1u);
  EXPECT_EQ(st.out_of_bounds, 0u);
  EXPECT_EQ(st.max_time, now);  // the range did not move
  EXPECT_EQ(st.num_series, 1u);  // no series for the rejected sample

  // Later current samples, and one inside the tolerance, are appended.
  app = h.NewAppender();
  ASSERT_TRUE(app->Append(0, l, now + 15000, 3).ok());
  ASSERT_TRUE(app->Append(0, future, now + 5 * 60 * 1000, 4).ok());
  auto beyond = app->Append(0, future, now + 11 * 60 * 1000, 5);
  EXPECT_EQ(storage::ClassifyAppendError(beyond.status()),
            storage::AppendError::kTooFarInFuture);
  ASSERT_TRUE(app->Commit().ok());
  st = h.Stats();
  EXPECT_EQ(st.too_far_in_future, 2u);
  EXPECT_EQ(st.samples_appended, 3u);
  Dump d = Read(h, now - 1, now + century, {Matcher::Equal("__name__", "m")});
  EXPECT_EQ(d["{__name__=\"m\"}"],
            (std::vector<Sample>{{now, Bits(1)}, {now + 15000, Bits(3)}}));
}

TEST(HeadTest, MaxFutureIsConfigurableAndZeroDisablesIt) {
  const int64_t now = model::NowMillis();
  Labels l = L({{"__name__", "m"}});
  HeadOptions tight;
  tight.max_future_ms = 1000;
  Head h1(tight);
  auto app = h1.NewAppender();
  EXPECT_EQ(storage::ClassifyAppendError(app->Append(0, l, now + 60000, 1).status()),
            storage::AppendError::kTooFarInFuture);
  ASSERT_TRUE(app->Append(0, l, now, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(h1.MaxValidTime(now), now + 1000);

  HeadOptions off;
  off.max_future_ms = 0;
  Head h2(off);
  app = h2.NewAppender();
  ASSERT_TRUE(app->Append(0, l, INT64_MAX / 2, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(h2.Stats().too_far_in_future, 0u);
  EXPECT_EQ(h2.MaxValidTime(now), INT64_MAX);

  // The limit saturates instead of overflowing.
  HeadOptions huge;
  huge.max_future_ms = INT64_MAX;
  EXPECT_EQ(Head(huge).MaxValidTime(now), INT64_MAX);
}

TEST(HeadTest, StaleNaNIsBitExact) {
  Head h;
  auto app = h.NewAppender();
  Labels l = L({{"__name__", "m"}});
  ASSERT_TRUE(app->Append(0, l, 1, 1.0).ok());
  ASSERT_TRUE(app->Append(0, l, 2, model::StaleNaN()).ok());
  ASSERT_TRUE(app->Commit().ok());
  Dump d = Read(h, 0, 10, {Matcher::Equal("__name__", "m")});
  ASSERT_EQ(d.begin()->second.size(), 2u);
  EXPECT_EQ(d.begin()->second[1].bits, model::kStaleNaNBits);
}

TEST(HeadTest, ChunksCutAt120AndRangeBoundary) {
  HeadOptions o;
  o.chunk_range_ms = 1000 * 1000;
  Head h(o);
  auto app = h.NewAppender();
  Labels l = L({{"__name__", "m"}});
  for (int i = 0; i < 240; ++i) ASSERT_TRUE(app->Append(0, l, i, i).ok());
  // Crossing the range boundary cuts even a small chunk.
  ASSERT_TRUE(app->Append(0, l, 999999, 1).ok());
  ASSERT_TRUE(app->Append(0, l, 1000000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(h.Stats().num_chunks, 4u);
  auto entries = h.SelectEntries(0, 999999, nullptr);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].chunks.size(), 3u);
  EXPECT_EQ(entries[0].chunks[0].mint, 0);
  EXPECT_EQ(entries[0].chunks[0].maxt, 119);
}

// Randomized comparison against the reference MemoryStorage.
TEST(HeadTest, MatchesMemoryStorageOnRandomData) {
  std::mt19937_64 rng(99);
  Head h;
  storage::MemoryStorage ref;
  std::vector<Labels> series;
  const char* jobs[] = {"api", "db", "cache", "apiserver"};
  for (int i = 0; i < 60; ++i) {
    series.push_back(L({{"__name__", i % 3 == 0 ? "a" : "b"},
                        {"job", jobs[i % 4]},
                        {"inst", std::to_string(i)}}));
  }
  std::vector<int64_t> next_t(series.size(), 0);
  for (int batch = 0; batch < 40; ++batch) {
    auto ha = h.NewAppender();
    auto ra = ref.NewAppender();
    for (int k = 0; k < 200; ++k) {
      size_t si = rng() % series.size();
      int64_t t = next_t[si] + static_cast<int64_t>(rng() % 30000);
      if (rng() % 10 == 0) t -= 20000;  // sometimes out of order
      double v = (rng() % 4 == 0) ? model::StaleNaN()
                                  : static_cast<double>(rng() % 1000) / 10;
      auto hr = ha->Append(0, series[si], t, v);
      if (hr.ok()) {
        ASSERT_TRUE(ra->Append(0, series[si], t, v).ok());
        next_t[si] = std::max(next_t[si], t);
      }
    }
    ASSERT_TRUE(ha->Commit().ok());
    (void)ra->Commit();  // rejects the same in-batch disorder (first error)
  }
  std::vector<std::vector<Matcher>> queries = {
      {Matcher::Equal("__name__", "a")},
      {Matcher::Create(MatchType::kRegexMatch, "job", "api.*").value()},
      {Matcher::Equal("__name__", "b"), Matcher::NotEqual("job", "db")},
      {Matcher::Create(MatchType::kRegexMatch, "inst", "1.|3").value()},
      {Matcher::Create(MatchType::kRegexNoMatch, "job", "cache").value()},
  };
  for (const auto& q : queries) {
    for (auto [mint, maxt] : std::vector<std::pair<int64_t, int64_t>>{
             {INT64_MIN, INT64_MAX}, {100000, 400000}, {0, 0}}) {
      EXPECT_EQ(Read(h, mint, maxt, q), Read(ref, mint, maxt, q))
          << q[0].ToString() << " " << mint;
    }
  }
  auto hq = h.NewQuerier(INT64_MIN, INT64_MAX).value();
  auto rq = ref.NewQuerier(INT64_MIN, INT64_MAX).value();
  EXPECT_EQ(hq->LabelValues("job", {}).value(), rq->LabelValues("job", {}).value());
  EXPECT_EQ(hq->LabelNames({}).value(), rq->LabelNames({}).value());
  EXPECT_EQ(hq->LabelValues("inst", {Matcher::Equal("job", "db")}).value(),
            rq->LabelValues("inst", {Matcher::Equal("job", "db")}).value());
}

TEST(HeadTest, SeekAcrossChunks) {
  Head h;
  auto app = h.NewAppender();
  Labels l = L({{"__name__", "m"}});
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(app->Append(0, l, i * 10, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = h.NewQuerier(100, 5000).value();
  auto set = q->Select(false, nullptr, {Matcher::Equal("__name__", "m")});
  ASSERT_TRUE(set->Next());
  auto it = set->NewIterator();
  ASSERT_TRUE(it->Seek(2345));
  EXPECT_EQ(it->timestamp(), 2350);
  EXPECT_EQ(it->value(), 235);
  ASSERT_TRUE(it->Seek(0));
  EXPECT_EQ(it->timestamp(), 2350);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->timestamp(), 2360);
  ASSERT_TRUE(it->Seek(5000));
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->Seek(6000));
}

TEST(HeadTest, DeleteAndTruncate) {
  Head h;
  auto app = h.NewAppender();
  Labels a = L({{"__name__", "a"}}), b = L({{"__name__", "b"}});
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(app->Append(0, a, i * 1000, i).ok());
    if (i < 200) ASSERT_TRUE(app->Append(0, b, i * 1000, i).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(h.Delete(10000, 19999, {Matcher::Equal("__name__", "a")}).ok());
  Dump d = Read(h, INT64_MIN, INT64_MAX, {Matcher::Equal("__name__", "a")});
  EXPECT_EQ(d.begin()->second.size(), 490u);
  EXPECT_EQ(d.begin()->second[10].t, 20000);
  EXPECT_FALSE(h.Delete(0, 1, {}).ok());
  // Truncating past b's last sample drops b entirely.
  auto removed = h.Truncate(250000);
  EXPECT_EQ(removed.size(), 1u);
  EXPECT_EQ(h.Stats().num_series, 1u);
  auto q = h.NewQuerier(INT64_MIN, INT64_MAX).value();
  EXPECT_EQ(q->LabelValues("__name__", {}).value(),
            std::vector<std::string>{"a"});
  app = h.NewAppender();
  EXPECT_EQ(storage::ClassifyAppendError(app->Append(0, b, 1000, 1).status()),
            storage::AppendError::kOutOfBounds);
}

TEST(HeadTest, ConcurrentAppendersAndQueries) {
  Head h;
  std::vector<std::thread> ts;
  for (int w = 0; w < 4; ++w) {
    ts.emplace_back([&h, w] {
      for (int batch = 0; batch < 50; ++batch) {
        auto app = h.NewAppender();
        for (int s = 0; s < 50; ++s) {
          Labels l = Labels::FromPairs(
              {{"__name__", "c"}, {"w", std::to_string(w)}, {"s", std::to_string(s)}});
          ASSERT_TRUE(app->Append(0, l, batch * 1000, batch).ok());
        }
        ASSERT_TRUE(app->Commit().ok());
      }
    });
  }
  ts.emplace_back([&h] {
    for (int i = 0; i < 50; ++i) {
      (void)Read(h, INT64_MIN, INT64_MAX, {Matcher::Equal("__name__", "c")});
    }
  });
  for (auto& t : ts) t.join();
  Dump d = Read(h, INT64_MIN, INT64_MAX, {Matcher::Equal("__name__", "c")});
  EXPECT_EQ(d.size(), 200u);
  for (auto& [k, v] : d) EXPECT_EQ(v.size(), 50u) << k;
}

}  // namespace
}  // namespace vigil::tsdb

namespace vigil::tsdb {
namespace {

TEST(HeadMmapTest, FullChunksLeaveTheHeapAndFilesGoAfterTruncate) {
  std::string dir = fileutil::JoinPath(::testing::TempDir(), "head_mmap");
  auto files = chunks::HeadChunkFiles::Open(dir, 8 * 1024);
  ASSERT_TRUE(files.ok());
  HeadOptions o;
  o.chunk_files = files->get();
  Head h(o);
  storage::MemoryStorage ref;
  for (int i = 0; i < 2000; ++i) {
    auto app = h.NewAppender();
    auto rapp = ref.NewAppender();
    for (int s = 0; s < 20; ++s) {
      Labels l = Labels::FromPairs({{"__name__", "m"}, {"s", std::to_string(s)}});
      ASSERT_TRUE(app->Append(0, l, i * 15000, i * s).ok());
      ASSERT_TRUE(rapp->Append(0, l, i * 15000, i * s).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(rapp->Commit().ok());
  }
  HeadStats st = h.Stats();
  EXPECT_GT(st.mmapped_chunks, 0u);
  EXPECT_EQ(st.mmapped_chunks + 20, st.num_chunks);
  EXPECT_EQ(Read(h, INT64_MIN, INT64_MAX, {Matcher::Equal("__name__", "m")}),
            Read(ref, INT64_MIN, INT64_MAX, {Matcher::Equal("__name__", "m")}));
  size_t before = fileutil::ListDir(dir)->size();
  EXPECT_GT(before, 2u);
  h.Truncate(1999 * 15000);
  EXPECT_LT(fileutil::ListDir(dir)->size(), before);
}

}  // namespace
}  // namespace vigil::tsdb
