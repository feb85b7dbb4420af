#include "librules/group.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "librules/internal/fake_query.h"
#include "librules/internal/test_util.h"
#include "librules/manager.h"
#include "librules/recording_rule.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/value.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;
using testing::FakeQuery;
using testing::S;

// All samples of series `labels` in `db`.
std::vector<std::pair<int64_t, double>> Samples(storage::MemoryStorage& db,
                                                const model::Labels& labels) {
  std::vector<std::pair<int64_t, double>> out;
  auto q = db.NewQuerier(INT64_MIN / 2, INT64_MAX / 2);
  std::vector<model::Matcher> ms;
  for (const model::LabelView l : labels) {
    ms.push_back(model::Matcher::Equal(l.name, l.value));
  }
  auto set = (*q)->Select(true, nullptr, ms);
  while (set->Next()) {
    if (set->labels() != labels) continue;
    auto it = set->NewIterator();
    while (it->Next()) out.emplace_back(it->timestamp(), it->value());
  }
  return out;
}

std::vector<std::unique_ptr<Rule>> OneRecordingRule() {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<RecordingRule>("r", "q", model::Labels()));
  return rules;
}

TEST(GroupTest, AppendsAndWritesStaleMarkers) {
  storage::MemoryStorage db;
  FakeQuery q;
  GroupOptions o;
  o.query = q.Func();
  o.appendable = &db;
  int rule_evals = 0, group_evals = 0;
  o.observe_rule_eval = [&](absl::Duration) { ++rule_evals; };
  o.observe_group_eval = [&](absl::Duration) { ++group_evals; };
  Group g("g", "f.yml", 10000, 0, 0, OneRecordingRule(), o);
  q.Set("q", {S({{"i", "a"}}, 1), S({{"i", "b"}}, 2)});
  g.Eval(10000);
  EXPECT_EQ(g.last_eval_samples(), 2);
  q.Set("q", {S({{"i", "a"}}, 3)});
  g.Eval(20000);
  g.Eval(30000);
  model::Labels a = model::Labels::FromPairs({{"__name__", "r"}, {"i", "a"}});
  model::Labels b = model::Labels::FromPairs({{"__name__", "r"}, {"i", "b"}});
  auto sa = Samples(db, a);
  ASSERT_EQ(sa.size(), 3);
  EXPECT_EQ(sa[1], std::make_pair(int64_t{20000}, 3.0));
  auto sb = Samples(db, b);
  ASSERT_EQ(sb.size(), 2);
  EXPECT_EQ(sb[0].second, 2);
  EXPECT_EQ(sb[1].first, 20000);
  EXPECT_TRUE(model::IsStaleNaN(sb[1].second));
  EXPECT_EQ(g.rules()[0]->health(), RuleHealth::kGood);
  EXPECT_EQ(g.iterations_total(), 3);
  EXPECT_EQ(g.iterations_slow(), 0);

  // A failing query marks the rule unhealthy and writes nothing.
  q.SetError("q", absl::InvalidArgumentError("1:1: parse error: x"));
  g.Eval(40000);
  EXPECT_EQ(g.rules()[0]->health(), RuleHealth::kBad);
  EXPECT_EQ(g.rules()[0]->last_error(), "1:1: parse error: x");
  EXPECT_EQ(g.rules()[0]->last_eval_ms(), 40000);
  EXPECT_EQ(g.eval_failures(), 1);
  EXPECT_EQ(g.evaluations_total(), 4);
  EXPECT_EQ(rule_evals, 4);
  EXPECT_EQ(group_evals, 4);
  EXPECT_EQ(Samples(db, a).size(), 3);
  // The same group after a reload continues the counters.
  Group continued("g", "f.yml", 10000, 0, 0, OneRecordingRule(), o);
  continued.CopyState(g);
  EXPECT_EQ(continued.iterations_total(), 4);
  EXPECT_EQ(continued.eval_failures(), 1);
  EXPECT_EQ(continued.evaluations_total(), 4);

  // Appending an older sample fails and is reported as the rule's error.
  q.Set("q", {S({{"i", "a"}}, 9)});
  g.Eval(25000);
  EXPECT_EQ(g.rules()[0]->health(), RuleHealth::kBad);
  EXPECT_EQ(g.rules()[0]->last_error(), storage::kErrOutOfOrder);
  EXPECT_EQ(g.append_errors().out_of_order, 1);

  // Removing the group marks its series stale.
  q.Set("q", {S({{"i", "a"}}, 4)});
  g.Eval(50000);
  o.now_ms = [] { return int64_t{60000}; };
  Group g2("g", "f.yml", 10000, 0, 0, OneRecordingRule(), o);
  g2.CopyState(g);
  g2.Stop(true);
  sa = Samples(db, a);
  EXPECT_EQ(sa.back().first, 60000);
  EXPECT_TRUE(model::IsStaleNaN(sa.back().second));
}

