// End to end with Debian's real Alertmanager: a rule evaluated by the
// PromQL engine fires, the notifier posts it, and the alert (with its
// expanded annotations) appears in Alertmanager's GET /api/v2/alerts; when
// the condition clears the resolution is sent and the alert leaves the
// active list.

#include <chrono>
#include <cstdio>
#include <thread>

#include "gtest/gtest.h"
#include "httplib.h"
#include "libpromql/engine.h"
#include "librules/engine_query_func.h"
#include "librules/internal/test_util.h"
#include "librules/manager.h"
#include "librules/notifier/notifier.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/timestamp.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace vigil::rules {
namespace {

constexpr char kAlertmanager[] = "/usr/bin/prometheus-alertmanager";

class AlertmanagerProcess {
 public:
  bool Start() {
    dir_ = testing::MakeTempDir();
    port_ = testing::FreePort();
    std::string cfg = dir_ + "/alertmanager.yml";
    FILE* f = fopen(cfg.c_str(), "w");
    if (f == nullptr) return false;
    fputs("route:\n  receiver: blackhole\n  group_wait: 1s\n"
          "receivers:\n- name: blackhole\n",
          f);
    fclose(f);
    pid_ = testing::Spawn(
        {kAlertmanager, "--config.file=" + cfg, "--storage.path=" + dir_ + "/data",
         "--web.listen-address=127.0.0.1:" + std::to_string(port_),
         "--cluster.listen-address=", "--log.level=warn"},
        dir_ + "/alertmanager.log");
    if (pid_ <= 0) return false;
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(1);
    for (int i = 0; i < 150; ++i) {
      auto r = c.Get("/-/ready");
      if (r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  ~AlertmanagerProcess() { testing::KillAndWait(pid_); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return testing::ReadFileOrDie(dir_ + "/alertmanager.log"); }

  nlohmann::json Alerts() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(5);
    auto r = c.Get("/api/v2/alerts");
    if (!r || r->status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(r->body, nullptr, false);
  }

 private:
  std::string dir_;
  int port_ = 0;
  int pid_ = -1;
};

TEST(AlertmanagerE2ETest, FiresAndResolves) {
  if (!testing::FileExists(kAlertmanager)) {
    GTEST_SKIP() << kAlertmanager << " is absent";
  }
  AlertmanagerProcess am;
  ASSERT_TRUE(am.Start()) << "alertmanager did not become ready";

  notifier::NotifierOptions no;
  no.external_labels = model::Labels::FromPairs({{"cluster", "e2e"}});
  notifier::Notifier notifier(no);
  auto cfg = notifier::ParseAlertingConfig(
      YAML::Load("alertmanagers:\n- static_configs: [{targets: ['" +
                 am.address() + "']}]\n"),
      "prometheus.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  ASSERT_TRUE(notifier.ApplyConfig(cfg->alertmanagers).ok());
  notifier.Start();

  storage::MemoryStorage db;
  promql::Engine engine(promql::EngineOptions{});
  ManagerOptions mo;
  mo.query = EngineQueryFunc(&engine, &db);
  mo.appendable = &db;
  mo.default_interval_ms = 1000;
  mo.external_url = "http://vigil.example:9090";
  mo.notify = SendAlertsTo(
      [&](std::vector<notifier::Alert> a) { notifier.Send(std::move(a)); },
      mo.external_url);
  absl::StatusOr<RuleFile> rf = ParseRuleFile(R"(
groups:
- name: e2e
  rules:
  - alert: HighLoad
    expr: load_avg > 1
    labels: {severity: page}
    annotations:
      summary: "load on {{ $labels.instance }} is {{ $value | humanize }}"
)",
                                              "e2e.rules");
  ASSERT_TRUE(rf.ok()) << rf.status();
  Manager m(mo);
  ASSERT_TRUE(m.UpdateFromFiles({*rf}).ok());
  Group& g = *m.Groups()[0];

  model::Labels series = model::Labels::FromPairs(
      {{"__name__", "load_avg"}, {"instance", "h1"}});
  // Evaluation times lie in the past, as real ones do by the time the
  // alert reaches Alertmanager (a resolution "in the future" would lose
  // against the earlier endsAt there).
  int64_t t = model::NowMillis() - 5000;
  {
    auto app = db.NewAppender();
    ASSERT_TRUE(app->Append(0, series, t, 2500).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  g.Eval(t);
  ASSERT_EQ(g.rules()[0]->health(), RuleHealth::kGood) << g.rules()[0]->last_error();
  ASSERT_TRUE(notifier.WaitIdle(absl::Seconds(20)));

  nlohmann::json alerts;
  for (int i = 0; i < 100; ++i) {
    alerts = am.Alerts();
    if (alerts.is_array() && !alerts.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(alerts.is_array() && alerts.size() == 1) << alerts.dump() << am.log();
  const auto& a = alerts[0];
  EXPECT_EQ(a["labels"]["alertname"], "HighLoad");
  EXPECT_EQ(a["labels"]["instance"], "h1");
  EXPECT_EQ(a["labels"]["severity"], "page");
  EXPECT_EQ(a["labels"]["cluster"], "e2e");
  EXPECT_EQ(a["annotations"]["summary"], "load on h1 is 2.5k");
  EXPECT_EQ(a["status"]["state"], "active");
  EXPECT_EQ(a["generatorURL"],
            "http://vigil.example:9090/graph?g0.expr=load_avg+%3E+1&g0.tab=1");
  for (const auto& s : notifier.Stats()) EXPECT_EQ(s.errors, 0) << s.last_error;

  // The condition clears: the next evaluation resolves and sends at once.
  {
    auto app = db.NewAppender();
    ASSERT_TRUE(app->Append(0, series, t + 1000, 0.5).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  g.Eval(t + 1000);
  ASSERT_TRUE(notifier.WaitIdle(absl::Seconds(20)));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    alerts = am.Alerts();
    gone = alerts.is_array() && alerts.empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << alerts.dump();
  int64_t sent = 0;
  for (const auto& s : notifier.Stats()) sent += s.sent;
  EXPECT_EQ(sent, 2);
  notifier.Stop();
}

}  // namespace
}  // namespace vigil::rules
