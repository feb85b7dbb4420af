#include "libtsdb/storage/memory_storage.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/value.h"

namespace vigil::storage {
namespace {

using model::Labels;
using model::Matcher;

struct Got {
  std::string labels;
  std::vector<std::pair<int64_t, double>> samples;
};

std::vector<Got> SelectAll(Queryable* q, int64_t mint, int64_t maxt,
                           const std::vector<Matcher>& ms) {
  auto querier = q->NewQuerier(mint, maxt);
  EXPECT_TRUE(querier.ok());
  auto set = (*querier)->Select(true, nullptr, ms);
  std::vector<Got> out;
  while (set->Next()) {
    Got g{set->labels().ToString(), {}};
    auto it = set->NewIterator();
    while (it->Next()) g.samples.emplace_back(it->timestamp(), it->value());
    EXPECT_TRUE(it->status().ok());
    out.push_back(std::move(g));
  }
  EXPECT_TRUE(set->status().ok());
  return out;
}

TEST(MemoryStorageTest, AppendCommitSelect) {
  MemoryStorage db;
  auto app = db.NewAppender();
  Labels a = Labels::FromPairs({{"__name__", "m"}, {"job", "a"}});
  Labels b = Labels::FromPairs({{"__name__", "m"}, {"job", "b"}});
  auto ra = app->Append(0, a, 1000, 1);
  ASSERT_TRUE(ra.ok());
  ASSERT_TRUE(app->Append(*ra, Labels(), 2000, 2).ok());  // by ref
  ASSERT_TRUE(app->Append(0, b, 1000, 10).ok());
  // Invisible before commit.
  EXPECT_TRUE(SelectAll(&db, 0, 5000, {Matcher::Equal("__name__", "m")}).empty());
  ASSERT_TRUE(app->Commit().ok());

  auto got = SelectAll(&db, 0, 5000, {Matcher::Equal("__name__", "m")});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].labels, "{__name__=\"m\", job=\"a\"}");
  EXPECT_EQ(got[0].samples, (std::vector<std::pair<int64_t, double>>{{1000, 1}, {2000, 2}}));
  // Time range is inclusive on both ends.
  got = SelectAll(&db, 2000, 2000, {Matcher::Equal("job", "a")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 1u);
  EXPECT_TRUE(SelectAll(&db, 3000, 4000, {Matcher::Equal("job", "a")}).empty());
}

TEST(MemoryStorageTest, RejectsOutOfOrderAndDuplicates) {
  MemoryStorage db;
  Labels a = Labels::FromPairs({{"__name__", "m"}});
  auto app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 2000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 1000, 1).ok());
  absl::Status st = app->Commit();
  EXPECT_EQ(ClassifyAppendError(st), AppendError::kOutOfOrder);
  app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 2000, 5).ok());
  EXPECT_EQ(ClassifyAppendError(app->Commit()), AppendError::kDuplicate);
  app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 2000, 1).ok());  // same value: ignored
  EXPECT_TRUE(app->Commit().ok());
  EXPECT_EQ(db.NumSamples(), 1u);
}

TEST(MemoryStorageTest, SeekAndStaleMarker) {
  MemoryStorage db;
  Labels a = Labels::FromPairs({{"__name__", "m"}});
  auto app = db.NewAppender();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(app->Append(0, a, i * 1000, i).ok());
  ASSERT_TRUE(app->Append(0, a, 10000, model::StaleNaN()).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = db.NewQuerier(0, 100000);
  auto set = (*q)->Select(false, nullptr, {Matcher::Equal("__name__", "m")});
  ASSERT_TRUE(set->Next());
  auto it = set->NewIterator();
  ASSERT_TRUE(it->Seek(4500));
  EXPECT_EQ(it->timestamp(), 5000);
  ASSERT_TRUE(it->Seek(1000));  // never moves backwards
  EXPECT_EQ(it->timestamp(), 5000);
  ASSERT_TRUE(it->Seek(10000));
  EXPECT_TRUE(model::IsStaleNaN(it->value()));
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE(it->Seek(20000));
}

TEST(MemoryStorageTest, NextBatchContinuesFromTheCurrentSample) {
  MemoryStorage db;
  Labels a = Labels::FromPairs({{"__name__", "m"}});
  auto app = db.NewAppender();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(app->Append(0, a, i * 1000, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = db.NewQuerier(2000, 15000);
  auto set = (*q)->Select(false, nullptr, {Matcher::Equal("__name__", "m")});
  ASSERT_TRUE(set->Next());
  auto it = set->NewIterator();
  int64_t ts[8];
  double vs[8];
  ASSERT_EQ(it->NextBatch(ts, vs, 3), 3);  // from the first sample in range
  EXPECT_EQ(ts[0], 2000);
  EXPECT_EQ(vs[2], 4);
  EXPECT_EQ(it->timestamp(), 4000);  // stands on the last one read
  ASSERT_TRUE(it->Seek(9000));
  ASSERT_EQ(it->NextBatch(ts, vs, 8), 6);  // 10000..15000, the range's end
  EXPECT_EQ(ts[0], 10000);
  EXPECT_EQ(ts[5], 15000);
  EXPECT_EQ(it->NextBatch(ts, vs, 8), 0);
  EXPECT_FALSE(it->Next());
}

TEST(MemoryStorageTest, IteratorsSurviveLaterAppends) {
  MemoryStorage db;
  Labels a = Labels::FromPairs({{"__name__", "m"}});
  auto app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = db.NewQuerier(0, 100000);
  auto set = (*q)->Select(false, nullptr, {Matcher::Equal("__name__", "m")});
  ASSERT_TRUE(set->Next());
  auto it = set->NewIterator();
  app = db.NewAppender();
  for (int i = 2; i < 100; ++i) ASSERT_TRUE(app->Append(0, a, i * 1000, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  int n = 0;
  while (it->Next()) ++n;
  EXPECT_EQ(n, 1);  // the snapshot the querier took
}

TEST(MemoryStorageTest, LabelNamesAndValues) {
  MemoryStorage db;
  auto app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, Labels::FromPairs({{"__name__", "x"}, {"job", "a"}}), 1, 1).ok());
  ASSERT_TRUE(app->Append(0, Labels::FromPairs({{"__name__", "y"}, {"job", "b"}, {"i", "1"}}), 1, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = *db.NewQuerier(0, 10);
  EXPECT_EQ(*q->LabelValues("job", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*q->LabelValues("job", {Matcher::Equal("__name__", "y")}),
            (std::vector<std::string>{"b"}));
  EXPECT_EQ(*q->LabelNames({}), (std::vector<std::string>{"__name__", "i", "job"}));
  auto set = q->Select(false, nullptr, {});
  EXPECT_FALSE(set->Next());
  EXPECT_EQ(set->status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::storage
