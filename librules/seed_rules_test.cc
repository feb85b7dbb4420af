// The seed's two alerting rules (../shared/seed/prometheus.rules) evaluated
// by the PromQL engine over synthetic data that crosses their thresholds:
// pending first, firing after `for: 1m`, quiet below the threshold.

#include "gtest/gtest.h"
#include "libpromql/engine.h"
#include "librules/engine_query_func.h"
#include "librules/internal/test_util.h"
#include "librules/manager.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::rules {
namespace {

constexpr int64_t kStep = 5000;  // the seed's evaluation_interval

void Load(storage::MemoryStorage& db, int64_t t, double mem_bytes,
          double cpu_seconds) {
  auto app = db.NewAppender();
  auto add = [&](std::initializer_list<std::pair<absl::string_view, absl::string_view>> l,
                 double v) { ASSERT_TRUE(app->Append(0, model::Labels::FromPairs(l), t, v).ok()); };
  add({{"__name__", "container_memory_working_set_bytes"}, {"pod", "web-1"}}, mem_bytes);
  // Filtered out by pod!="" / name="".
  add({{"__name__", "container_memory_working_set_bytes"}, {"pod", "web-1"}, {"name", "c"}}, 9e12);
  add({{"__name__", "kube_node_status_allocatable_memory_bytes"}, {"node", "n1"}}, 8e9);
  add({{"__name__", "container_cpu_usage_seconds_total"}, {"pod", "web-1"}}, cpu_seconds);
  add({{"__name__", "machine_cpu_cores"}, {"node", "n1"}}, 4);
  ASSERT_TRUE(app->Commit().ok());
}

TEST(SeedRulesTest, BothAlertsFireOnSyntheticData) {
  std::string seed = testing::SharedDir("seed");
  if (seed.empty()) GTEST_SKIP() << "../shared/seed is absent";
  absl::StatusOr<RuleFile> rf = LoadRuleFile(seed + "/prometheus.rules");
  ASSERT_TRUE(rf.ok()) << rf.status();

  storage::MemoryStorage db;
  promql::Engine engine(promql::EngineOptions{});
  std::vector<Alert> notified;
  ManagerOptions mo;
  mo.query = EngineQueryFunc(&engine, &db);
  mo.appendable = &db;
  mo.default_interval_ms = kStep;
  mo.notify = [&](absl::string_view, const std::vector<Alert>& a) {
    notified.insert(notified.end(), a.begin(), a.end());
  };
  absl::StatusOr<std::vector<std::unique_ptr<Group>>> groups =
      BuildGroups({*rf}, mo, false);
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2);

  // Memory at 60% of allocatable (threshold 55%); CPU at 0.6 of 4 cores
  // (15%, threshold 10%). First two minutes below, then above.
  double cpu = 0;
  int64_t t0 = 1700000000000;
  auto state = [&](size_t g) {
    return static_cast<AlertingRule&>(*(*groups)[g]->rules()[0]).state();
  };
  for (int i = 0; i <= 24; ++i) {  // 0..2m: 40% memory, 2.5% CPU
    int64_t t = t0 + i * kStep;
    cpu += 0.1 * 5;
    Load(db, t, 3.2e9, cpu);
    for (auto& g : *groups) g->Eval(t);
  }
  EXPECT_EQ(state(0), AlertState::kInactive);
  EXPECT_EQ(state(1), AlertState::kInactive);
  for (auto& g : *groups) {
    EXPECT_EQ(g->rules()[0]->health(), RuleHealth::kGood) << g->rules()[0]->last_error();
  }
  int64_t above_from = t0 + 25 * kStep;
  for (int i = 25; i <= 60; ++i) {  // then 60% memory, 15% CPU
    int64_t t = t0 + i * kStep;
    cpu += 0.6 * 5;
    Load(db, t, 4.8e9, cpu);
    for (auto& g : *groups) g->Eval(t);
    if (t == above_from) {
      EXPECT_EQ(state(0), AlertState::kPending);
    }
  }
  EXPECT_EQ(state(0), AlertState::kFiring);
  EXPECT_EQ(state(1), AlertState::kFiring);
  auto mem = static_cast<AlertingRule&>(*(*groups)[0]->rules()[0]).ActiveAlerts();
  ASSERT_EQ(mem.size(), 1);
  EXPECT_EQ(mem[0].labels.ToString(),
            "{alertname=\"container memory usage rate is very high( > 55%)\", "
            "severity=\"fatal\"}");
  EXPECT_NEAR(mem[0].value, 60, 1e-9);
  EXPECT_EQ(mem[0].fired_at_ms - mem[0].active_at_ms, 60000);
  // Annotations are sorted by name, as Prometheus's labels.
  ASSERT_EQ(mem[0].annotations.size(), 3);
  EXPECT_EQ(mem[0].annotations[0].first, "description");
  EXPECT_EQ(mem[0].annotations[2],
            std::make_pair(std::string("summary"),
                           std::string("High Memory Usage on")));
  auto cpu_alerts = static_cast<AlertingRule&>(*(*groups)[1]->rules()[0]).ActiveAlerts();
  ASSERT_EQ(cpu_alerts.size(), 1);
  EXPECT_NEAR(cpu_alerts[0].value, 15, 0.5);
  ASSERT_GE(notified.size(), 2);
  EXPECT_EQ(notified[0].labels.Get("severity"), "fatal");
}

}  // namespace
}  // namespace vigil::rules
