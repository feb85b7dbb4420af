#include "librules/notifier/notifier.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace vigil::notifier {
namespace {

using ::testing::HasSubstr;

Alert MakeAlert(const std::string& name, int i = 0) {
  Alert a;
  a.labels = model::Labels::FromPairs(
      {{"alertname", name}, {"i", std::to_string(i)}, {"severity", "page"}});
  a.annotations = {{"summary", "s " + std::to_string(i)}, {"empty", ""}};
  a.starts_at_ms = 1700000000000;
  a.ends_at_ms = 1700000240500;
  a.generator_url = "http://prom/graph?g0.expr=up&g0.tab=1";
  return a;
}

// A fake Alertmanager recording the bodies POSTed to /api/v2/alerts.
class FakeAlertmanager {
 public:
  explicit FakeAlertmanager(int status = 200, int delay_ms = 0) {
    server_.Post("/api/v2/alerts",
                 [this, status, delay_ms](const httplib::Request& req,
                                          httplib::Response& res) {
                   if (delay_ms > 0) {
                     std::this_thread::sleep_for(
                         std::chrono::milliseconds(delay_ms));
                   }
                   std::lock_guard<std::mutex> l(mu_);
                   bodies_.push_back(req.body);
                   content_type_ = req.get_header_value("Content-Type");
                   auth_ = req.get_header_value("Authorization");
                   res.status = status;
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~FakeAlertmanager() {
    server_.stop();
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }
  std::string content_type() {
    std::lock_guard<std::mutex> l(mu_);
    return content_type_;
  }
  std::string auth() {
    std::lock_guard<std::mutex> l(mu_);
    return auth_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::string content_type_, auth_;
};

AlertingConfig ParseOrDie(const std::string& yaml) {
  auto c = ParseAlertingConfig(YAML::Load(yaml), "prometheus.yml");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(NotifierTest, JsonEncoding) {
  EXPECT_EQ(FormatTimeRfc3339(1700000240500), "2023-11-14T22:17:20.500Z");
  std::string body = EncodeAlertsJson({MakeAlert("Down", 1)});
  nlohmann::json j = nlohmann::json::parse(body);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1);
  EXPECT_EQ(j[0]["labels"]["alertname"], "Down");
  EXPECT_EQ(j[0]["labels"]["i"], "1");
  EXPECT_EQ(j[0]["annotations"]["summary"], "s 1");
  EXPECT_EQ(j[0]["annotations"]["empty"], "");
  EXPECT_EQ(j[0]["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(j[0]["endsAt"], "2023-11-14T22:17:20.500Z");
  EXPECT_EQ(j[0]["generatorURL"], "http://prom/graph?g0.expr=up&g0.tab=1");
  Alert bare;
  bare.labels = model::Labels::FromPairs({{"alertname", "x"}});
  nlohmann::json b = nlohmann::json::parse(EncodeAlertsJson({bare}));
  EXPECT_FALSE(b[0].contains("startsAt"));
  EXPECT_FALSE(b[0].contains("endsAt"));
}

TEST(NotifierTest, ParsesAlertingConfig) {
  AlertingConfig c = ParseOrDie(R"(
alert_relabel_configs:
- {action: labeldrop, regex: replica}
alertmanagers:
- scheme: http
  static_configs:
  - targets: ["alertmanager.monitoring.svc:9093"]
- path_prefix: /am/
  timeout: 3s
  authorization: {credentials: secret}
  kubernetes_sd_configs: [{role: pod}]
)");
  ASSERT_EQ(c.alertmanagers.size(), 2);
  EXPECT_EQ(c.alert_relabel_configs.size(), 1);
  EXPECT_EQ(c.alertmanagers[0].static_configs[0].targets.size(), 1);
  EXPECT_EQ(c.alertmanagers[1].timeout, absl::Seconds(3));
  EXPECT_EQ(c.alertmanagers[1].http.auth_type, "Bearer");
  ASSERT_EQ(c.alertmanagers[1].sd_configs.size(), 1);
  EXPECT_EQ(c.alertmanagers[1].sd_configs[0].first, "kubernetes_sd_configs");
  EXPECT_EQ(AlertsPath("/am/"), "/am/api/v2/alerts");
  EXPECT_EQ(AlertsPath("/"), "/api/v2/alerts");
  EXPECT_EQ(AlertsPath(""), "/api/v2/alerts");

  auto bad = ParseAlertingConfig(
      YAML::Load("alertmanagers:\n- api_version: v1\n"), "p.yml");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("p.yml:2:16: alertmanager api_version v1 is no longer "
                        "supported"));
  bad = ParseAlertingConfig(YAML::Load("alertmanagers:\n- foo: 1\n"), "p.yml");
  EXPECT_THAT(bad.status().message(),
              HasSubstr("field foo not found in type config.AlertmanagerConfig"));
  bad = ParseAlertingConfig(YAML::Load("alertmanagers:\n- timeout: 1x\n"), "p.yml");
  EXPECT_THAT(bad.status().message(), HasSubstr("not a valid duration string"));
}

TEST(NotifierTest, BatchesLabelsAndCounts) {
  FakeAlertmanager am;
  int dead_port = 0;
  {
    // A port nobody listens on (bound and released).
    httplib::Server s;
    dead_port = s.bind_to_any_port("127.0.0.1");
  }
  NotifierOptions o;
  o.external_labels = model::Labels::FromPairs({{"cluster", "c1"}, {"severity", "x"}});
  o.alert_relabel_configs =
      ParseOrDie("alert_relabel_configs: [{action: drop, source_labels: [i], regex: '7'}]")
          .alert_relabel_configs;
  Notifier n(o);
  AlertingConfig cfg = ParseOrDie(
      "alertmanagers:\n"
      "- static_configs: [{targets: ['" + am.address() + "']}]\n"
      "  authorization: {credentials: tok}\n"
      "- static_configs: [{targets: ['127.0.0.1:" + std::to_string(dead_port) + "']}]\n"
      "  timeout: 2s\n");
  ASSERT_TRUE(n.ApplyConfig(cfg.alertmanagers).ok());
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{
                "http://" + am.address() + "/api/v2/alerts",
                "http://127.0.0.1:" + std::to_string(dead_port) + "/api/v2/alerts"}));
  std::vector<Alert> alerts;
  for (int i = 0; i < 601; ++i) alerts.push_back(MakeAlert("A", i));
  n.Send(alerts);  // 600 after relabeling drops i=7, queued per Alertmanager
  EXPECT_EQ(n.queue_length(), 1200);
  n.Start();
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(30)));
  std::vector<std::string> bodies = am.bodies();
  ASSERT_EQ(bodies.size(), 3);
  size_t total = 0;
  std::vector<size_t> sizes;
  for (const auto& b : bodies) {
    nlohmann::json j = nlohmann::json::parse(b);
    sizes.push_back(j.size());
    total += j.size();
    for (const auto& a : j) {
      EXPECT_EQ(a["labels"]["cluster"], "c1");
      EXPECT_EQ(a["labels"]["severity"], "page");  // alert's label wins
      EXPECT_NE(a["labels"]["i"], "7");
    }
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{256, 256, 88}));  // 3.x batch size
  EXPECT_EQ(total, 600);
  EXPECT_EQ(am.content_type(), "application/json");
  EXPECT_EQ(am.auth(), "Bearer tok");
  int64_t sent = 0, errors = 0;
  for (const AlertmanagerStats& s : n.Stats()) {
    if (absl::StrContains(s.url, am.address())) {
      sent = s.sent;
      EXPECT_EQ(s.errors, 0);
      EXPECT_EQ(s.requests, 3);
    } else {
      errors = s.errors;
      EXPECT_THAT(s.last_error, HasSubstr("Post \"http://127.0.0.1:"));
    }
  }
  EXPECT_EQ(sent, 600);
  EXPECT_EQ(errors, 600);
  // Each Alertmanager has its own queue: the dead one dropped its copies.
  EXPECT_EQ(n.dropped_total(), 600);
  n.Stop();
}

TEST(NotifierTest, QueueCapacityDropsOldest) {
  int dead_port = 0;
  {
    httplib::Server s;
    dead_port = s.bind_to_any_port("127.0.0.1");
  }
  // (The released socket may still accept into its backlog: a black hole,
  // hence the short timeout.)
  NotifierOptions o;
  o.queue_capacity = 10;
  Notifier n(o);
  ASSERT_TRUE(n.ApplyConfig(ParseOrDie("alertmanagers:\n"
                                       "- timeout: 1s\n"
                                       "  static_configs: [{targets: ['127.0.0.1:" +
                                       std::to_string(dead_port) + "']}]\n")
                                .alertmanagers)
                  .ok());
  std::vector<Alert> a;
  for (int i = 0; i < 8; ++i) a.push_back(MakeAlert("A", i));
  n.Send(a);
  n.Send(a);
  EXPECT_EQ(n.queue_length(), 10);
  EXPECT_EQ(n.dropped_total(), 6);
  std::vector<Alert> many;
  for (int i = 0; i < 25; ++i) many.push_back(MakeAlert("B", i));
  n.Send(many);
  EXPECT_EQ(n.dropped_total(), 6 + 15 + 10);
  // The Alertmanager is down: the batch is dropped when sent.
  n.Start();
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(n.dropped_total(), 41);
}

// --alertmanager.drain-notification-queue-on-shutdown: with it (the
// default) Stop sends what is queued; without, only the batch in flight.
TEST(NotifierTest, StopDrainsTheQueueOnlyWhenAsked) {
  for (bool drain : {true, false}) {
    FakeAlertmanager am(200, 300);
    NotifierOptions o;
    o.max_batch_size = 1;
    o.drain_on_stop = drain;
    Notifier n(o);
    ASSERT_TRUE(n.ApplyConfig(
                     ParseOrDie("alertmanagers:\n- static_configs: [{targets: ['" + am.address() +
                                "']}]\n")
                         .alertmanagers)
                    .ok());
    n.Start();
    n.Send({MakeAlert("A", 0), MakeAlert("A", 1), MakeAlert("A", 2)});
    absl::SleepFor(absl::Milliseconds(100));  // the first batch is in flight
    n.Stop();
    EXPECT_EQ(am.bodies().size(), drain ? 3u : 1u) << "drain=" << drain;
    EXPECT_EQ(n.dropped_total(), drain ? 0 : 2) << "drain=" << drain;
  }
}

TEST(NotifierTest, FailuresAndTimeoutsAreCountedNotBlocking) {
  FakeAlertmanager failing(500);
  FakeAlertmanager slow(200, 3000);
  Notifier n(NotifierOptions{});
  AlertingConfig cfg = ParseOrDie(
      "alertmanagers:\n"
      "- static_configs: [{targets: ['" + failing.address() + "']}]\n"
      "- timeout: 200ms\n"
      "  static_configs: [{targets: ['" + slow.address() + "']}]\n");
  ASSERT_TRUE(n.ApplyConfig(cfg.alertmanagers).ok());
  n.Start();
  n.Send({MakeAlert("A")});
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(20)));
  n.Send({MakeAlert("B")});  // returns although the sender may be busy
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(20)));
  EXPECT_EQ(n.dropped_total(), 4);  // each Alertmanager dropped both batches
  for (const AlertmanagerStats& s : n.Stats()) {
    EXPECT_EQ(s.errors, 2) << s.url;
    EXPECT_EQ(s.sent, 0);
    if (absl::StrContains(s.url, failing.address())) {
      EXPECT_THAT(s.last_error, HasSubstr("bad response status 500"));
    } else {
      EXPECT_THAT(s.last_error, HasSubstr("context deadline exceeded"));
    }
  }
  n.Stop();
}

