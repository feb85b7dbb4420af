#include "examples/server/federate.h"

#include "examples/server/engine_query.h"
#include "gtest/gtest.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/value.h"

namespace vigil::server {
namespace {

TEST(FederateTest, ValueFormattingAsGo) {
  EXPECT_EQ(FormatExpositionValue(1), "1");
  EXPECT_EQ(FormatExpositionValue(0.5), "0.5");
  EXPECT_EQ(FormatExpositionValue(123456), "123456");
  EXPECT_EQ(FormatExpositionValue(1234567), "1.234567e+06");
  EXPECT_EQ(FormatExpositionValue(1e6), "1e+06");
  EXPECT_EQ(FormatExpositionValue(0.0001), "0.0001");
  EXPECT_EQ(FormatExpositionValue(0.00001), "1e-05");
  EXPECT_EQ(FormatExpositionValue(-0.0), "0");
  EXPECT_EQ(FormatExpositionValue(-2.5), "-2.5");
  EXPECT_EQ(FormatExpositionValue(1.0 / 0.0), "+Inf");
}

TEST(FederateTest, LatestSamplesWithExternalLabels) {
  storage::MemoryStorage db;
  auto app = db.NewAppender();
  model::Labels a = model::Labels::FromPairs({{"__name__", "up"}, {"job", "a"}});
  model::Labels b = model::Labels::FromPairs({{"__name__", "up"}, {"job", "b"}});
  model::Labels old = model::Labels::FromPairs({{"__name__", "up"}, {"job", "old"}});
  model::Labels stale = model::Labels::FromPairs({{"__name__", "up"}, {"job", "gone"}});
  model::Labels other = model::Labels::FromPairs(
      {{"__name__", "http_total"}, {"path", "/a\"b"}, {"cluster", "mine"}});
  ASSERT_TRUE(app->Append(0, a, 590000, 1).ok());
  ASSERT_TRUE(app->Append(0, a, 600000, 0).ok());
  ASSERT_TRUE(app->Append(0, a, 700000, 5).ok());  // after "now": ignored
  ASSERT_TRUE(app->Append(0, b, 599000, 1).ok());
  ASSERT_TRUE(app->Append(0, old, 100000, 1).ok());  // beyond the lookback
  ASSERT_TRUE(app->Append(0, stale, 590000, 1).ok());
  ASSERT_TRUE(app->Append(0, stale, 595000, model::StaleNaN()).ok());
  ASSERT_TRUE(app->Append(0, other, 600000, 1234567).ok());
  ASSERT_TRUE(app->Commit().ok());

  Federation::Options opts;
  opts.external_labels = model::Labels::FromPairs({{"cluster", "eu"}});
  opts.now_ms = [] { return int64_t{600000}; };
  Federation f(&db, MakeSelectorParser(), opts);
  absl::StatusOr<std::string> text = f.Render({"up", "{__name__=\"http_total\"}", "up{job=\"a\"}"});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "# TYPE http_total untyped\n"
            "http_total{cluster=\"mine\",path=\"/a\\\"b\"} 1.234567e+06 600000\n"
            "# TYPE up untyped\n"
            "up{cluster=\"eu\",job=\"a\"} 0 600000\n"
            "up{cluster=\"eu\",job=\"b\"} 1 599000\n");
  EXPECT_EQ(f.Render({"up{"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*f.Render({}), "");
  // A reload's new external labels apply to the next render.
  f.SetExternalLabels(model::Labels::FromPairs({{"cluster", "us"}, {"job", "x"}}));
  EXPECT_EQ(*f.Render({"up{job=\"b\"}"}),
            "# TYPE up untyped\n"
            "up{cluster=\"us\",job=\"b\"} 1 599000\n");
}

}  // namespace
}  // namespace vigil::server
