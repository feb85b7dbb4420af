#include "libpromql/engine.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/value.h"

namespace vigil::promql {
namespace {

using model::Labels;

class EngineTest : public ::testing::Test {
 protected:
  void Add(const Labels& l, int64_t t, double v) {
    auto app = storage_.NewAppender();
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  // `n` series x{i="0".."n-1"} with samples every 15s over [0, end].
  void Fill(int n, int64_t end_ms) {
    auto app = storage_.NewAppender();
    for (int i = 0; i < n; ++i) {
      Labels l = Labels::FromPairs(
          {{"__name__", "x_total"}, {"i", std::to_string(i)}, {"job", i % 2 ? "a" : "b"}});
      for (int64_t t = 0; t <= end_ms; t += 15000) {
        ASSERT_TRUE(app->Append(0, l, t, static_cast<double>(t / 1000)).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  storage::MemoryStorage storage_;
};

TEST_F(EngineTest, InstantVectorAndScalar) {
  Fill(2, 600000);
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "x_total", 600000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(std::holds_alternative<Vector>(r->value));
  const Vector& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].v, 600);
  EXPECT_EQ(v[0].t, 600000);
  EXPECT_EQ(v[0].metric.MetricName(), "x_total");

  r = engine.InstantQuery(&storage_, "1 + 2 * 3", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Scalar>(r->value).v, 7);

  r = engine.InstantQuery(&storage_, "\"hello\"", 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<String>(r->value).v, "hello");
}

TEST_F(EngineTest, RangeQueryRateSumBy) {
  Fill(4, 3600000);
  Engine engine(EngineOptions{});
  auto r = engine.RangeQuery(&storage_, "sum by (job) (rate(x_total[5m]))",
                             600000, 1200000, 60000);
  ASSERT_TRUE(r.ok()) << r.status();
  const Matrix& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].metric.ToString(), "{job=\"a\"}");
  ASSERT_EQ(m[0].points.size(), 11u);
  // Each series grows by 1 per second; two series per job.
  for (const FPoint& p : m[0].points) EXPECT_NEAR(p.v, 2.0, 1e-9);
  EXPECT_GT(r->stats.total_samples, 0);
}

TEST_F(EngineTest, RangeQueryRejectsMatrixResult) {
  Engine engine(EngineOptions{});
  auto r = engine.RangeQuery(&storage_, "x_total[5m]", 0, 60000, 15000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("invalid expression type \"range vector\""),
            std::string::npos)
      << r.status();
  EXPECT_FALSE(engine.RangeQuery(&storage_, "1", 0, 60000, 0).ok());
}

TEST_F(EngineTest, ParseErrorsAreInvalidArgument) {
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "sum(", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, ExperimentalSyntaxCanBeDisabled) {
  Add(Labels::FromPairs({{"__name__", "g"}}), 0, 5);
  EngineOptions o;
  o.parse_options.enable_experimental_functions = false;
  Engine strict(o);
  auto r = strict.InstantQuery(&storage_, "mad_over_time(g[1m])", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  Engine open(EngineOptions{});
  r = open.InstantQuery(&storage_, "mad_over_time(g[1m])", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<Vector>(r->value).size(), 1u);
}

TEST_F(EngineTest, ManyToManyIsAnExecutionError) {
  Add(Labels::FromPairs({{"__name__", "a"}, {"x", "1"}, {"k", "v"}}), 0, 1);
  Add(Labels::FromPairs({{"__name__", "a"}, {"x", "2"}, {"k", "v"}}), 0, 1);
  Add(Labels::FromPairs({{"__name__", "b"}, {"k", "v"}}), 0, 1);
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "b + on(k) a", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find(
                "many-to-many matching not allowed: matching labels must be "
                "unique on one side"),
            std::string::npos);
  r = engine.InstantQuery(&storage_, "a + on(k) group_left b", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::get<Vector>(r->value).size(), 2u);
}

TEST_F(EngineTest, MaxSamplesLimit) {
  Fill(50, 3600000);
  EngineOptions o;
  o.max_samples = 1000;
  Engine engine(o);
  auto r = engine.RangeQuery(&storage_, "x_total", 0, 3600000, 15000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in "
            "query execution");
  // Step grids larger than the limit are refused before they are walked.
  r = engine.InstantQuery(&storage_, "max_over_time(x_total[1d:1ms])", 3600000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  r = engine.RangeQuery(&storage_, "1", 0, 3600000, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  // A query whose windows stay small passes the same limit.
  r = engine.InstantQuery(&storage_, "sum(rate(x_total[5m]))", 3600000);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->stats.peak_samples, 1000);
}

TEST_F(EngineTest, StaleMarkerEndsSeriesAndWindowsAreLeftOpen) {
  Labels l = Labels::FromPairs({{"__name__", "g"}});
  Add(l, 0, 1);
  Add(l, 60000, model::StaleNaN());
  Add(l, 120000, 3);
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "g", 90000);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<Vector>(r->value).empty());
  // (60s, 120s] holds only the 120s sample; the stale marker is dropped.
  r = engine.InstantQuery(&storage_, "count_over_time(g[1m])", 120000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(std::get<Vector>(r->value).size(), 1u);
  EXPECT_EQ(std::get<Vector>(r->value)[0].v, 1);
  // (-60s, 0] includes the sample at 0; (0, 60s] does not.
  r = engine.InstantQuery(&storage_, "count_over_time(g[1m])", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 1u);
}

TEST_F(EngineTest, NativeHistogramFunctionsAreUnimplemented) {
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "histogram_count(x)", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(EngineTest, Cancellation) {
  Fill(10, 600000);
  Engine engine(EngineOptions{});
  CancelToken token;
  token.Cancel();
  QueryOptions qo;
  qo.cancel = &token;
  auto r = engine.RangeQuery(&storage_, "x_total", 0, 600000, 15000, qo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(EngineTest, Timeout) {
  Fill(10, 600000);
  EngineOptions o;
  o.timeout = absl::ZeroDuration();
  Engine engine(o);
  auto r = engine.RangeQuery(&storage_, "x_total", 0, 600000, 15000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(EngineTest, LookbackIsConfigurablePerQuery) {
  Add(Labels::FromPairs({{"__name__", "g"}}), 0, 5);
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(&storage_, "g", 240000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<Vector>(r->value).size(), 1u);
  QueryOptions qo;
  qo.lookback_delta_ms = 60000;
  r = engine.InstantQuery(&storage_, "g", 240000, qo);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<Vector>(r->value).empty());
}

TEST_F(EngineTest, ConcurrentQueriesShareSlots) {
  Fill(20, 600000);
  EngineOptions o;
  o.max_concurrent = 2;
  Engine engine(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = engine.RangeQuery(&storage_, "sum(rate(x_total[1m]))", 60000,
                                 600000, 15000);
      if (r.ok() && std::get<Matrix>(r->value).size() == 1) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

// Holds every querier until released, so queries stay in flight.
class GatedQueryable final : public storage::Queryable {
 public:
  explicit GatedQueryable(storage::Queryable* base) : base_(base) {}
  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint, int64_t maxt) override {
    open_.WaitForNotification();
    return base_->NewQuerier(mint, maxt);
  }
  void Open() { open_.Notify(); }

 private:
  storage::Queryable* base_;
  absl::Notification open_;
};

TEST_F(EngineTest, StatsCountQueriesInFlightAndSamples) {
  Fill(3, 600000);
  EngineOptions o;
  o.max_concurrent = 1;
  std::atomic<int> observed{0};
  o.observe_query = [&](const QueryStats& qs) {
    if (qs.total_samples > 0) ++observed;
  };
  Engine engine(o);
  EXPECT_EQ(engine.Stats().queries_concurrent_max, 1);
  GatedQueryable gated(&storage_);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      EXPECT_TRUE(engine.InstantQuery(&gated, "x_total", 600000).ok());
    });
  }
  // One runs (blocked in the storage), one waits for the slot.
  for (int i = 0; i < 500 && engine.Stats().queries < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(engine.Stats().queries, 2);
  gated.Open();
  for (auto& t : threads) t.join();
  EngineStats st = engine.Stats();
  EXPECT_EQ(st.queries, 0);
  EXPECT_EQ(observed.load(), 2);
  // Both queries' loaded samples, as each query's own stats count them.
  auto r = engine.InstantQuery(&storage_, "x_total", 600000);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->stats.total_samples, 0);
  EXPECT_EQ(engine.Stats().query_samples_total,
            st.query_samples_total + r->stats.total_samples);
  EXPECT_EQ(st.query_samples_total, 2 * r->stats.total_samples);
}

// A service's own data under PromQL: a tiny Queryable over a fixed table
// of request counts, no Vigil storage involved.
class RequestTable final : public storage::Queryable {
 public:
  struct Row {
    Labels labels;
    std::vector<std::pair<int64_t, double>> samples;
  };
  explicit RequestTable(std::vector<Row> rows) : rows_(std::move(rows)) {}

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(
      int64_t mint, int64_t maxt) override {
    return std::unique_ptr<storage::Querier>(new Q(this, mint, maxt));
  }

 private:
  class It final : public storage::SampleIterator {
   public:
    explicit It(std::vector<std::pair<int64_t, double>> s) : s_(std::move(s)) {}
    bool Next() override { return ++i_ < s_.size(); }
    bool Seek(int64_t t) override {
      if (i_ == static_cast<size_t>(-1)) i_ = 0;
      while (i_ < s_.size() && s_[i_].first < t) ++i_;
      return i_ < s_.size();
    }
    int64_t timestamp() const override { return s_[i_].first; }
    double value() const override { return s_[i_].second; }
    absl::Status status() const override { return absl::OkStatus(); }

   private:
    std::vector<std::pair<int64_t, double>> s_;
    size_t i_ = static_cast<size_t>(-1);
  };
  class Set final : public storage::SeriesSet {
   public:
    explicit Set(std::vector<const Row*> rows, int64_t mint, int64_t maxt)
        : rows_(std::move(rows)), mint_(mint), maxt_(maxt) {}
    bool Next() override { return ++i_ < rows_.size(); }
    const Labels& labels() const override { return rows_[i_]->labels; }
    std::unique_ptr<storage::SampleIterator> NewIterator() const override {
      std::vector<std::pair<int64_t, double>> s;
      for (const auto& p : rows_[i_]->samples) {
        if (p.first >= mint_ && p.first <= maxt_) s.push_back(p);
      }
      return std::make_unique<It>(std::move(s));
    }
    absl::Status status() const override { return absl::OkStatus(); }

   private:
    std::vector<const Row*> rows_;
    int64_t mint_, maxt_;
    size_t i_ = static_cast<size_t>(-1);
  };
  class Q final : public storage::Querier {
   public:
    Q(RequestTable* t, int64_t mint, int64_t maxt) : t_(t), mint_(mint), maxt_(maxt) {}
    std::unique_ptr<storage::SeriesSet> Select(
        bool, const storage::SelectHints*,
        const std::vector<model::Matcher>& ms) override {
      std::vector<const Row*> rows;
      for (const Row& r : t_->rows_) {
        if (model::MatchesAll(ms, r.labels)) rows.push_back(&r);
      }
      return std::make_unique<Set>(std::move(rows), mint_, maxt_);
    }
    absl::StatusOr<std::vector<std::string>> LabelValues(
        absl::string_view, const std::vector<model::Matcher>&) override {
      return std::vector<std::string>{};
    }
    absl::StatusOr<std::vector<std::string>> LabelNames(
        const std::vector<model::Matcher>&) override {
      return std::vector<std::string>{};
    }

   private:
    RequestTable* t_;
    int64_t mint_, maxt_;
  };

  std::vector<Row> rows_;
};

TEST(ServiceExampleTest, PromQLOverOwnInMemoryData) {
  std::vector<RequestTable::Row> rows;
  for (const char* path : {"/a", "/b"}) {
    RequestTable::Row row;
    row.labels = Labels::FromPairs({{"__name__", "http_requests_total"},
                                    {"path", path},
                                    {"code", "200"}});
    double per_step = std::string(path) == "/a" ? 10 : 30;
    for (int i = 0; i <= 20; ++i) row.samples.push_back({i * 15000, i * per_step});
    rows.push_back(std::move(row));
  }
  RequestTable table(std::move(rows));
  Engine engine(EngineOptions{});
  auto r = engine.InstantQuery(
      &table, "topk(1, sum by (path) (rate(http_requests_total[1m])))", 300000);
  ASSERT_TRUE(r.ok()) << r.status();
  const Vector& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("path"), "/b");
  EXPECT_NEAR(v[0].v, 2.0, 1e-9);  // 30 per 15 s
}

}  // namespace
}  // namespace vigil::promql
