#include "libremote/fanout_appendable.h"

#include <vector>

#include "gtest/gtest.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::remote {
namespace {

// Refuses negative values at Append (as a storage refuses a bad sample).
class PickyAppendable final : public storage::Appendable {
 public:
  explicit PickyAppendable(storage::Appendable* next) : next_(next) {}
  std::unique_ptr<storage::Appender> NewAppender() override {
    class App final : public storage::Appender {
     public:
      explicit App(std::unique_ptr<storage::Appender> a) : a_(std::move(a)) {}
      absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef r, const model::Labels& l,
                                                int64_t t, double v) override {
        if (v < 0) return absl::InvalidArgumentError("negative");
        return a_->Append(r, l, t, v);
      }
      absl::Status Commit() override { return a_->Commit(); }
      absl::Status Rollback() override { return a_->Rollback(); }

     private:
      std::unique_ptr<storage::Appender> a_;
    };
    return std::make_unique<App>(next_->NewAppender());
  }

 private:
  storage::Appendable* next_;
};

std::vector<int64_t> Timestamps(storage::MemoryStorage* s) {
  std::vector<int64_t> ts;
  auto q = s->NewQuerier(0, 100000);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "m")});
  while (set->Next()) {
    auto it = set->NewIterator();
    while (it->Next()) ts.push_back(it->timestamp());
  }
  return ts;
}

TEST(FanoutAppendableTest, SecondariesGetOnlyWhatThePrimaryAcceptedAndCommitted) {
  storage::MemoryStorage local, remote;
  PickyAppendable primary(&local);
  FanoutAppendable fanout(&primary, {&remote});
  model::Labels l = model::Labels::FromPairs({{"__name__", "m"}});
  {
    auto app = fanout.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 100, 1).ok());
    EXPECT_FALSE(app->Append(0, l, 150, -1).ok());  // refused: not forwarded
    ASSERT_TRUE(app->Append(0, l, 200, 2).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  {
    // The primary's commit fails (out of order): the secondary rolls back.
    auto app = fanout.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 50, 3).ok());
    EXPECT_FALSE(app->Commit().ok());
  }
  {
    auto app = fanout.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 300, 4).ok());
    ASSERT_TRUE(app->Rollback().ok());
  }
  EXPECT_EQ(Timestamps(&local), (std::vector<int64_t>{100, 200}));
  EXPECT_EQ(Timestamps(&remote), (std::vector<int64_t>{100, 200}));
}

}  // namespace
}  // namespace vigil::remote