TEST(GroupTest, RulesSeeEarlierResultsAndOffset) {
  // A query function reading storage shows that rule 2 sees rule 1's
  // output from the same evaluation.
  storage::MemoryStorage db;
  GroupOptions o;
  o.appendable = &db;
  o.query = [&db](absl::string_view expr,
                  int64_t t) -> absl::StatusOr<promql::Vector> {
    if (expr == "1") return promql::Vector{S({}, 1)};
    auto s = Samples(db, model::Labels::FromPairs({{"__name__", "first"}}));
    promql::Vector v;
    if (!s.empty() && s.back().first == t) v.push_back(S({}, s.back().second + 1));
    return v;
  };
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<RecordingRule>("first", "1", model::Labels()));
  rules.push_back(std::make_unique<RecordingRule>("second", "first + 1", model::Labels()));
  Group g("g", "f", 60000, 0, 15000, std::move(rules), o);
  g.Eval(120000);
  auto s = Samples(db, model::Labels::FromPairs({{"__name__", "second"}}));
  ASSERT_EQ(s.size(), 1);
  EXPECT_EQ(s[0], std::make_pair(int64_t{105000}, 2.0));
}

TEST(GroupTest, EvalTimestampAlignment) {
  GroupOptions o;
  FakeQuery q;
  o.query = q.Func();
  Group g1("a", "f", 60000, 0, 0, {}, o);
  Group g2("b", "f", 60000, 0, 0, {}, o);
  int64_t now = 1700000000123;
  int64_t t1 = g1.EvalTimestamp(now);
  int64_t t2 = g2.EvalTimestamp(now);
  EXPECT_LE(t1, now);
  EXPECT_GT(t1, now - 60000);
  EXPECT_EQ(g1.EvalTimestamp(t1 + 59999), t1);
  EXPECT_EQ(g1.EvalTimestamp(t1 + 60000), t1 + 60000);
  EXPECT_EQ((t1 - g1.EvalTimestamp(now + 3600000)) % 60000, 0);
  EXPECT_NE(t1 % 60000, t2 % 60000);  // groups spread over the interval
}

