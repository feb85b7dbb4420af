#include "libscrape/manager.h"

#include <atomic>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libscrape/internal/test_server.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/matcher.h"
#include "model/timestamp.h"
#include "model/value.h"
#include "yaml-cpp/yaml.h"

namespace vigil::scrape {
namespace {

using testing::Reply;
using testing::TestServer;

struct Point {
  int64_t t;
  double v;
};

std::vector<Point> Series(storage::MemoryStorage& s, const std::string& name,
                          const std::string& instance) {
  std::vector<Point> out;
  auto q = s.NewQuerier(0, model::kMaxTimeMs);
  auto set = (*q)->Select(false, nullptr,
                          {model::Matcher::Equal("__name__", name),
                           model::Matcher::Equal("instance", instance)});
  while (set->Next()) {
    auto it = set->NewIterator();
    while (it->Next()) out.push_back({it->timestamp(), it->value()});
  }
  return out;
}

// Polls `cond` every 20ms for at most `limit`.
bool WaitFor(const std::function<bool()>& cond,
             absl::Duration limit = absl::Seconds(5)) {
  const absl::Time end = absl::Now() + limit;
  while (absl::Now() < end) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

ScrapeConfig Config(const std::string& yaml) {
  auto c = ParseScrapeConfig(YAML::Load(yaml), GlobalConfig{}, "test");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

sd::TargetGroup Group(const std::vector<std::string>& addrs,
                      const std::string& source = "static/0") {
  sd::TargetGroup g;
  for (const std::string& a : addrs) {
    g.targets.push_back(model::Labels::FromPairs({{"__address__", a}}));
  }
  g.labels = model::Labels::FromPairs({{"env", "test"}});
  g.source = source;
  return g;
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    srv_ = TestServer::Start();
    ASSERT_NE(srv_, nullptr);
    srv_->Set("/metrics", Reply{200, "text/plain; version=0.0.4",
                                "# TYPE m gauge\nm{a=\"1\"} 42\n"});
    addr_ = absl::StrCat("127.0.0.1:", srv_->port());
  }
  std::unique_ptr<TestServer> srv_;
  std::string addr_;
  storage::MemoryStorage storage_;
};

TEST_F(ManagerTest, ScrapesTargetsFromGroupsAndMarksRemovedOnesStale) {
  Manager m(&storage_);
  ASSERT_TRUE(m.ApplyConfig({Config(
                  "job_name: node\nscrape_interval: 200ms\n"
                  "scrape_timeout: 150ms\n")})
                  .ok());
  m.Sync({{"node", {Group({addr_})}}});
  ASSERT_TRUE(WaitFor([&] { return Series(storage_, "up", addr_).size() >= 2; }));
  auto pts = Series(storage_, "m", addr_);
  ASSERT_GE(pts.size(), 2u);
  EXPECT_EQ(pts[0].v, 42);
  // Spaced by the interval (ms timestamps of real time).
  EXPECT_GE(pts[1].t - pts[0].t, 150);
  // Target labels: job, instance, group labels.
  auto q = storage_.NewQuerier(0, model::kMaxTimeMs);
  auto set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "m")});
  ASSERT_TRUE(set->Next());
  EXPECT_EQ(set->labels().ToString(),
            absl::StrCat("{__name__=\"m\", a=\"1\", env=\"test\", instance=\"",
                         addr_, "\", job=\"node\"}"));

  auto active = m.ActiveTargets();
  ASSERT_EQ(active["node"].size(), 1u);
  EXPECT_EQ(active["node"][0].url, absl::StrCat("http://", addr_, "/metrics"));
  EXPECT_EQ(active["node"][0].health.state, TargetHealthState::kUp);

  // The same target again keeps its loop and cache: no series re-added.
  m.Sync({{"node", {Group({addr_})}}});
  const size_t before = Series(storage_, "up", addr_).size();
  ASSERT_TRUE(WaitFor([&] { return Series(storage_, "up", addr_).size() >= before + 1; }));
  auto added = Series(storage_, "scrape_series_added", addr_);
  EXPECT_EQ(added.back().v, 0);

