#include "libremote/queue_manager.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libremote/internal/test_receiver.h"
#include "yaml-cpp/yaml.h"

namespace vigil::remote {
namespace {

using testing::TestReceiver;

model::Labels L(std::initializer_list<std::pair<absl::string_view, absl::string_view>> p) {
  return model::Labels::FromPairs(p);
}

class QueueManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(rx_.Start(), 0); }

  RemoteWriteConfig Config() {
    RemoteWriteConfig c;
    c.url = rx_.Url("/write");
    c.name = "test";
    c.remote_timeout = absl::Seconds(5);
    c.queue_config.batch_send_deadline = absl::Milliseconds(50);
    c.queue_config.min_backoff = absl::Milliseconds(10);
    c.queue_config.max_backoff = absl::Milliseconds(40);
    return c;
  }

  std::unique_ptr<QueueManager> Make(RemoteWriteConfig c,
                                     model::Labels external = model::Labels()) {
    QueueManagerOptions o;
    o.external_labels = std::move(external);
    o.reshard_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<QueueManager>> qm = QueueManager::Create(c, o);
    EXPECT_TRUE(qm.ok()) << qm.status();
    (*qm)->Start();
    return std::move(*qm);
  }

  TestReceiver rx_;
};

TEST_F(QueueManagerTest, BatchesWithProtocolHeadersAndKeepsSeriesOrder) {
  RemoteWriteConfig c = Config();
  c.queue_config.max_samples_per_send = 10;
  c.headers["X-Scope-OrgID"] = "tenant-1";
  auto qm = Make(c);
  for (int i = 0; i < 25; ++i) {
    qm->Append(L({{"__name__", "m"}, {"i", absl::StrCat(i % 3)}}), 1000 + i, i);
  }
  ASSERT_TRUE(rx_.WaitForAccepted(25, absl::Seconds(10)));
  std::vector<TestReceiver::Request> reqs = rx_.requests();
  ASSERT_GE(reqs.size(), 3u);
  for (const auto& r : reqs) {
    size_t n = 0;
    for (const auto& ts : r.body.timeseries()) n += ts.samples_size();
    EXPECT_LE(n, 10u);
    EXPECT_EQ(r.headers.at("content-encoding"), "snappy");
    EXPECT_EQ(r.headers.at("content-type"), "application/x-protobuf");
    EXPECT_EQ(r.headers.at("x-prometheus-remote-write-version"), "0.1.0");
    EXPECT_EQ(r.headers.at("user-agent"), kRemoteUserAgent);
    EXPECT_EQ(r.headers.at("x-scope-orgid"), "tenant-1");
    EXPECT_EQ(r.headers.count("retry-attempt"), 0u);
  }
  // Per series, timestamps arrive strictly increasing.
  std::map<std::string, int64_t> last;
  for (const auto& s : rx_.accepted()) {
    EXPECT_GT(s.t, last[s.labels]) << s.labels;
    last[s.labels] = s.t;
  }
  EXPECT_EQ(last.size(), 3u);
  qm->Stop(absl::Seconds(5));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_total, 25u);
  EXPECT_EQ(m.samples_failed_total, 0u);
  EXPECT_EQ(m.highest_sent_timestamp_ms, 1024);
  EXPECT_EQ(m.highest_enqueued_timestamp_ms, 1024);
  EXPECT_EQ(m.remote_name, "test");
  EXPECT_GE(m.batch_duration_count, 3u);
}

TEST_F(QueueManagerTest, PartialBatchLeavesAfterBatchSendDeadline) {
  RemoteWriteConfig c = Config();
  c.queue_config.max_samples_per_send = 1000;
  c.queue_config.batch_send_deadline = absl::Milliseconds(100);
  auto qm = Make(c);
  absl::Time t0 = absl::Now();
  for (int i = 0; i < 5; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  ASSERT_TRUE(rx_.WaitForAccepted(5, absl::Seconds(10)));
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(90));
  EXPECT_EQ(rx_.requests().size(), 1u);
}