TEST(NotifierTest, RelabeledAndDiscoveredTargets) {
  Notifier n(NotifierOptions{});
  AlertingConfig cfg = ParseOrDie(R"(
alertmanagers:
- path_prefix: /prefix
  scheme: https
  relabel_configs:
  - {source_labels: [role], regex: skip, action: drop}
  static_configs:
  - targets: ["a:9093"]
  alert_relabel_configs:
  - {target_label: via, replacement: set0}
)");
  ASSERT_TRUE(n.ApplyConfig(cfg.alertmanagers).ok());
  sd::TargetGroup g;
  g.targets = {model::Labels::FromPairs({{"__address__", "b:9093"}}),
               model::Labels::FromPairs({{"__address__", "c:9093"}, {"role", "skip"}}),
               model::Labels::FromPairs({{"__address__", "a:9093"}})};
  ASSERT_TRUE(n.SetTargetGroups(0, {g}).ok());
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{"https://a:9093/prefix/api/v2/alerts",
                                      "https://b:9093/prefix/api/v2/alerts"}));
  EXPECT_EQ(n.SetTargetGroups(3, {}).code(), absl::StatusCode::kNotFound);
  g.targets = {model::Labels::FromPairs({{"__address__", "x/y"}})};
  EXPECT_EQ(n.DroppedAlertmanagerUrls(),
            (std::vector<std::string>{"https://c:9093/prefix/api/v2/alerts"}));
  sd::TargetGroup bad;
  bad.targets = {model::Labels::FromPairs({{"__address__", "x/y"}})};
  g.targets = {model::Labels::FromPairs({{"__address__", "d:9093"}})};
  // The bad group is skipped and reported; the others apply.
  EXPECT_THAT(n.SetTargetGroups(0, {bad, g}).message(),
              HasSubstr("\"x/y\" is not a valid hostname"));
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{"https://a:9093/prefix/api/v2/alerts",
                                      "https://d:9093/prefix/api/v2/alerts"}));
  EXPECT_TRUE(n.DroppedAlertmanagerUrls().empty());
}

