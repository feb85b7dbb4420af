#include "libsd/manager.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace vigil::sd {
namespace {

using model::Labels;

TargetGroup Group(absl::string_view source,
                  std::vector<absl::string_view> addrs) {
  TargetGroup g;
  g.source = std::string(source);
  for (auto a : addrs) g.targets.push_back(Labels::FromPairs({{"__address__", a}}));
  return g;
}

// A discoverer driven by the test: it records Run() calls and lets the test
// push updates through the sender it was given.
struct Channel {
  absl::Mutex mu;
  SendFn send ABSL_GUARDED_BY(mu);
  std::atomic<int> runs{0};
  std::atomic<int> running{0};
  RefreshMetrics metrics;  // the discoverer's counters
  void Push(std::vector<TargetGroup> g) {
    SendFn s;
    {
      absl::MutexLock l(&mu);
      s = send;
    }
    ASSERT_TRUE(s) << "discoverer not running";
    s(std::move(g));
  }
};

class FakeDiscoverer : public Discoverer {
 public:
  explicit FakeDiscoverer(std::shared_ptr<Channel> ch) : ch_(std::move(ch)) {}
  void Run(const absl::Notification& stop, const SendFn& send) override {
    ++ch_->runs;
    ++ch_->running;
    {
      absl::MutexLock l(&ch_->mu);
      ch_->send = send;
    }
    stop.WaitForNotification();
    --ch_->running;
  }
  const RefreshMetrics* metrics() const override { return &ch_->metrics; }

 private:
  std::shared_ptr<Channel> ch_;
};

class FakeConfig : public DiscovererConfig {
 public:
  FakeConfig(std::string fp, std::shared_ptr<Channel> ch, bool fail = false)
      : fp_(std::move(fp)), ch_(std::move(ch)), fail_(fail) {}
  std::string Name() const override { return "fake"; }
  std::string Fingerprint() const override { return fp_; }
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override {
    if (fail_) return absl::InvalidArgumentError("cannot start");
    return std::unique_ptr<Discoverer>(new FakeDiscoverer(ch_));
  }

 private:
  std::string fp_;
  std::shared_ptr<Channel> ch_;
  bool fail_;
};

// Collects syncs.
struct Sink {
  absl::Mutex mu;
  std::vector<Manager::GroupsByJob> syncs ABSL_GUARDED_BY(mu);
  void operator()(const Manager::GroupsByJob& g) {
    absl::MutexLock l(&mu);
    syncs.push_back(g);
  }
  size_t count() {
    absl::MutexLock l(&mu);
    return syncs.size();
  }
  Manager::GroupsByJob last() {
    absl::MutexLock l(&mu);
    return syncs.back();
  }
  // Waits (bounded) until `pred(last sync)` holds.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock l(&mu);
        if (!syncs.empty() && pred(syncs.back())) return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }
};

bool WaitRunning(Channel& ch, int n) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    {
      absl::MutexLock l(&ch.mu);
      if (ch.running.load() == n && (n == 0 || ch.send)) return true;
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  return false;
}

size_t Targets(const std::vector<TargetGroup>& gs) {
  size_t n = 0;
  for (const auto& g : gs) n += g.targets.size();
  return n;
}

TEST(ManagerTest, DeliversGroupsPerJobAndCoalesces) {
  auto sink = std::make_shared<Sink>();
  Manager m({absl::Milliseconds(200)},
            [sink](const Manager::GroupsByJob& g) { (*sink)(g); });
  auto ch = std::make_shared<Channel>();
  ASSERT_TRUE(m.ApplyConfig({{"job1", {std::make_shared<FakeConfig>("a", ch)}},
                             {"empty", {}}})
                  .ok());
  ASSERT_TRUE(WaitRunning(*ch, 1));
  // Three quick updates coalesce into at most two syncs.
  size_t before = sink->count();
  ch->Push({Group("s1", {"h1:1"})});
  ch->Push({Group("s2", {"h2:1", "h3:1"})});
  ch->Push({Group("s1", {"h1:1", "h4:1"})});
  ASSERT_TRUE(sink->WaitFor([](const Manager::GroupsByJob& g) {
    return g.count("job1") && Targets(g.at("job1")) == 4;
  }));
  EXPECT_LE(sink->count() - before, 2u);
  Manager::GroupsByJob last = sink->last();
  EXPECT_EQ(last.count("empty"), 1u);
  EXPECT_TRUE(last.at("empty").empty());
  // Removing a source by sending it empty.
  ch->Push({Group("s2", {})});
  ASSERT_TRUE(sink->WaitFor([](const Manager::GroupsByJob& g) {
    return Targets(g.at("job1")) == 2;
  }));
  Manager::Stats st = m.stats();
  EXPECT_EQ(st.updates_received, 4u);
  EXPECT_EQ(st.targets_per_job["job1"], 2u);
  EXPECT_EQ(st.discoverers, 1u);
  m.Stop();
  EXPECT_EQ(ch->running.load(), 0);
}

TEST(ManagerTest, NoSyncWithoutChanges) {
  auto sink = std::make_shared<Sink>();
  Manager m({absl::Milliseconds(20)},
            [sink](const Manager::GroupsByJob& g) { (*sink)(g); });
  ASSERT_TRUE(m.ApplyConfig({{"j", {}}}).ok());
  ASSERT_TRUE(sink->WaitFor([](const auto&) { return true; }));
  size_t n = sink->count();
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_EQ(sink->count(), n);
}

