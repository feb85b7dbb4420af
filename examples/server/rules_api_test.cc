#include "examples/server/rules_api.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "libpromql/engine.h"
#include "librules/engine_query_func.h"
#include "librules/manager.h"
#include "libtsdb/storage/memory_storage.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;

class RulesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = db_.NewAppender();
    model::Labels up = model::Labels::FromPairs({{"__name__", "up"}, {"job", "api"}});
    for (int i = 0; i <= 20; ++i) ASSERT_TRUE(app->Append(0, up, i * 15000, 0).ok());
    ASSERT_TRUE(app->Commit().ok());
    path_ = std::string(std::getenv("TEST_TMPDIR")) + "/r.rules";
    std::ofstream(path_) << R"(groups:
- name: g1
  interval: 15s
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: Down
    expr: up == 0
    labels: {severity: page}
    annotations: {summary: "{{ $labels.job }} is down"}
- name: g2
  rules:
  - alert: Slow
    expr: up > 5
    for: 5m
)";
    rules::ManagerOptions o;
    o.query = rules::EngineQueryFunc(&engine_, &db_);
    o.appendable = &db_;
    o.queryable = &db_;
    o.now_ms = [] { return int64_t{300000}; };
    manager_ = std::make_unique<rules::Manager>(std::move(o));
    ASSERT_TRUE(manager_->Update({path_}).ok());
    for (const auto& g : manager_->Groups()) g->Eval(300000);
  }

  web::Request Req(std::vector<std::pair<std::string, std::string>> params) {
    web::Request r;
    for (auto& [k, v] : params) r.params.emplace(k, v);
    return r;
  }

  storage::MemoryStorage db_;
  promql::Engine engine_{promql::EngineOptions{}};
  std::string path_;
  std::unique_ptr<rules::Manager> manager_;
};

TEST_F(RulesApiTest, RulesShape) {
  absl::StatusOr<std::string> s = RulesJson(*manager_, Req({}));
  ASSERT_TRUE(s.ok()) << s.status();
  json j = json::parse(*s);
  ASSERT_EQ(j["groups"].size(), 2u);
  const json& g1 = j["groups"][0];
  EXPECT_EQ(g1["name"], "g1");
  EXPECT_EQ(g1["file"], path_);
  EXPECT_EQ(g1["interval"], 15);
  EXPECT_EQ(g1["lastEvaluation"], "1970-01-01T00:05:00Z");
  ASSERT_EQ(g1["rules"].size(), 2u);
  const json& rec = g1["rules"][0];
  EXPECT_EQ(rec["type"], "recording");
  EXPECT_EQ(rec["name"], "job:up:sum");
  EXPECT_EQ(rec["query"], "sum by (job) (up)");
  EXPECT_EQ(rec["health"], "ok");
  EXPECT_FALSE(rec.contains("alerts"));
  const json& alert = g1["rules"][1];
  EXPECT_EQ(alert["type"], "alerting");
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["duration"], 0);
  EXPECT_EQ(alert["labels"]["severity"], "page");
  EXPECT_EQ(alert["annotations"]["summary"], "{{ $labels.job }} is down");
  ASSERT_EQ(alert["alerts"].size(), 1u);
  EXPECT_EQ(alert["alerts"][0]["labels"]["alertname"], "Down");
  EXPECT_EQ(alert["alerts"][0]["annotations"]["summary"], "api is down");
  EXPECT_EQ(alert["alerts"][0]["value"], "0e+00");
  EXPECT_EQ(alert["alerts"][0]["activeAt"], "1970-01-01T00:05:00Z");
  EXPECT_EQ(j["groups"][1]["rules"][0]["state"], "inactive");
  EXPECT_EQ(j["groups"][1]["rules"][0]["duration"], 300);
}

TEST_F(RulesApiTest, Filters) {
  json j = json::parse(*RulesJson(*manager_, Req({{"type", "record"}})));
  ASSERT_EQ(j["groups"].size(), 1u);
  EXPECT_EQ(j["groups"][0]["rules"].size(), 1u);
  j = json::parse(*RulesJson(*manager_, Req({{"rule_group[]", "g2"}})));
  ASSERT_EQ(j["groups"].size(), 1u);
  EXPECT_EQ(j["groups"][0]["name"], "g2");
  j = json::parse(*RulesJson(*manager_, Req({{"exclude_alerts", "true"}})));
  EXPECT_EQ(j["groups"][0]["rules"][1]["alerts"], json::array());
  absl::StatusOr<std::string> bad = RulesJson(*manager_, Req({{"type", "x"}}));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RulesApiTest, Alerts) {
  json j = json::parse(AlertsJson(*manager_));
  ASSERT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["alerts"][0]["state"], "firing");
  EXPECT_EQ(j["alerts"][0]["labels"]["job"], "api");
}

TEST(FormatTest, Rfc3339Nano) {
  EXPECT_EQ(FormatRfc3339Nano(1500), "1970-01-01T00:00:01.5Z");
  EXPECT_EQ(FormatRfc3339Nano(1700000000000), "2023-11-14T22:13:20Z");
}

}  // namespace
}  // namespace vigil::server
