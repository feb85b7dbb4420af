// The composed server's alerting path in-process: Alertmanagers found by
// file_sd_configs and relabeled (one dropped), alerts with external labels
// POSTed to a fake Alertmanager, and a reload that changes
// global.external_labels and global.evaluation_interval — alerts, /federate
// and /api/v1/status/config follow, a rule group without its own interval
// switches to the new one, and a pending alert keeps its for-state.

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "examples/server/app.h"
#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;

// Records the alerts POSTed to /api/v2/alerts.
class FakeAlertmanager {
 public:
  FakeAlertmanager() {
    http_.router()->Post("/api/v2/alerts", [this](const web::Request& req, web::Response* res) {
      json body = json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> l(mu_);
      if (body.is_array()) {
        for (const json& a : body) alerts_.push_back(a);
      }
      res->status = 200;
    });
  }
  int Start() { return http_.Start(); }
  int port() const { return http_.port(); }
  // Whether an alert named `name` with label cluster=`cluster` arrived.
  bool Received(const std::string& name, const std::string& cluster) {
    std::lock_guard<std::mutex> l(mu_);
    for (const json& a : alerts_) {
      if (a["labels"]["alertname"] == name && a["labels"]["cluster"] == cluster) {
        return true;
      }
    }
    return false;
  }

 private:
  testing::HttpTestServer http_;
  std::mutex mu_;
  std::vector<json> alerts_;
};

class AppAlertingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/alerting");
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    ASSERT_GT(am_.Start(), 0);
    std::ofstream(dir_ + "/am.json")
        << R"([{"targets": ["127.0.0.1:)" << am_.port()
        << R"(", "127.0.0.1:1"], "labels": {"role": "am"}}])";
    std::ofstream(dir_ + "/rules.yml") << R"(groups:
- name: default_interval
  rules:
  - alert: Always
    expr: vector(1)
    labels: {severity: page}
  - alert: Slow
    expr: vector(1)
    for: 1h
- name: fixed
  interval: 1s
  rules:
  - record: fixed_record
    expr: vector(2)
)";
  }

  void WriteConfig(const std::string& cluster, const std::string& eval) {
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  evaluation_interval: " << eval << "\n"
        << "  external_labels: {cluster: " << cluster << "}\n"
        << "rule_files: [rules.yml]\n"
        << "alerting:\n  alertmanagers:\n"
        << "  - file_sd_configs: [{files: [am.json], refresh_interval: 1s}]\n"
        << "    relabel_configs:\n"
        << "    - {source_labels: [__address__], regex: '127.0.0.1:1', action: drop}\n";
  }

  json GetJson(httplib::Client* c, const std::string& path) {
    httplib::Result r = c->Get(path.c_str());
    if (!r) return json();
    return json::parse(r->body, nullptr, false);
  }

  // Polls `pred` for up to 30 s (discovery syncs every 5 s).
  template <typename Pred>
  bool Eventually(Pred pred) {
    for (int i = 0; i < 300; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // The group named `name` of /api/v1/rules.
  json Group(httplib::Client* c, const std::string& name) {
    json j = GetJson(c, "/api/v1/rules");
    if (j.is_discarded() || j.is_null()) return json();
    for (const json& g : j["data"]["groups"]) {
      if (g["name"] == name) return g;
    }
    return json();
  }

  std::string dir_;
  FakeAlertmanager am_;
};

TEST_F(AppAlertingTest, DiscoveredAlertmanagersAndReloadedGlobals) {
  WriteConfig("a", "1s");
  Flags f;
  f.config_file = dir_ + "/prometheus.yml";
  f.storage_path = dir_ + "/data";
  f.listen_address = "127.0.0.1:0";
  f.resend_delay = "1s";
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  c.set_read_timeout(10, 0);
  c.set_url_encode(false);

  const std::string am_url =
      absl::StrCat("http://127.0.0.1:", am_.port(), "/api/v2/alerts");
  json want_ams = {
      {"activeAlertmanagers", {{{"url", am_url}}}},
      {"droppedAlertmanagers", {{{"url", "http://127.0.0.1:1/api/v2/alerts"}}}}};
  json ams;
  EXPECT_TRUE(Eventually([&] {
    ams = GetJson(&c, "/api/v1/alertmanagers");
    return !ams.is_discarded() && ams["data"] == want_ams;
  })) << ams.dump();
  EXPECT_EQ(ams["status"], "success");
  EXPECT_TRUE(Eventually([&] { return am_.Received("Always", "a"); }));
  httplib::Result metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_TRUE(absl::StrContains(metrics->body,
                                "\nprometheus_notifications_alertmanagers_discovered 1\n"))
      << metrics->body;
  EXPECT_TRUE(absl::StrContains(
      metrics->body, "prometheus_notifications_errors_total{alertmanager=\"" + am_url + "\"} 0"))
      << metrics->body;
  EXPECT_TRUE(Eventually([&] {
    httplib::Result m = c.Get("/metrics");
    // At least one alert sent to the discovered Alertmanager.
    return m && absl::StrContains(m->body, "prometheus_notifications_sent_total{alertmanager=\"" +
                                               am_url + "\"} ") &&
           !absl::StrContains(m->body, "prometheus_notifications_sent_total{alertmanager=\"" +
                                           am_url + "\"} 0\n");
  }));

  // The pending alert's for-state, before the reload.
  json slow_before;
  ASSERT_TRUE(Eventually([&] {
    json g = Group(&c, "default_interval");
    if (g.is_null()) return false;
    for (const json& r : g["rules"]) {
      if (r["name"] == "Slow" && r["alerts"].size() == 1) {
        slow_before = r["alerts"][0];
        return true;
      }
    }
    return false;
  }));
  EXPECT_EQ(slow_before["state"], "pending");
  EXPECT_EQ(Group(&c, "default_interval")["interval"], 1);

  WriteConfig("b", "2s");
  ASSERT_TRUE((*app)->Reload().ok());

  json cfg = GetJson(&c, "/api/v1/status/config");
  EXPECT_TRUE(absl::StrContains(cfg["data"]["yaml"].get<std::string>(), "cluster: b"))
      << cfg.dump();
  // Alerts now carry the new external labels.
  EXPECT_TRUE(Eventually([&] { return am_.Received("Always", "b"); }));
  // The group without its own interval follows evaluation_interval; the
  // other keeps 1s; the pending alert keeps its activeAt.
  json g = Group(&c, "default_interval");
  EXPECT_EQ(g["interval"], 2);
  EXPECT_EQ(Group(&c, "fixed")["interval"], 1);
  bool found = false;
  for (const json& r : g["rules"]) {
    if (r["name"] != "Slow") continue;
    ASSERT_EQ(r["alerts"].size(), 1u);
    EXPECT_EQ(r["alerts"][0]["activeAt"], slow_before["activeAt"]);
    EXPECT_EQ(r["alerts"][0]["state"], "pending");
    found = true;
  }
  EXPECT_TRUE(found);
  // /federate adds the new external labels.
  std::string fed;
  EXPECT_TRUE(Eventually([&] {
    httplib::Result r = c.Get("/federate?match%5B%5D=fixed_record");
    fed = r ? r->body : "";
    return absl::StrContains(fed, "fixed_record{cluster=\"b\"} 2");
  })) << fed;
  // Discovery survived the reload: the same Alertmanagers.
  EXPECT_EQ(GetJson(&c, "/api/v1/alertmanagers")["data"], want_ams);
  (*app)->RequestQuit();
  (*app)->Wait();
}

}  // namespace
}  // namespace vigil::server
