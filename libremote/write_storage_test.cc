#include "libremote/write_storage.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libremote/internal/test_receiver.h"
#include "yaml-cpp/yaml.h"

namespace vigil::remote {
namespace {

std::vector<RemoteWriteConfig> Parse(const std::string& yaml) {
  absl::StatusOr<std::vector<RemoteWriteConfig>> c =
      ParseRemoteWriteConfigs(YAML::Load(yaml), "test.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : std::vector<RemoteWriteConfig>{};
}

TEST(WriteStorageTest, CommittedSamplesReachEveryEndpointAcrossReloads) {
  testing::TestReceiver a, b;
  ASSERT_GT(a.Start(), 0);
  ASSERT_GT(b.Start(), 0);
  std::string base = absl::StrCat(
      "- url: ", a.Url("/write"), "\n  name: a\n",
      "  queue_config: {batch_send_deadline: 20ms}\n");
  std::string with_b = absl::StrCat(base, "- url: ", b.Url("/write"),
                                    "\n  name: b\n  queue_config: {batch_send_deadline: 20ms}\n");
  WriteStorage::Options o;
  o.flush_deadline = absl::Seconds(5);
  WriteStorage ws(o);
  model::Labels ext = model::Labels::FromPairs({{"replica", "1"}});
  ASSERT_TRUE(ws.ApplyConfig(Parse(with_b), ext).ok());
  model::Labels l = model::Labels::FromPairs({{"__name__", "m"}});
  {
    auto app = ws.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 1000, 1).ok());
    ASSERT_TRUE(app->Append(0, l, 2000, 2).ok());
    ASSERT_TRUE(app->Commit().ok());
    auto dropped = ws.NewAppender();
    ASSERT_TRUE(dropped->Append(0, l, 3000, 3).ok());
    ASSERT_TRUE(dropped->Rollback().ok());
  }
  ASSERT_TRUE(a.WaitForAccepted(2, absl::Seconds(10)));
  ASSERT_TRUE(b.WaitForAccepted(2, absl::Seconds(10)));
  EXPECT_EQ(a.accepted()[0].labels, R"({__name__="m", replica="1"})");
  EXPECT_EQ(ws.highest_timestamp_ms(), 2000);

  // The sender counts a batch once the response is back.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline &&
         (ws.Metrics()[0].samples_total < 2 || ws.Metrics()[1].samples_total < 2)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Same config again: the queues (and their counters) survive.
  ASSERT_TRUE(ws.ApplyConfig(Parse(with_b), ext).ok());
  std::vector<QueueMetrics> m = ws.Metrics();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].remote_name, "a");
  EXPECT_EQ(m[0].samples_total, 2u);
  EXPECT_EQ(m[1].samples_total, 2u);

  // Drop b: only a gets new samples.
  ASSERT_TRUE(ws.ApplyConfig(Parse(base), ext).ok());
  {
    auto app = ws.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 4000, 4).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(a.WaitForAccepted(3, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(b.accepted_samples(), 2u);
  ASSERT_EQ(ws.Metrics().size(), 1u);

  // Changed external labels restart the queue with the new labels.
  ASSERT_TRUE(ws.ApplyConfig(Parse(base), model::Labels::FromPairs({{"replica", "2"}})).ok());
  {
    auto app = ws.NewAppender();
    ASSERT_TRUE(app->Append(0, l, 5000, 5).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(a.WaitForAccepted(4, absl::Seconds(10)));
  EXPECT_EQ(a.accepted().back().labels, R"({__name__="m", replica="2"})");
  ws.Close();
  EXPECT_EQ(ws.Metrics().size(), 0u);
  EXPECT_FALSE(ws.ApplyConfig(Parse(base), ext).ok());
}

}  // namespace
}  // namespace vigil::remote
