#include "librules/alerting_rule.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "librules/internal/fake_query.h"
#include "librules/recording_rule.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;
using testing::FakeQuery;
using testing::S;

constexpr int64_t kMin = 60 * 1000;

std::unique_ptr<AlertingRule> MakeRule(int64_t hold_ms, int64_t keep_ms = 0) {
  AlertingRuleOptions o;
  o.name = "HighLoad";
  o.expr = "load > 1";
  o.hold_ms = hold_ms;
  o.keep_firing_for_ms = keep_ms;
  o.labels = model::Labels::FromPairs(
      {{"severity", "page"}, {"where", "{{ $labels.instance }}"}});
  o.annotations = {{"summary", "load {{ $value | humanize }} on {{ .Labels.instance }}"},
                   {"empty", ""},
                   {"bad", "{{ humanize \"x\" }}"}};
  o.external_labels = model::Labels::FromPairs({{"cluster", "c1"}});
  auto r = AlertingRule::Create(std::move(o));
  EXPECT_TRUE(r.ok()) << r.status();
  return std::move(*r);
}

const promql::Sample kHost1 =
    S({{"__name__", "load"}, {"instance", "h1"}, {"job", "node"}}, 2.5);

TEST(RecordingRuleTest, RenamesAndRelabels) {
  FakeQuery q;
  q.Set("sum by (job) (up)", {S({{"job", "a"}, {"x", "1"}}, 3),
                              S({{"job", "b"}}, 4)});
  RecordingRule r("job:up:sum", "sum by (job) (up)",
                  model::Labels::FromPairs({{"x", "fixed"}}));
  absl::StatusOr<promql::Vector> v = r.Eval(100000, 30000, q.Func(), 0);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 2);
  EXPECT_EQ((*v)[0].metric.ToString(),
            "{__name__=\"job:up:sum\", job=\"a\", x=\"fixed\"}");
  EXPECT_EQ((*v)[0].t, 70000);  // query offset applied
  EXPECT_EQ(q.times(), std::vector<int64_t>{70000});
  EXPECT_THAT(r.Eval(100000, 0, q.Func(), 1).status().message(),
              "exceeded limit of 1 with 2 series");
  q.Set("sum by (job) (up)", {S({{"job", "a"}, {"__name__", "m1"}}, 1),
                              S({{"job", "a"}, {"__name__", "m2"}}, 2)});
  EXPECT_EQ(r.Eval(100000, 0, q.Func(), 0).status().message(),
            "vector contains metrics with the same labelset after applying "
            "rule labels");
  q.SetError("sum by (job) (up)", absl::InvalidArgumentError("boom"));
  EXPECT_EQ(r.Eval(1, 0, q.Func(), 0).status().message(), "boom");
}