TEST(NotifierTest, LabelOrderTargetThenSetThenGroup) {
  Notifier n(NotifierOptions{});
  AlertingConfig cfg = ParseOrDie(R"(
alertmanagers:
- scheme: https
  relabel_configs:
  - {source_labels: [__meta_port], target_label: __address__, regex: (.+), replacement: 'host:$1'}
  kubernetes_sd_configs: [{role: pod}]
)");
  ASSERT_TRUE(n.ApplyConfig(cfg.alertmanagers).ok());
  sd::TargetGroup g;
  g.labels = model::Labels::FromPairs({{"__meta_port", "1"}, {"__scheme__", "ftp"}});
  g.targets = {
      // The target's own __scheme__ is overwritten by the set's scheme.
      model::Labels::FromPairs({{"__address__", "a:1"}, {"__scheme__", "http"}}),
      // A target label wins over the group's.
      model::Labels::FromPairs({{"__address__", "b:1"}, {"__meta_port", "2"}})};
  ASSERT_TRUE(n.SyncGroups({{"config-0", {g}}, {"config-9", {g}}, {"other", {g}}}).ok());
  // The group's __scheme__ applies where the target has none: group labels
  // come after the set's scheme (Prometheus's AlertmanagerFromGroup).
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{"https://host:1/api/v2/alerts",
                                      "ftp://host:2/api/v2/alerts"}));
}