TEST(GroupTest, NotifiesDueAlerts) {
  FakeQuery q;
  std::vector<std::pair<std::string, std::vector<Alert>>> got;
  GroupOptions o;
  o.query = q.Func();
  o.resend_delay_ms = 60000;
  o.notify = [&](absl::string_view expr, const std::vector<Alert>& a) {
    got.emplace_back(std::string(expr), a);
  };
  AlertingRuleOptions ao;
  ao.name = "A";
  ao.expr = "up == 0";
  ao.hold_ms = 10000;
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::move(*AlertingRule::Create(ao)));
  Group g("g", "f", 10000, 0, 0, std::move(rules), o);
  q.Set("up == 0", {S({{"instance", "x"}}, 0)});
  g.Eval(0);       // pending
  EXPECT_TRUE(got.empty());
  g.Eval(10000);   // firing -> sent
  ASSERT_EQ(got.size(), 1);
  EXPECT_EQ(got[0].first, "up == 0");
  EXPECT_EQ(got[0].second[0].valid_until_ms, 10000 + 4 * 60000);
  g.Eval(20000);   // within resend delay
  EXPECT_EQ(got.size(), 1);
  q.Set("up == 0", {});
  g.Eval(30000);   // resolved -> sent at once
  ASSERT_EQ(got.size(), 2);
  EXPECT_EQ(got[1].second[0].resolved_at_ms, 30000);

  // Prometheus's conversion for Alertmanager.
  std::vector<notifier::Alert> sent;
  NotifyFunc f = SendAlertsTo(
      [&](std::vector<notifier::Alert> a) { sent = std::move(a); },
      "http://prom:9090");
  f("up == 0", got[0].second);
  ASSERT_EQ(sent.size(), 1);
  EXPECT_EQ(sent[0].starts_at_ms, 10000);
  EXPECT_EQ(sent[0].ends_at_ms, 250000);
  EXPECT_EQ(sent[0].generator_url,
            "http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
  EXPECT_EQ(sent[0].labels.ToString(), "{alertname=\"A\", instance=\"x\"}");
  f("up == 0", got[1].second);
  EXPECT_EQ(sent[0].ends_at_ms, 30000);
}

TEST(GroupTest, RestoreAfterSecondEvaluation) {
  storage::MemoryStorage db;
  FakeQuery q;
  GroupOptions o;
  o.query = q.Func();
  o.appendable = &db;
  o.queryable = &db;
  o.restore_for_state = true;
  o.for_grace_period_ms = 0;
  AlertingRuleOptions ao;
  ao.name = "A";
  ao.expr = "x";
  ao.hold_ms = 600000;
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::move(*AlertingRule::Create(ao)));
  Group g("g", "f", 60000, 0, 0, std::move(rules), o);
  auto* ar = static_cast<AlertingRule*>(g.rules()[0].get());
  EXPECT_FALSE(ar->restored());
  auto app = db.NewAppender();
  ASSERT_TRUE(app->Append(0,
                          model::Labels::FromPairs({{"__name__", "ALERTS_FOR_STATE"},
                                                    {"alertname", "A"},
                                                    {"i", "1"}}),
                          1000000, 900)
                  .ok());
  ASSERT_TRUE(app->Commit().ok());
  q.Set("x", {S({{"i", "1"}}, 1)});
  g.Eval(1060000);
  g.RestoreForState(1060000);
  EXPECT_TRUE(ar->restored());
  // 100 s pending before going down at 1000 s, 60 s down.
  EXPECT_EQ(ar->ActiveAlerts()[0].active_at_ms, 960000);
}

std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& body) {
  std::string p = dir + "/" + name;
  FILE* f = fopen(p.c_str(), "w");
  fputs(body.c_str(), f);
  fclose(f);
  return p;
}