TEST_F(QueueManagerTest, RetriesServerErrorsWithBackoffThenSucceeds) {
  rx_.SetWriteStatuses({500, 503});
  auto qm = Make(Config());
  for (int i = 0; i < 5; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  ASSERT_TRUE(rx_.WaitForAccepted(5, absl::Seconds(10)))
      << rx_.requests().size() << " " << qm->Metrics().last_error << " "
      << qm->Metrics().samples_retried_total << " " << qm->Metrics().samples_failed_total;
  std::vector<TestReceiver::Request> reqs = rx_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].status, 500);
  EXPECT_EQ(reqs[1].headers.at("retry-attempt"), "1");
  EXPECT_EQ(reqs[2].headers.at("retry-attempt"), "2");
  EXPECT_EQ(reqs[2].status, 204);
  qm->Stop(absl::Seconds(5));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_retried_total, 10u);
  EXPECT_EQ(m.samples_total, 5u);
  EXPECT_EQ(m.samples_failed_total, 0u);
  EXPECT_EQ(m.requests_total, 3u);
  EXPECT_NE(m.last_error.find("503"), std::string::npos) << m.last_error;
}

TEST_F(QueueManagerTest, TooManyRequestsDropsUnlessRetryOn429) {
  rx_.SetWriteStatuses({429});
  auto qm = Make(Config());
  for (int i = 0; i < 4; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  ASSERT_TRUE(rx_.WaitForRequests(1, absl::Seconds(10)));
  for (int i = 0; i < 3; ++i) qm->Append(L({{"__name__", "m"}}), 100 + i, i);
  ASSERT_TRUE(rx_.WaitForAccepted(3, absl::Seconds(10)));
  EXPECT_EQ(rx_.requests().size(), 2u);
  qm->Stop(absl::Seconds(5));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_failed_total, 4u);
  EXPECT_EQ(m.samples_retried_total, 0u);
  EXPECT_EQ(m.samples_total, 3u);
}

TEST_F(QueueManagerTest, RetryOn429HonoursRetryAfter) {
  RemoteWriteConfig c = Config();
  c.queue_config.retry_on_http_429 = true;
  rx_.SetWriteStatuses({429}, "1");
  auto qm = Make(c);
  qm->Append(L({{"__name__", "m"}}), 1, 1);
  ASSERT_TRUE(rx_.WaitForRequests(1, absl::Seconds(10)));
  absl::Time first = absl::Now();
  ASSERT_TRUE(rx_.WaitForAccepted(1, absl::Seconds(10)));
  // Retry-After: 1 (seconds) beats the 10ms backoff.
  EXPECT_GE(absl::Now() - first, absl::Milliseconds(800));
  qm->Stop(absl::Seconds(5));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_retried_total, 1u);
  EXPECT_EQ(m.samples_failed_total, 0u);
  EXPECT_EQ(m.samples_total, 1u);
}

TEST_F(QueueManagerTest, BadRequestDropsBatchWithoutRetry) {
  rx_.SetWriteStatuses({400});
  auto qm = Make(Config());
  for (int i = 0; i < 5; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  ASSERT_TRUE(rx_.WaitForRequests(1, absl::Seconds(10)));
  qm->Append(L({{"__name__", "m"}}), 50, 1);
  ASSERT_TRUE(rx_.WaitForAccepted(1, absl::Seconds(10)));
  std::vector<TestReceiver::Request> reqs = rx_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].body.timeseries(0).samples(0).timestamp(), 50);
  qm->Stop(absl::Seconds(5));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_failed_total, 5u);
  EXPECT_EQ(m.samples_retried_total, 0u);
}

TEST_F(QueueManagerTest, ExternalLabelsThenWriteRelabelConfigs) {
  RemoteWriteConfig c = Config();
  YAML::Node rules = YAML::Load(R"(
- source_labels: [job]
  regex: drop-me
  action: drop
- source_labels: [cluster]
  target_label: region
  replacement: r-$1
)");
  absl::StatusOr<std::vector<sd::RelabelConfig>> parsed = sd::ParseRelabelConfigs(rules);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  c.write_relabel_configs = *parsed;
  auto qm = Make(c, L({{"cluster", "eu"}}));
  qm->Append(L({{"__name__", "up"}, {"job", "a"}}), 10, 1);
  qm->Append(L({{"__name__", "up"}, {"job", "drop-me"}}), 10, 1);
  qm->Append(L({{"__name__", "up"}, {"job", "drop-me"}}), 20, 1);  // cached drop
  qm->Append(L({{"__name__", "up"}, {"job", "b"}, {"cluster", "us"}}), 10, 1);
  ASSERT_TRUE(rx_.WaitForAccepted(2, absl::Seconds(10)));
  qm->Stop(absl::Seconds(5));
  std::set<std::string> got;
  for (const auto& s : rx_.accepted()) got.insert(s.labels);
  EXPECT_EQ(got, (std::set<std::string>{
                     R"({__name__="up", cluster="eu", job="a", region="r-eu"})",
                     R"({__name__="up", cluster="us", job="b", region="r-us"})"}));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_dropped_total, 2u);
  EXPECT_EQ(m.samples_total, 2u);
}

