#include "examples/server/remote_storage.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libremote/internal/test_receiver.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::server {
namespace {

TEST(RemoteStorageTest, WritesFanOutReadsMergeMetricsExported) {
  remote::testing::TestReceiver rx;
  ASSERT_GT(rx.Start(), 0);
  rx.SetReadHandler([](const prometheus::ReadRequest&, prometheus::ReadResponse* resp) {
    prometheus::TimeSeries* ts = resp->add_results()->add_timeseries();
    for (auto [n, v] : {std::pair<const char*, const char*>{"__name__", "old_metric"},
                        {"cluster", "eu"}}) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    prometheus::Sample* s = ts->add_samples();
    s->set_timestamp(500);
    s->set_value(42);
    return 200;
  });
  absl::StatusOr<Config> cfg = ParseConfig(absl::StrCat(R"(
global:
  external_labels: {cluster: eu}
remote_write:
  - url: )", rx.Url("/write"), R"(
    name: rx
    queue_config: {batch_send_deadline: 20ms}
remote_read:
  - url: )", rx.Url("/read"), "\n"), "p.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();

  storage::MemoryStorage local;
  RemoteStorage rs(&local, &local, [] { return int64_t{1000}; }, absl::Seconds(5));
  ASSERT_TRUE(rs.ApplyConfig(*cfg).ok());
  ServerMetrics metrics("v", "r");
  rs.RegisterMetrics(&metrics);

  auto app = rs.appendable()->NewAppender();
  ASSERT_TRUE(app->Append(0, model::Labels::FromPairs({{"__name__", "up"}}), 2000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(rx.WaitForAccepted(1, absl::Seconds(10)));
  EXPECT_EQ(rx.accepted()[0].labels, R"({__name__="up", cluster="eu"})");
  EXPECT_EQ(local.NumSamples(), 1u);

  // The remote series (older than local data) and the local one.
  auto q = rs.queryable()->NewQuerier(0, 3000);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr,
                          {*model::Matcher::Create(model::MatchType::kRegexMatch,
                                                   "__name__", "up|old_metric")});
  std::vector<std::string> names;
  while (set->Next()) names.push_back(std::string(set->labels().MetricName()));
  EXPECT_EQ(names, (std::vector<std::string>{"old_metric", "up"}));
  ASSERT_EQ(rx.reads().size(), 1u);
  EXPECT_EQ(rx.reads()[0].queries(0).end_timestamp_ms(), 1000);  // read_recent: false

  std::string want = absl::StrCat("prometheus_remote_storage_samples_total{remote_name=\"rx\",url=\"",
                                  rx.Url("/write"), "\"} 1");
  std::string text;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {  // the sender counts the batch once the response is back
    text = metrics.Render();
  } while (text.find(want) == std::string::npos && absl::Now() < deadline);
  rs.Close();
  EXPECT_NE(text.find(want), std::string::npos) << text;
  EXPECT_NE(text.find("prometheus_remote_storage_sent_batch_duration_seconds_count{remote_name=\"rx\""),
            std::string::npos);
  EXPECT_NE(text.find("prometheus_remote_storage_highest_timestamp_in_seconds 2"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::server