TEST(AlertingRuleTest, PendingFiringResolved) {
  FakeQuery q;
  auto rule = MakeRule(2 * kMin);
  q.Set("load > 1", {kHost1});

  absl::StatusOr<promql::Vector> v = rule->Eval(0, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 2);
  EXPECT_EQ((*v)[0].metric.ToString(),
            "{__name__=\"ALERTS\", alertname=\"HighLoad\", alertstate=\"pending\", "
            "instance=\"h1\", job=\"node\", severity=\"page\", where=\"h1\"}");
  EXPECT_EQ((*v)[0].v, 1);
  EXPECT_EQ((*v)[1].metric.MetricName(), "ALERTS_FOR_STATE");
  EXPECT_FALSE((*v)[1].metric.Has("alertstate"));
  EXPECT_EQ((*v)[1].v, 0);  // active since t=0 s
  EXPECT_EQ(rule->state(), AlertState::kPending);
  // Pending alerts are not sent.
  EXPECT_TRUE(rule->AlertsToSend(0, kMin, kMin).empty());

  ASSERT_TRUE(rule->Eval(kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kPending);
  v = rule->Eval(2 * kMin, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0].metric.Get("alertstate"), "firing");
  EXPECT_EQ((*v)[1].v, 0);
  std::vector<Alert> alerts = rule->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].fired_at_ms, 2 * kMin);
  EXPECT_EQ(alerts[0].active_at_ms, 0);
  ASSERT_EQ(alerts[0].annotations.size(), 3);
  EXPECT_EQ(alerts[0].annotations[0],
            std::make_pair(std::string("summary"), std::string("load 2.5 on h1")));
  EXPECT_EQ(alerts[0].annotations[1].second, "");
  EXPECT_THAT(alerts[0].annotations[2].second,
              HasSubstr("<error expanding template: template: __alert_HighLoad"));

  // Sent once, then again only after the resend delay.
  std::vector<Alert> sent = rule->AlertsToSend(2 * kMin, kMin, 30000);
  ASSERT_EQ(sent.size(), 1);
  EXPECT_EQ(sent[0].valid_until_ms, 2 * kMin + 4 * kMin);
  EXPECT_TRUE(rule->AlertsToSend(2 * kMin + 30000, kMin, 30000).empty());
  EXPECT_EQ(rule->AlertsToSend(3 * kMin + 1, kMin, 30000).size(), 1);

  // Value changes update the annotations of the running alert.
  q.Set("load > 1", {S({{"__name__", "load"}, {"instance", "h1"}, {"job", "node"}},
                       1500)});
  ASSERT_TRUE(rule->Eval(4 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->ActiveAlerts()[0].annotations[0].second, "load 1.5k on h1");

  // Condition clears: resolved, kept (and sent) for 15 minutes.
  q.Set("load > 1", {});
  v = rule->Eval(5 * kMin, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->empty());
  alerts = rule->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1);
  EXPECT_EQ(alerts[0].state, AlertState::kInactive);
  EXPECT_EQ(alerts[0].resolved_at_ms, 5 * kMin);
  sent = rule->AlertsToSend(5 * kMin, kMin, kMin);
  ASSERT_EQ(sent.size(), 1);
  EXPECT_EQ(sent[0].resolved_at_ms, 5 * kMin);
  ASSERT_TRUE(rule->Eval(20 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->ActiveAlerts().size(), 1);
  ASSERT_TRUE(rule->Eval(20 * kMin + 1, 0, q.Func(), 0).ok());
  EXPECT_TRUE(rule->ActiveAlerts().empty());
}

TEST(AlertingRuleTest, PendingAlertDisappearsAndZeroFor) {
  FakeQuery q;
  auto rule = MakeRule(5 * kMin);
  q.Set("load > 1", {kHost1});
  ASSERT_TRUE(rule->Eval(0, 0, q.Func(), 0).ok());
  q.Set("load > 1", {});
  ASSERT_TRUE(rule->Eval(kMin, 0, q.Func(), 0).ok());
  EXPECT_TRUE(rule->ActiveAlerts().empty());

  auto now = MakeRule(0);
  q.Set("load > 1", {kHost1});
  absl::StatusOr<promql::Vector> v = now->Eval(kMin, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0].metric.Get("alertstate"), "firing");
}