TEST_F(QueueManagerTest, FullQueueDropsOldestAndCounts) {
  RemoteWriteConfig c = Config();
  c.queue_config.capacity = 5;
  c.queue_config.max_samples_per_send = 5;
  c.queue_config.min_backoff = absl::Milliseconds(300);
  c.queue_config.max_backoff = absl::Milliseconds(300);
  rx_.SetWriteStatuses({500});
  auto qm = Make(c);
  model::Labels l = L({{"__name__", "m"}});
  for (int i = 0; i < 5; ++i) qm->Append(l, i + 1, i);
  // The shard holds the first batch in its retry backoff now.
  ASSERT_TRUE(rx_.WaitForRequests(1, absl::Seconds(10)));
  for (int i = 5; i < 25; ++i) qm->Append(l, i + 1, i);
  ASSERT_TRUE(rx_.WaitForAccepted(10, absl::Seconds(10)));
  qm->Stop(absl::Seconds(5));
  std::vector<int64_t> ts;
  for (const auto& s : rx_.accepted()) ts.push_back(s.t);
  EXPECT_EQ(ts, (std::vector<int64_t>{1, 2, 3, 4, 5, 21, 22, 23, 24, 25}));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_dropped_total, 15u);
  EXPECT_EQ(m.samples_total, 10u);
}

TEST_F(QueueManagerTest, StopFlushesQueuedSamples) {
  RemoteWriteConfig c = Config();
  c.queue_config.batch_send_deadline = absl::Hours(1);
  c.queue_config.max_samples_per_send = 1000;
  auto qm = Make(c);
  for (int i = 0; i < 50; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  EXPECT_EQ(rx_.requests().size(), 0u);
  qm->Stop(absl::Seconds(10));
  EXPECT_EQ(rx_.accepted_samples(), 50u);
  // After Stop, samples are dropped and counted.
  qm->Append(L({{"__name__", "m"}}), 100, 1);
  EXPECT_EQ(qm->Metrics().samples_dropped_total, 1u);
}

TEST_F(QueueManagerTest, StopGivesUpAtFlushDeadline) {
  RemoteWriteConfig c = Config();
  rx_.SetWriteStatuses(std::vector<int>(10000, 503));
  auto qm = Make(c);
  for (int i = 0; i < 7; ++i) qm->Append(L({{"__name__", "m"}}), i + 1, i);
  ASSERT_TRUE(rx_.WaitForRequests(2, absl::Seconds(10)))
      << rx_.requests().size() << " " << qm->Metrics().last_error << " "
      << qm->Metrics().requests_total;
  absl::Time t0 = absl::Now();
  qm->Stop(absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(3));
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_failed_total, 7u);
  EXPECT_EQ(m.samples_total, 0u);
}

