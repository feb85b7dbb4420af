#include "libremote/merge_queryable.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::remote {
namespace {

void Put(storage::MemoryStorage* s, const model::Labels& l,
         std::vector<std::pair<int64_t, double>> samples) {
  auto app = s->NewAppender();
  for (auto [t, v] : samples) ASSERT_TRUE(app->Append(0, l, t, v).ok());
  ASSERT_TRUE(app->Commit().ok());
}

class FailingQueryable final : public storage::Queryable {
 public:
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t, int64_t) override {
    return absl::UnavailableError("endpoint x is down");
  }
};

model::Labels M(absl::string_view job) {
  return model::Labels::FromPairs({{"__name__", "up"}, {"job", job}});
}

TEST(MergeQueryableTest, MergesIdenticalSeriesPrimaryWinsOnEqualTimestamps) {
  storage::MemoryStorage local, remote1, remote2;
  Put(&local, M("b"), {{10, 1}, {30, 3}});
  Put(&remote1, M("b"), {{10, 100}, {20, 2}, {40, 4}});
  Put(&remote1, M("c"), {{5, 5}});
  Put(&remote2, M("a"), {{1, 1}});
  Put(&remote2, M("b"), {{20, 200}, {50, 5}});
  MergeQueryable merged({&local}, {&remote1, &remote2});
  auto q = merged.NewQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(false, nullptr, {model::Matcher::Equal("__name__", "up")});
  std::vector<std::string> names;
  std::vector<std::pair<int64_t, double>> b;
  while (set->Next()) {
    names.push_back(std::string(set->labels().Get("job")));
    if (set->labels().Get("job") == "b") {
      auto it = set->NewIterator();
      while (it->Next()) b.push_back({it->timestamp(), it->value()});
    }
  }
  ASSERT_TRUE(set->status().ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(b, (std::vector<std::pair<int64_t, double>>{
                   {10, 1}, {20, 2}, {30, 3}, {40, 4}, {50, 5}}));
  EXPECT_TRUE(set->warnings().empty());

  // Seek on a merged series.
  auto set2 = (*q)->Select(true, nullptr, {model::Matcher::Equal("job", "b")});
  ASSERT_TRUE(set2->Next());
  auto it = set2->NewIterator();
  ASSERT_TRUE(it->Seek(25));
  EXPECT_EQ(it->timestamp(), 30);
  ASSERT_TRUE(it->Seek(30));  // stays put
  EXPECT_EQ(it->timestamp(), 30);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->timestamp(), 40);
  EXPECT_FALSE(it->Seek(60));

  auto values = (*q)->LabelValues("job", {});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MergeQueryableTest, SecondaryFailureIsAWarningPrimaryFailureAnError) {
  storage::MemoryStorage local;
  Put(&local, M("a"), {{1, 1}});
  FailingQueryable down;
  MergeQueryable merged({&local}, {&down});
  auto q = merged.NewQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  ASSERT_TRUE(set->Next());
  EXPECT_FALSE(set->Next());
  EXPECT_TRUE(set->status().ok());
  ASSERT_EQ(set->warnings().size(), 1u);
  EXPECT_EQ(set->warnings()[0], "endpoint x is down");

  MergeQueryable broken({&down}, {&local});
  EXPECT_EQ(broken.NewQuerier(0, 100).status().code(), absl::StatusCode::kUnavailable);

  // A failing series set of a primary fails the merge.
  std::vector<std::unique_ptr<storage::SeriesSet>> sets;
  sets.push_back(storage::EmptySeriesSet(absl::DataLossError("bad block")));
  sets.push_back(storage::EmptySeriesSet(absl::UnavailableError("remote")));
  auto m = MergeSeriesSets(std::move(sets), {false, true});
  EXPECT_FALSE(m->Next());
  EXPECT_EQ(m->status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::remote