  // Removed: stale markers one tick (+10%) later.
  m.Sync({{"node", {}}});
  ASSERT_TRUE(WaitFor([&] {
    auto p = Series(storage_, "m", addr_);
    return !p.empty() && model::IsStaleNaN(p.back().v);
  }));
  EXPECT_TRUE(model::IsStaleNaN(Series(storage_, "up", addr_).back().v));
  EXPECT_TRUE(m.ActiveTargets()["node"].empty());
  m.Stop();
}

TEST_F(ManagerTest, FailingTargetIsDownAndDroppedTargetsAreListed) {
  Manager m(&storage_);
  ASSERT_TRUE(m.ApplyConfig({Config(
                  "job_name: j\nscrape_interval: 100ms\nscrape_timeout: 80ms\n"
                  "metrics_path: /missing\n"
                  "relabel_configs:\n"
                  "  - source_labels: [__address__]\n"
                  "    regex: 'drop.*'\n"
                  "    action: drop\n")})
                  .ok());
  m.Sync({{"j", {Group({addr_, "drop.me:1"})}}});
  ASSERT_TRUE(WaitFor([&] { return !Series(storage_, "up", addr_).empty(); }));
  EXPECT_EQ(Series(storage_, "up", addr_)[0].v, 0);
  ASSERT_TRUE(WaitFor([&] {
    auto a = m.ActiveTargets()["j"];
    return a.size() == 1 && a[0].health.state == TargetHealthState::kDown;
  }));
  EXPECT_EQ(m.ActiveTargets()["j"][0].health.last_error,
            "server returned HTTP status 404 Not Found");
  auto dropped = m.DroppedTargets()["j"];
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].discovered.Get("__address__"), "drop.me:1");
}

TEST_F(ManagerTest, ReloadRestartsChangedJobsOnly) {
  Manager m(&storage_);
  ASSERT_TRUE(m.ApplyConfig({Config("job_name: a\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\n"),
                             Config("job_name: b\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\n")})
                  .ok());
  // Groups may arrive before or after the config.
  m.Sync({{"a", {Group({addr_})}}, {"b", {Group({addr_})}}, {"c", {Group({addr_})}}});
  ASSERT_TRUE(WaitFor([&] {
    auto t = m.ActiveTargets();
    return t["a"].size() == 1 && t["b"].size() == 1 &&
           t["a"][0].health.state == TargetHealthState::kUp;
  }));
  EXPECT_EQ(m.ActiveTargets().count("c"), 0u);
  ASSERT_TRUE(m.ApplyConfig({Config("job_name: a\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\n"),
                             Config("job_name: c\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\nmetrics_path: /x\n")})
                  .ok());
  auto t = m.ActiveTargets();
  EXPECT_EQ(t.count("b"), 0u);
  ASSERT_EQ(t["c"].size(), 1u);  // from the groups kept earlier
  EXPECT_EQ(t["c"][0].url, absl::StrCat("http://", addr_, "/x"));
  // Job a kept its loop: its health is still known.
  EXPECT_EQ(t["a"][0].health.state, TargetHealthState::kUp);

  absl::Status st = m.ApplyConfig({Config("job_name: a\n"), Config("job_name: a\n")});
  EXPECT_EQ(st.message(), "found multiple scrape configs with job name \"a\"");
  m.Stop();
  EXPECT_EQ(m.ApplyConfig({}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ManagerTest, StatsCountPoolsSyncsLimitsAndMetadata) {
  auto counters = std::make_shared<ScrapeCounters>();
  std::atomic<int> syncs_observed{0};
  counters->observe_sync = [&](const std::string& job, absl::Duration) {
    if (job == "j") ++syncs_observed;
  };
  ManagerOptions opts;
  opts.counters = counters;
  Manager m(&storage_, opts);
  ASSERT_TRUE(m.ApplyConfig({Config("job_name: j\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\n"),
                             Config("job_name: lim\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\ntarget_limit: 1\n")})
                  .ok());
  // One target of j has no address after relabeling: a sync failure.
  sd::TargetGroup bad;
  bad.targets.push_back(model::Labels::FromPairs({{"x", "1"}}));
  bad.source = "bad/0";
  m.Sync({{"j", {Group({addr_}), bad}}, {"lim", {Group({addr_, "other:1"})}}});
  ASSERT_TRUE(WaitFor([&] { return m.Stats().pools["j"].metadata_entries == 1; }));
  ManagerStats st = m.Stats();
  EXPECT_EQ(st.pools_created, 2u);
  EXPECT_EQ(st.pool_reloads, 0u);
  EXPECT_EQ(st.pools["j"].targets, 1u);
  EXPECT_EQ(st.pools["j"].syncs, 1u);
  EXPECT_EQ(st.pools["j"].sync_failures, 1u);
  EXPECT_EQ(st.pools["lim"].targets, 0u);
  EXPECT_EQ(st.target_limit_hits, 1u);
  EXPECT_EQ(syncs_observed.load(), 1);
  // A changed job is a reload; the limit hit of its old pool stays.
  ASSERT_TRUE(m.ApplyConfig({Config("job_name: j\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\n"),
                             Config("job_name: lim\nscrape_interval: 100ms\n"
                                    "scrape_timeout: 80ms\ntarget_limit: 5\n")})
                  .ok());
  st = m.Stats();
  EXPECT_EQ(st.pools_created, 2u);
  EXPECT_EQ(st.pool_reloads, 1u);
  EXPECT_EQ(st.target_limit_hits, 1u);
  EXPECT_EQ(st.pools["lim"].targets, 2u);
}

// Many targets share the scheduler's few workers: every one gets scraped
// within an interval or two, none needs a thread of its own.
TEST_F(ManagerTest, ManyTargetsOnFewWorkers) {
  constexpr int kTargets = 300;
  ManagerOptions opts;
  opts.workers = 3;
  Manager m(&storage_, opts);
  ASSERT_TRUE(m.ApplyConfig({Config("job_name: many\nscrape_interval: 1s\n"
                                    "scrape_timeout: 900ms\n"
                                    "relabel_configs:\n"
                                    "  - source_labels: [id]\n"
                                    "    target_label: __param_id\n")})
                  .ok());
  sd::TargetGroup g;
  g.source = "many";
  for (int i = 0; i < kTargets; ++i) {
    g.targets.push_back(model::Labels::FromPairs(
        {{"__address__", addr_}, {"id", absl::StrCat(i)}}));
  }
  m.Sync({{"many", {g}}});
  auto scraped = [&] {
    auto q = storage_.NewQuerier(0, model::kMaxTimeMs);
    auto set = (*q)->Select(false, nullptr, {model::Matcher::Equal("__name__", "up"),
                                             model::Matcher::Equal("job", "many")});
    int n = 0;
    while (set->Next()) ++n;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return scraped() == kTargets; }, absl::Seconds(15)))
      << scraped() << " of " << kTargets;
  auto active = m.ActiveTargets()["many"];
  ASSERT_EQ(active.size(), static_cast<size_t>(kTargets));
  EXPECT_THAT(active[0].url, ::testing::HasSubstr("/metrics?id="));
  m.Stop();
}