TEST(ManagerTest, UpdateRunAndReload) {
  storage::MemoryStorage db;
  FakeQuery q;
  q.Set("vector(1)", {S({}, 1)});
  q.Set("up == 0", {S({{"instance", "a"}}, 0)});
  std::atomic<int> notified{0};
  ManagerOptions o;
  o.query = q.Func();
  o.appendable = &db;
  o.default_interval_ms = 50;
  o.notify = [&](absl::string_view, const std::vector<Alert>& a) {
    notified += a.size();
  };
  std::string dir = testing::MakeTempDir();
  WriteFile(dir, "a.rules", R"(
groups:
- name: rec
  interval: 50ms
  labels: {team: t1}
  rules:
  - record: one
    expr: vector(1)
  - record: gone
    expr: vector(1)
    labels: {x: y}
- name: alerts
  rules:
  - alert: Down
    expr: up == 0
    labels: {team: own}
)");
  Manager m(o);
  ASSERT_TRUE(m.Update({dir + "/*.rules"}).ok());
  auto groups = m.Groups();
  ASSERT_EQ(groups.size(), 2);
  EXPECT_EQ(groups[0]->name(), "alerts");
  EXPECT_EQ(groups[1]->rules()[0]->labels().ToString(), "{team=\"t1\"}");
  EXPECT_EQ(groups[0]->rules()[0]->labels().ToString(), "{team=\"own\"}");
  m.Start();
  for (int i = 0; i < 200 && (groups[1]->iterations_total() < 3 || notified == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(groups[1]->iterations_total(), 3);
  EXPECT_GE(notified.load(), 1);
  EXPECT_EQ(m.ActiveAlerts().size(), 1);

  // Reload without the `gone` rule: its series gets a stale marker, the
  // alert keeps its state.
  WriteFile(dir, "a.rules", R"(
groups:
- name: rec
  interval: 50ms
  labels: {team: t1}
  rules:
  - record: one
    expr: vector(1)
- name: alerts
  rules:
  - alert: Down
    expr: up == 0
    labels: {team: own}
)");
  ASSERT_TRUE(m.Update({dir + "/*.rules"}).ok());
  auto g2 = m.Groups();
  ASSERT_EQ(g2.size(), 2);
  EXPECT_EQ(m.ActiveAlerts().size(), 1);
  model::Labels gone = model::Labels::FromPairs(
      {{"__name__", "gone"}, {"team", "t1"}, {"x", "y"}});
  bool stale = false;
  for (int i = 0; i < 200 && !stale; ++i) {
    auto s = Samples(db, gone);
    stale = !s.empty() && model::IsStaleNaN(s.back().second);
    if (!stale) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(stale);

  // A broken file keeps the running groups.
  WriteFile(dir, "a.rules", "groups:\n- name: rec\n  rules:\n  - record: x\n");
  absl::Status bad = m.Update({dir + "/*.rules"});
  EXPECT_THAT(bad.message(), HasSubstr("field 'expr' must be set in rule"));
  EXPECT_EQ(m.Groups().size(), 2);
  m.Stop();
}

TEST(ManagerTest, ReloadWithNewGlobalsKeepsUnchangedGroupsAndAlertState) {
  FakeQuery q;
  q.Set("up == 0", {S({{"instance", "a"}}, 0)});
  q.Set("vector(1)", {S({}, 1)});
  ManagerOptions o;
  o.query = q.Func();
  o.default_interval_ms = 60000;
  o.external_labels = model::Labels::FromPairs({{"cluster", "c1"}});
  std::string dir = testing::MakeTempDir();
  WriteFile(dir, "a.rules", R"(
groups:
- name: fixed
  interval: 30s
  rules:
  - record: one
    expr: vector(1)
- name: alerts
  rules:
  - alert: Down
    expr: up == 0
    for: 5m
    annotations: {summary: "in {{ $externalLabels.cluster }}"}
)");
  Manager m(o);
  ASSERT_TRUE(m.Update({dir + "/*.rules"}).ok());
  auto g1 = m.Groups();
  ASSERT_EQ(g1.size(), 2);
  ASSERT_EQ(g1[0]->name(), "alerts");
  EXPECT_EQ(g1[0]->interval_ms(), 60000);
  // The alert goes pending at t=1000.
  g1[0]->Eval(1000);
  std::vector<Alert> a = m.ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].state, AlertState::kPending);
  EXPECT_EQ(a[0].active_at_ms, 1000);
  EXPECT_EQ(a[0].annotations[0].second, "in c1");

  // The same files and globals: both groups are kept as they are.
  ASSERT_TRUE(m.Update({dir + "/*.rules"}).ok());
  auto g2 = m.Groups();
  EXPECT_EQ(g2[0].get(), g1[0].get());
  EXPECT_EQ(g2[1].get(), g1[1].get());

  // A new evaluation_interval: the group without its own interval is
  // rebuilt on the new one and keeps its alert's for-state; the group with
  // `interval: 30s` keeps running untouched.
  Manager::Globals gl = m.globals();
  gl.default_interval_ms = 15000;
  ASSERT_TRUE(m.Update({dir + "/*.rules"}, gl).ok());
  auto g3 = m.Groups();
  EXPECT_NE(g3[0].get(), g1[0].get());
  EXPECT_EQ(g3[0]->interval_ms(), 15000);
  EXPECT_EQ(g3[1].get(), g1[1].get());  // explicit interval: unchanged
  EXPECT_EQ(g3[1]->interval_ms(), 30000);
  a = m.ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].active_at_ms, 1000);  // for-state carried over
  // 5m after it became active the alert fires: state kept, not restarted.
  g3[0]->Eval(1000 + 300000);
  a = m.ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].state, AlertState::kFiring);

  // New external labels reach the templates (every group is rebuilt, with
  // its state).
  gl.external_labels = model::Labels::FromPairs({{"cluster", "c2"}});
  ASSERT_TRUE(m.Update({dir + "/*.rules"}, gl).ok());
  EXPECT_EQ(m.globals().external_labels.Get("cluster"), "c2");
  auto g4 = m.Groups();
  g4[0]->Eval(1000 + 315000);
  a = m.ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].state, AlertState::kFiring);
  EXPECT_EQ(a[0].annotations[0].second, "in c2");

  // A failing update leaves the globals alone.
  WriteFile(dir, "a.rules", "groups:\n- name: x\n  rules:\n  - record: x\n");
  Manager::Globals bad = gl;
  bad.default_interval_ms = 1000;
  EXPECT_FALSE(m.Update({dir + "/*.rules"}, bad).ok());
  EXPECT_EQ(m.globals().default_interval_ms, 15000);
}