TEST(AlertingRuleTest, KeepFiringFor) {
  FakeQuery q;
  auto rule = MakeRule(0, 2 * kMin);
  q.Set("load > 1", {kHost1});
  ASSERT_TRUE(rule->Eval(0, 0, q.Func(), 0).ok());
  q.Set("load > 1", {});
  absl::StatusOr<promql::Vector> v = rule->Eval(kMin, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 2);
  EXPECT_EQ((*v)[0].metric.Get("alertstate"), "firing");
  ASSERT_TRUE(rule->Eval(2 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kFiring);
  ASSERT_TRUE(rule->Eval(3 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kInactive);
  // Returning condition resets keep_firing_since.
  q.Set("load > 1", {kHost1});
  ASSERT_TRUE(rule->Eval(4 * kMin, 0, q.Func(), 0).ok());
  EXPECT_EQ(rule->state(), AlertState::kFiring);
}

TEST(AlertingRuleTest, ErrorsAndLimit) {
  FakeQuery q;
  auto rule = MakeRule(0);
  q.Set("load > 1", {kHost1, S({{"instance", "h2"}}, 3)});
  EXPECT_EQ(rule->Eval(0, 0, q.Func(), 1).status().message(),
            "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule->ActiveAlerts().empty());
  // Same labels once __name__ is dropped.
  q.Set("load > 1", {S({{"__name__", "a"}, {"instance", "h"}}, 1),
                     S({{"__name__", "b"}, {"instance", "h"}}, 1)});
  EXPECT_EQ(rule->Eval(0, 0, q.Func(), 0).status().message(),
            "vector contains metrics with the same labelset after applying "
            "alert labels");
  AlertingRuleOptions bad;
  bad.name = "X";
  bad.annotations = {{"s", "{{ $nope }}"}};
  EXPECT_THAT(AlertingRule::Create(bad).status().message(),
              HasSubstr("annotation \"s\": template: __alert_X:1: undefined "
                        "variable \"$nope\""));
}

TEST(AlertingRuleTest, TemplateQueryAndExternalLabels) {
  FakeQuery q;
  AlertingRuleOptions o;
  o.name = "T";
  o.expr = "x";
  o.annotations = {
      {"q", "{{ with query \"up\" }}{{ . | first | value }}{{ end }}"},
      {"ext", "{{ $externalLabels.cluster }}"}};
  o.external_labels = model::Labels::FromPairs({{"cluster", "c1"}});
  auto rule = *AlertingRule::Create(o);
  q.Set("x", {S({{"a", "1"}}, 1)});
  q.Set("up", {S({{"job", "j"}}, 7)});
  ASSERT_TRUE(rule->Eval(10000, 5000, q.Func(), 0).ok());
  auto a = rule->ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].annotations[0].second, "7");
  EXPECT_EQ(a[0].annotations[1].second, "c1");
  // Both queries ran at ts - query_offset.
  EXPECT_EQ(q.times(), (std::vector<int64_t>{5000, 5000}));
}

TEST(AlertingRuleTest, RestoreForState) {
  storage::MemoryStorage db;
  // Before the restart the alert had been pending since t=1000s; the last
  // ALERTS_FOR_STATE sample was written at t=1100s.
  model::Labels fs = model::Labels::FromPairs(
      {{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "HighLoad"},
       {"instance", "h1"}, {"job", "node"}, {"severity", "page"},
       {"where", "h1"}});
  auto app = db.NewAppender();
  ASSERT_TRUE(app->Append(0, fs, 1050000, 1000).ok());
  ASSERT_TRUE(app->Append(0, fs, 1100000, 1000).ok());
  ASSERT_TRUE(app->Commit().ok());

  FakeQuery q;
  q.Set("load > 1", {kHost1});
  auto rule = MakeRule(10 * kMin);
  rule->set_restored(false);
  const int64_t now = 1400000;  // restarted 300s after going down
  absl::StatusOr<promql::Vector> v = rule->Eval(now, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->empty());  // nothing written until restored
  auto querier = db.NewQuerier(now - 3600000, now);
  ASSERT_TRUE(querier.ok());
  ASSERT_TRUE(rule->RestoreForState(querier->get(), now, 2 * kMin).ok());
  EXPECT_TRUE(rule->restored());
  // 100s of the 600s were spent pending; the remaining 500s start now:
  // active_at shifts by the 300s downtime.
  EXPECT_EQ(rule->ActiveAlerts()[0].active_at_ms, 1300000);
  v = rule->Eval(now + 1000, 0, q.Func(), 0);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 2);
  EXPECT_EQ((*v)[1].v, 1300);

  // Little time left: the grace period applies.
  auto rule2 = MakeRule(10 * kMin);
  ASSERT_TRUE(rule2->Eval(now, 0, q.Func(), 0).ok());
  auto app2 = db.NewAppender();
  ASSERT_TRUE(app2->Append(0, fs, 1200000, 700).ok());  // pending 500s by then
  ASSERT_TRUE(app2->Commit().ok());
  auto querier2 = db.NewQuerier(now - 3600000, now);
  ASSERT_TRUE(rule2->RestoreForState(querier2->get(), now, 2 * kMin).ok());
  EXPECT_EQ(rule2->ActiveAlerts()[0].active_at_ms, now + 2 * kMin - 10 * kMin);
}

TEST(AlertingRuleTest, CopyState) {
  FakeQuery q;
  q.Set("load > 1", {kHost1});
  auto old_rule = MakeRule(0);
  ASSERT_TRUE(old_rule->Eval(0, 0, q.Func(), 0).ok());
  auto new_rule = MakeRule(0);
  new_rule->CopyStateFrom(*old_rule);
  auto a = new_rule->ActiveAlerts();
  ASSERT_EQ(a.size(), 1);
  EXPECT_EQ(a[0].state, AlertState::kFiring);
  EXPECT_EQ(a[0].fired_at_ms, 0);
}

}  // namespace
}  // namespace vigil::rules