// --scrape.adjust-timestamps: a scrape starting within the tolerance (and
// 1% of the interval) after its tick carries the tick's time.
TEST(ScrapeTimestampTest, AlignsWithinTheTolerance) {
  const absl::Time tick = absl::FromUnixMillis(1700000000000);
  ScrapeTiming t;  // align, 2ms
  auto at = [&](ScrapeTiming timing, absl::Duration iv, absl::Duration late) {
    return ScrapeTimestampMs(timing, iv, tick, tick + late);
  };
  EXPECT_EQ(at(t, absl::Seconds(15), absl::Microseconds(1500)), 1700000000000);
  EXPECT_EQ(at(t, absl::Seconds(15), absl::Milliseconds(3)), 1700000000003);
  // 1% of a 100ms interval is 1ms, below the 2ms tolerance.
  EXPECT_EQ(at(t, absl::Milliseconds(100), absl::Microseconds(1500)), 1700000000001);
  t.align = false;
  EXPECT_EQ(at(t, absl::Seconds(15), absl::Milliseconds(1)), 1700000000001);
}

TEST(TargetUrlTest, ParamsAndParamLabels) {
  model::Labels l = model::Labels::FromPairs({{"__address__", "h:9"},
                                               {"__scheme__", "https"},
                                               {"__metrics_path__", "/probe"},
                                               {"__param_target", "x y"}});
  EXPECT_EQ(TargetUrl(l, {{"module", {"http_2xx"}}, {"target", {"a", "b"}}}),
            "https://h:9/probe?module=http_2xx&target=x+y&target=b");
}

}  // namespace
}  // namespace vigil::scrape