TEST(NotifierTest, ReloadKeepsDiscoveredGroupsAndQueuesAndAppliesExternalLabels) {
  FakeAlertmanager am;
  NotifierOptions o;
  o.external_labels = model::Labels::FromPairs({{"cluster", "old"}});
  Notifier n(o);
  const std::string yaml =
      "alertmanagers:\n"
      "- file_sd_configs: [{files: [am.json]}]\n"
      "  alert_relabel_configs: [{source_labels: [alertname], regex: Skip, action: drop}]\n";
  AlertingConfig cfg = ParseOrDie(yaml);
  ASSERT_TRUE(n.ApplyConfig(cfg.alertmanagers).ok());
  EXPECT_TRUE(n.AlertmanagerUrls().empty());
  sd::TargetGroup g;
  g.targets = {model::Labels::FromPairs({{"__address__", am.address()}})};
  ASSERT_TRUE(n.SetTargetGroups(0, {g}).ok());
  n.Send({MakeAlert("A", 1), MakeAlert("Skip", 2)});
  EXPECT_EQ(n.queue_length(), 1);  // the set's alert relabeling dropped Skip

  // Same discovery sections, new relabeling and external labels: the
  // discovered Alertmanager and its queued alert stay.
  NotifierConfig next;
  next.external_labels = model::Labels::FromPairs({{"cluster", "new"}, {"region", "r"}});
  next.alertmanagers = ParseOrDie(yaml).alertmanagers;
  next.alertmanagers[0].relabel_configs =
      ParseOrDie("alert_relabel_configs: [{target_label: __alerts_path__, replacement: /x/api/v2/alerts}]")
          .alert_relabel_configs;
  ASSERT_TRUE(n.ApplyConfig(next).ok());
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{"http://" + am.address() + "/x/api/v2/alerts"}));
  EXPECT_EQ(n.external_labels().Get("cluster"), "new");
  next.alertmanagers = ParseOrDie(yaml).alertmanagers;  // back to the real path
  ASSERT_TRUE(n.ApplyConfig(next).ok());
  EXPECT_EQ(n.AlertmanagerUrls(),
            (std::vector<std::string>{"http://" + am.address() + "/api/v2/alerts"}));
  n.Send({MakeAlert("B", 3)});
  n.Start();
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(20)));
  std::vector<std::string> bodies = am.bodies();
  ASSERT_EQ(bodies.size(), 1);
  nlohmann::json j = nlohmann::json::parse(bodies[0]);
  ASSERT_EQ(j.size(), 1);  // A was queued for the /x URL, which went away
  EXPECT_EQ(j[0]["labels"]["alertname"], "B");
  EXPECT_EQ(j[0]["labels"]["cluster"], "new");
  EXPECT_EQ(j[0]["labels"]["region"], "r");

  // Changed discovery sections: the old groups no longer apply.
  ASSERT_TRUE(n.ApplyConfig(ParseOrDie("alertmanagers:\n"
                                       "- file_sd_configs: [{files: [other.json]}]\n")
                                .alertmanagers)
                  .ok());
  EXPECT_TRUE(n.AlertmanagerUrls().empty());
  // A bad static target rejects the whole config.
  EXPECT_THAT(n.ApplyConfig(ParseOrDie("alertmanagers:\n"
                                       "- static_configs: [{targets: ['a/b']}]\n")
                                .alertmanagers)
                  .message(),
              HasSubstr("\"a/b\" is not a valid hostname"));
  n.Stop();
}

}  // namespace
}  // namespace vigil::notifier