TEST(ManagerTest, InvalidExpressionKeepsOldRules) {
  storage::MemoryStorage db;
  FakeQuery q;
  q.Set("vector(1)", {S({}, 1)});
  ManagerOptions o;
  o.query = q.Func();
  o.appendable = &db;
  std::string dir = testing::MakeTempDir();
  WriteFile(dir, "a.rules", R"(
groups:
- name: rec
  interval: 20ms
  rules:
  - record: one
    expr: vector(1)
)");
  Manager m(o);
  ASSERT_TRUE(m.Update({dir + "/*.rules"}).ok());
  auto before = m.Groups();
  ASSERT_EQ(before.size(), 1);
  m.Start();

  // One good file and one with a rule that does not parse: the whole
  // update is refused, naming file, group and rule.
  WriteFile(dir, "a.rules", R"(
groups:
- name: rec
  interval: 20ms
  rules:
  - record: two
    expr: vector(2)
)");
  std::string bad = WriteFile(dir, "b.rules", R"(
groups:
- name: broken
  rules:
  - record: ok
    expr: vector(1)
  - record: bad
    expr: sum(
)");
  absl::Status st = m.Update({dir + "/*.rules"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(st.message(), HasSubstr(bad + ": 8:11: group \"broken\", rule 2, "
                                      "\"bad\": could not parse expression: "));
  auto after = m.Groups();
  ASSERT_EQ(after.size(), 1);
  EXPECT_EQ(after[0].get(), before[0].get());  // the same running group
  EXPECT_EQ(after[0]->rules()[0]->name(), "one");

  // Parsed by the caller: UpdateFromFiles checks expressions as well.
  RuleFile rf;
  rf.path = "mem.rules";
  RuleGroupNode g;
  g.name = "g";
  RuleNode r;
  r.record = "x";
  r.expr = "rate(up[5m]";
  g.rules.push_back(r);
  rf.groups.push_back(g);
  st = m.UpdateFromFiles({rf});
  EXPECT_THAT(st.message(), HasSubstr("mem.rules: group \"g\", rule 1, \"x\": "
                                      "could not parse expression: "));
  EXPECT_EQ(m.Groups()[0].get(), before[0].get());

  // The old group keeps evaluating.
  int64_t n = before[0]->iterations_total();
  for (int i = 0; i < 200 && before[0]->iterations_total() < n + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(before[0]->iterations_total(), n + 2);
  m.Stop();
}

}  // namespace
}  // namespace vigil::rules