TEST(ManagerTest, ReloadKeepsUnchangedAndSharesIdentical) {
  auto sink = std::make_shared<Sink>();
  Manager m({absl::Milliseconds(20)},
            [sink](const Manager::GroupsByJob& g) { (*sink)(g); });
  auto a = std::make_shared<Channel>();
  auto b = std::make_shared<Channel>();
  // Two jobs with the same config share one discoverer.
  ASSERT_TRUE(m.ApplyConfig({{"j1", {std::make_shared<FakeConfig>("A", a)}},
                             {"j2", {std::make_shared<FakeConfig>("A", a)}}})
                  .ok());
  ASSERT_TRUE(WaitRunning(*a, 1));
  EXPECT_EQ(a->runs.load(), 1);
  a->Push({Group("x", {"h:1"})});
  ASSERT_TRUE(sink->WaitFor([](const Manager::GroupsByJob& g) {
    return Targets(g.at("j1")) == 1 && Targets(g.at("j2")) == 1;
  }));

  // Reload: j1 keeps A (not restarted, targets kept), j2 moves to B.
  ASSERT_TRUE(m.ApplyConfig({{"j1", {std::make_shared<FakeConfig>("A", a)}},
                             {"j2", {std::make_shared<FakeConfig>("B", b)}}})
                  .ok());
  ASSERT_TRUE(WaitRunning(*b, 1));
  EXPECT_EQ(a->runs.load(), 1);
  ASSERT_TRUE(sink->WaitFor([](const Manager::GroupsByJob& g) {
    return Targets(g.at("j1")) == 1 && Targets(g.at("j2")) == 0;
  }));

  // Reload dropping A: its discoverer stops, j1 disappears.
  ASSERT_TRUE(m.ApplyConfig({{"j2", {std::make_shared<FakeConfig>("B", b)}}}).ok());
  EXPECT_EQ(a->running.load(), 0);
  ASSERT_TRUE(sink->WaitFor([](const Manager::GroupsByJob& g) {
    return g.count("j1") == 0 && g.count("j2") == 1;
  }));
}

TEST(ManagerTest, FailedConfigReportedOthersApplied) {
  Manager m({absl::Milliseconds(20)}, nullptr);
  auto a = std::make_shared<Channel>();
  absl::Status st =
      m.ApplyConfig({{"j", {std::make_shared<FakeConfig>("bad", a, true),
                            std::make_shared<FakeConfig>("good", a)}}});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("fake discovery for job(s) j: cannot start"),
            absl::string_view::npos)
      << st;
  ASSERT_TRUE(WaitRunning(*a, 1));
  EXPECT_EQ(m.stats().failed_configs, 1u);
  EXPECT_EQ(m.Groups().count("j"), 1u);
}

TEST(ManagerTest, StatsKeepCountersOfStoppedDiscoverers) {
  Manager m({absl::Milliseconds(20)}, nullptr);
  auto a = std::make_shared<Channel>();
  auto b = std::make_shared<Channel>();
  ASSERT_FALSE(m.ApplyConfig({{"j1", {std::make_shared<FakeConfig>("A", a)}},
                              {"j2", {std::make_shared<FakeConfig>("bad", b, true)}}})
                   .ok());
  ASSERT_TRUE(WaitRunning(*a, 1));
  a->metrics.refreshes = 5;
  a->metrics.failures = 3;
  Manager::Stats st = m.stats();
  EXPECT_EQ(st.failed_configs_current, 1u);
  EXPECT_EQ(st.refresh_failures["fake"], 3u);
  EXPECT_EQ((st.refresh_failures_by_job[{"fake", "j1"}]), 3u);
  // A reload drops A and fixes j2: A's counts stay, nothing fails now.
  ASSERT_TRUE(m.ApplyConfig({{"j2", {std::make_shared<FakeConfig>("B", b)}}}).ok());
  ASSERT_TRUE(WaitRunning(*b, 1));
  b->metrics.failures = 1;
  st = m.stats();
  EXPECT_EQ(st.failed_configs_current, 0u);
  EXPECT_EQ(st.failed_configs, 1u);
  EXPECT_EQ(st.refreshes["fake"], 5u);
  EXPECT_EQ(st.refresh_failures["fake"], 4u);
  EXPECT_EQ((st.refresh_failures_by_job[{"fake", "j1"}]), 3u);
  EXPECT_EQ((st.refresh_failures_by_job[{"fake", "j2"}]), 1u);
}

TEST(ManagerTest, StopIsCleanAndIdempotent) {
  auto sink = std::make_shared<Sink>();
  auto m = std::make_unique<Manager>(
      Manager::Options{absl::Milliseconds(10)},
      [sink](const Manager::GroupsByJob& g) { (*sink)(g); });
  std::vector<std::shared_ptr<Channel>> chans;
  Manager::JobConfigs jobs;
  for (int i = 0; i < 8; ++i) {
    chans.push_back(std::make_shared<Channel>());
    jobs[absl::StrCat("j", i)] = {
        std::make_shared<FakeConfig>(absl::StrCat(i), chans.back())};
  }
  ASSERT_TRUE(m->ApplyConfig(jobs).ok());
  for (auto& c : chans) ASSERT_TRUE(WaitRunning(*c, 1));
  m->Stop();
  for (auto& c : chans) EXPECT_EQ(c->running.load(), 0);
  size_t n = sink->count();
  // Sends after Stop are ignored, and no more syncs happen.
  chans[0]->Push({Group("late", {"x:1"})});
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(sink->count(), n);
  m->Stop();
  EXPECT_EQ(m->ApplyConfig(jobs).code(), absl::StatusCode::kFailedPrecondition);
  m.reset();
}

}  // namespace
}  // namespace vigil::sd