TEST_F(QueueManagerTest, UnreachableEndpointIsRetried) {
  RemoteWriteConfig c = Config();
  c.url = "http://127.0.0.1:1/write";  // nothing listens on port 1
  auto qm = Make(c);
  qm->Append(L({{"__name__", "m"}}), 1, 1);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (qm->Metrics().samples_retried_total < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  QueueMetrics m = qm->Metrics();
  EXPECT_GE(m.samples_retried_total, 2u);
  EXPECT_NE(m.last_error.find("127.0.0.1:1"), std::string::npos) << m.last_error;
  qm->Stop(absl::ZeroDuration());
  EXPECT_EQ(qm->Metrics().samples_failed_total, 1u);
}

TEST_F(QueueManagerTest, ShardsFollowLoadWithinLimits) {
  RemoteWriteConfig c = Config();
  c.queue_config.min_shards = 1;
  c.queue_config.max_shards = 4;
  c.queue_config.max_samples_per_send = 10;
  QueueManagerOptions o;
  o.reshard_interval = absl::Milliseconds(200);
  // A slow endpoint (20 ms a request of 10 samples) against thousands of
  // samples a second: more shards are wanted however loaded the machine.
  rx_.SetWriteDelay(absl::Milliseconds(20));
  auto qm = std::move(*QueueManager::Create(c, o));
  qm->Start();
  EXPECT_EQ(qm->Metrics().shards, 1);
  EXPECT_EQ(qm->Metrics().shards_min, 1);
  EXPECT_EQ(qm->Metrics().shards_max, 4);
  absl::Time end = absl::Now() + absl::Seconds(3);
  int64_t t = 1;
  int64_t max_shards = 1;
  double max_desired = 0;
  while (absl::Now() < end) {
    for (int s = 0; s < 200; ++s) {
      qm->Append(L({{"__name__", "m"}, {"s", absl::StrCat(s)}}), t, 1);
    }
    ++t;
    max_shards = std::max(max_shards, qm->Metrics().shards);
    max_desired = std::max(max_desired, qm->Metrics().shards_desired);
    absl::SleepFor(absl::Milliseconds(5));
  }
  rx_.SetWriteDelay(absl::ZeroDuration());
  qm->Stop(absl::Seconds(10));
  EXPECT_GT(max_shards, 1);
  EXPECT_LE(max_shards, 4);
  EXPECT_GT(max_desired, 1);  // unclamped: may exceed max_shards
  QueueMetrics m = qm->Metrics();
  EXPECT_EQ(m.samples_failed_total, 0u);
  EXPECT_EQ(m.samples_total + m.samples_dropped_total, static_cast<uint64_t>((t - 1) * 200));
  // Resharding flushes first, so no series ever went backwards.
  std::map<std::string, int64_t> last;
  for (const auto& s : rx_.accepted()) {
    EXPECT_GT(s.t, last[s.labels]) << s.labels;
    last[s.labels] = s.t;
  }
}

TEST_F(QueueManagerTest, AuthenticationFromHttpConfig) {
  for (const char* auth : {"basic_auth: {username: user, password: pass}",
                           "bearer_token: tok123",
                           "authorization: {type: Token, credentials: abc}"}) {
    auto parsed = ParseRemoteWriteConfigs(
        YAML::Load(absl::StrCat("- url: ", rx_.Url("/write"), "\n  ", auth,
                                "\n  queue_config: {batch_send_deadline: 10ms}\n")),
        "t.yml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto qm = Make((*parsed)[0]);
    size_t before = rx_.requests().size();
    qm->Append(L({{"__name__", "m"}}), 1, 1);
    ASSERT_TRUE(rx_.WaitForRequests(before + 1, absl::Seconds(10)));
    qm->Stop(absl::Seconds(5));
    std::string got = rx_.requests().back().headers["authorization"];
    if (absl::string_view(auth).find("basic") == 0) {
      EXPECT_EQ(got, "Basic dXNlcjpwYXNz");  // base64("user:pass")
    } else if (absl::string_view(auth).find("bearer") == 0) {
      EXPECT_EQ(got, "Bearer tok123");
    } else {
      EXPECT_EQ(got, "Token abc");
    }
  }
}

TEST_F(QueueManagerTest, SampleAgeLimitDropsOldSamples) {
  RemoteWriteConfig c = Config();
  c.queue_config.sample_age_limit = absl::Minutes(10);
  auto qm = Make(c);
  int64_t now = absl::ToUnixMillis(absl::Now());
  qm->Append(L({{"__name__", "m"}, {"a", "old"}}), now - 3600 * 1000, 1);
  qm->Append(L({{"__name__", "m"}, {"a", "new"}}), now, 2);
  qm->Stop(absl::Seconds(5));
  std::vector<TestReceiver::Sample> got = rx_.accepted();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].t, now);
  EXPECT_EQ(qm->Metrics().samples_dropped_total, 1u);
}

}  // namespace
}  // namespace vigil::remote
