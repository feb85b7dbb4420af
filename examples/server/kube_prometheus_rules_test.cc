// The rules kube-prometheus deploys (../shared/conformance/kube-prometheus,
// read in place), loaded unchanged by a running server that scrapes a real
// node-exporter and itself: every file loads, and every group evaluates
// each interval without an evaluation error.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/server/app.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "librules/internal/test_util.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;
namespace rt = ::vigil::rules::testing;

constexpr char kNodeExporter[] = "/usr/bin/prometheus-node-exporter";

TEST(KubePrometheusRulesTest, AllLoadAndEvaluateWithoutErrors) {
  std::string rules_dir = rt::SharedDir("conformance");
  if (rules_dir.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  rules_dir += "/kube-prometheus/rules";
  std::vector<std::string> files = rt::ListFiles(rules_dir, ".rules.yml");
  ASSERT_EQ(files.size(), 8u) << rules_dir;
  if (!rt::FileExists(kNodeExporter)) {
    GTEST_SKIP() << kNodeExporter << " is absent (tools/install_deps.sh installs it)";
  }
  std::string dir = rt::MakeTempDir();
  int ne_port = rt::FreePort(), port = rt::FreePort();
  int ne = rt::Spawn({kNodeExporter, absl::StrCat("--web.listen-address=127.0.0.1:", ne_port)},
                     dir + "/node_exporter.log");
  ASSERT_GT(ne, 0);

  std::string cfg = absl::StrCat(
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      "rule_files:\n");
  for (const std::string& f : files) absl::StrAppend(&cfg, "  - ", f, "\n");
  absl::StrAppend(&cfg, "scrape_configs:\n",
                  "  - job_name: node-exporter\n    static_configs: [{targets: ['127.0.0.1:",
                  ne_port, "']}]\n",
                  "  - job_name: prometheus-k8s\n    static_configs: [{targets: ['127.0.0.1:",
                  port, "']}]\n");
  std::ofstream(dir + "/prometheus.yml") << cfg;
  Flags f;
  f.config_file = dir + "/prometheus.yml";
  f.storage_path = dir + "/data";
  f.listen_address = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());

  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20, 0);
  // Wait (bounded) until both targets were scraped and each 1s group ran
  // a few times.
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  json groups;
  int rules = 0;
  while (absl::Now() < deadline) {
    absl::SleepFor(absl::Seconds(1));
    httplib::Result r = c.Get("/api/v1/rules");
    if (!r || r->status != 200) continue;
    groups = json::parse(r->body)["data"]["groups"];
    json up = json::parse(c.Get("/api/v1/query?query=sum(up)")->body);
    bool scraped = up["data"]["result"].size() == 1 && up["data"]["result"][0]["value"][1] == "2";
    bool all_ran = true;
    rules = 0;
    for (const json& g : groups) {
      rules += static_cast<int>(g["rules"].size());
      if (g["interval"].get<double>() <= 1 && g["lastEvaluation"] == "0001-01-01T00:00:00Z") {
        all_ran = false;
      }
    }
    if (scraped && all_ran && absl::Now() > deadline - absl::Seconds(25)) break;
  }
  int evaluated = 0;
  for (const json& g : groups) {
    for (const json& r : g["rules"]) {
      std::string name = r.value("name", "");
      EXPECT_NE(r["health"], "err") << g["file"] << " " << g["name"] << " " << name << ": "
                                    << r.value("lastError", "");
      if (r["health"] == "ok") ++evaluated;
    }
  }
  // 234 rules in 8 files; all but the 3m group's ran by now.
  EXPECT_EQ(rules, 234);
  EXPECT_GT(evaluated, 200);
  (*app)->RequestQuit();
  (*app)->Wait();
  rt::KillAndWait(ne);
}

}  // namespace
}  // namespace vigil::server
