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
  for (int i = 0; i < 151; ++i) alerts.push_back(MakeAlert("A", i));
  n.Send(alerts);  // 150 after relabeling drops i=7
  EXPECT_EQ(n.queue_length(), 150);
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
  EXPECT_EQ(sizes, (std::vector<size_t>{64, 64, 22}));
  EXPECT_EQ(total, 150);
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
  EXPECT_EQ(sent, 150);
  EXPECT_EQ(errors, 150);
  EXPECT_EQ(n.dropped_total(), 0);  // one Alertmanager took each batch
  n.Stop();
}

TEST(NotifierTest, QueueCapacityDropsOldest) {
  NotifierOptions o;
  o.queue_capacity = 10;
  Notifier n(o);
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
  // No Alertmanager configured: batches are dropped when sent.
  n.Start();
  ASSERT_TRUE(n.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(n.dropped_total(), 41);
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
  EXPECT_EQ(n.dropped_total(), 2);  // no Alertmanager accepted either batch
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
  EXPECT_THAT(n.SetTargetGroups(0, {g}).message(),
              HasSubstr("\"x/y\" is not a valid hostname"));
}

}  // namespace
}  // namespace vigil::notifier
