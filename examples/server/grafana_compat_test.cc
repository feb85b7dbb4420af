// Replays the requests Grafana's Prometheus data source sends (contract §2:
// health check, buildinfo heuristics, metrics browser, template variables,
// instant and range panels as POST forms) against an in-process ApiV1 over
// MemoryStorage and the real PromQL engine, and checks shapes and values.
// Metadata comes from a real libscrape Manager scraping a local /metrics
// page (into its own storage, so the query fixtures stay exact).

#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "examples/server/api_v1.h"
#include "examples/server/engine_query.h"
#include "examples/server/metadata_api.h"
#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "libpromql/engine.h"
#include "libscrape/manager.h"
#include "libscrape/scrape_config.h"
#include "libtsdb/storage/memory_storage.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace vigil::server {
namespace {

using nlohmann::json;

constexpr int64_t kStartSec = 1700000000;

class GrafanaCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = storage_.NewAppender();
    model::Labels req_api = model::Labels::FromPairs(
        {{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a:80"}});
    model::Labels req_web = model::Labels::FromPairs(
        {{"__name__", "http_requests_total"}, {"job", "web"}, {"instance", "b:80"}});
    model::Labels up_api = model::Labels::FromPairs(
        {{"__name__", "up"}, {"job", "api"}, {"instance", "a:80"}});
    // 20 minutes of 15 s scrapes: api counts 10 per scrape, web 30.
    for (int i = 0; i <= 80; ++i) {
      int64_t t = (kStartSec + 15 * i) * 1000;
      ASSERT_TRUE(app->Append(0, req_api, t, 10.0 * i).ok());
      ASSERT_TRUE(app->Append(0, req_web, t, 30.0 * i).ok());
      ASSERT_TRUE(app->Append(0, up_api, t, 1).ok());
    }
    ASSERT_TRUE(app->Commit().ok());

    engine_ = std::make_unique<promql::Engine>(promql::EngineOptions{});
    ApiV1::Deps deps;
    deps.queryable = &storage_;
    deps.query = MakeEngineQueryFunc(engine_.get(), &storage_);
    deps.parse_selector = MakeSelectorParser();
    deps.format_query = FormatPromQL;
    deps.build_info.version = "3.0.0+vigil.0.1.0";
    deps.metadata = [this](const web::Request& req) {
      return MetadataJson(*scrapes_, req);
    };
    deps.targets_metadata = [this](const web::Request& req) {
      return TargetsMetadataJson(*scrapes_, req, MakeSelectorParser());
    };
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->Register(http_.router());
    // The page the scrape manager scrapes for metadata.
    http_.router()->Get("/metrics", [](const web::Request&, web::Response* res) {
      res->SetContent(
          "# HELP http_requests_total Total HTTP requests by code.\n"
          "# TYPE http_requests_total counter\n"
          "http_requests_total{code=\"200\"} 7\n"
          "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
          "# TYPE process_resident_memory_bytes gauge\n"
          "process_resident_memory_bytes 1.5e+07\n",
          "text/plain; version=0.0.4");
    });
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();

    scrapes_ = std::make_unique<scrape::Manager>(&scraped_);
    auto sc = scrape::ParseScrapeConfig(
        YAML::Load("{job_name: grafana, scrape_interval: 1s, scrape_timeout: 1s}"),
        scrape::GlobalConfig{}, "test");
    ASSERT_TRUE(sc.ok()) << sc.status();
    ASSERT_TRUE(scrapes_->ApplyConfig({*sc}).ok());
    sd::TargetGroup g;
    g.source = "0";
    g.targets = {model::Labels::FromPairs(
        {{"__address__", "127.0.0.1:" + std::to_string(http_.port())}})};
    scrapes_->Sync({{"grafana", {g}}});
  }
  void TearDown() override {
    if (scrapes_) scrapes_->Stop();
  }

  json Get(const std::string& path, int want_code = 200) {
    httplib::Result r = client_->Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, want_code) << path << " -> " << r->body;
    return json::parse(r->body);
  }
  json Post(const std::string& path, const std::string& form, int want_code = 200) {
    httplib::Result r =
        client_->Post(path.c_str(), form, "application/x-www-form-urlencoded");
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, want_code) << path << " " << form << " -> " << r->body;
    return json::parse(r->body);
  }

  storage::MemoryStorage storage_;
  storage::MemoryStorage scraped_;
  std::unique_ptr<scrape::Manager> scrapes_;
  std::unique_ptr<promql::Engine> engine_;
  std::unique_ptr<ApiV1> api_;
  testing::HttpTestServer http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(GrafanaCompatTest, SaveAndTest) {
  json b = Post("/api/v1/query", "query=1%2B1&time=4");
  EXPECT_EQ(b, json::parse(R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})"));
  b = Get("/api/v1/status/buildinfo");
  EXPECT_EQ(b["status"], "success");
  EXPECT_FALSE(b["data"].contains("features"));
}

TEST_F(GrafanaCompatTest, MetricsBrowserAndTemplateVariables) {
  std::string range = "start=" + std::to_string(kStartSec) +
                      "&end=" + std::to_string(kStartSec + 1200);
  json b = Get("/api/v1/label/__name__/values?" + range + "&limit=40000");
  EXPECT_EQ(b["data"], json::parse(R"(["http_requests_total","up"])"));
  b = Post("/api/v1/labels", range + "&match%5B%5D=http_requests_total");
  EXPECT_EQ(b["data"], json::parse(R"(["__name__","instance","job"])"));
  b = Get("/api/v1/label/job/values?" + range +
          "&match%5B%5D=http_requests_total%7Bjob%3D~%22a.*%22%7D");
  EXPECT_EQ(b["data"], json::parse(R"(["api"])"));
  b = Post("/api/v1/series", range + "&match%5B%5D=%7B__name__%3D%22up%22%7D&limit=40000");
  EXPECT_EQ(b["data"], json::parse(R"([{"__name__":"up","instance":"a:80","job":"api"}])"));
  b = Get("/api/v1/rules");
  EXPECT_EQ(b["data"]["groups"], json::array());
  // The exemplar probe sends milliseconds; only success matters.
  b = Post("/api/v1/query_exemplars",
           "query=test&start=" + std::to_string(kStartSec * 1000) +
               "&end=" + std::to_string((kStartSec + 1800) * 1000));
  EXPECT_EQ(b["status"], "success");
}

TEST_F(GrafanaCompatTest, MetadataOfAScrapedTarget) {
  // Grafana's metrics browser asks GET /api/v1/metadata (no parameters)
  // and shows type and help per metric. Wait (bounded) for the first scrape.
  json b;
  for (int i = 0; i < 100; ++i) {
    b = Get("/api/v1/metadata");
    if (b["data"].size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(b["status"], "success");
  EXPECT_EQ(b["data"], json::parse(R"({
    "http_requests_total":[{"type":"counter","help":"Total HTTP requests by code.","unit":""}],
    "process_resident_memory_bytes":[{"type":"gauge","help":"Resident memory size in bytes.","unit":""}]})"));
  b = Get("/api/v1/metadata?metric=http_requests_total&limit_per_metric=1");
  EXPECT_EQ(b["data"].size(), 1u);
  EXPECT_EQ(b["data"]["http_requests_total"][0]["type"], "counter");
  b = Get("/api/v1/metadata?limit=1");
  EXPECT_EQ(b["data"].size(), 1u);
  b = Get("/api/v1/metadata?limit=0");
  EXPECT_EQ(b["data"], json::object());
  b = Get("/api/v1/metadata?metric=nope");
  EXPECT_EQ(b["data"], json::object());
  b = Get("/api/v1/metadata?limit=x", 400);
  EXPECT_EQ(b["error"], "limit must be a number");

  std::string instance = "127.0.0.1:" + std::to_string(http_.port());
  b = Get("/api/v1/targets/metadata?match_target=%7Bjob%3D%22grafana%22%7D"
          "&metric=process_resident_memory_bytes");
  EXPECT_EQ(b["data"], json::parse(R"([{"target":{"instance":")" + instance +
                                   R"(","job":"grafana"},"type":"gauge",)"
                                   R"("help":"Resident memory size in bytes.","unit":""}])"));
  b = Get("/api/v1/targets/metadata");
  ASSERT_EQ(b["data"].size(), 2u);
  EXPECT_EQ(b["data"][0]["metric"], "http_requests_total");
  b = Get("/api/v1/targets/metadata?match_target=%7Bjob%3D%22other%22%7D");
  EXPECT_EQ(b["data"], json::array());
  b = Get("/api/v1/targets/metadata?match_target=bad%7B", 400);
  EXPECT_EQ(b["errorType"], "bad_data");
  EXPECT_EQ(b["error"].get<std::string>().rfind("invalid parameter \"match_target\": ", 0), 0u)
      << b["error"];
}

TEST_F(GrafanaCompatTest, RangePanel) {
  // Grafana aligns start/end to the step and sends float seconds.
  int64_t start = kStartSec + 300, end = kStartSec + 1200;
  json b = Post("/api/v1/query_range",
                "query=sum+by+%28job%29+%28rate%28http_requests_total%5B1m%5D%29%29&start=" +
                    std::to_string(start) + "&end=" + std::to_string(end) + "&step=60");
  ASSERT_EQ(b["status"], "success");
  EXPECT_EQ(b["data"]["resultType"], "matrix");
  const json& result = b["data"]["result"];
  ASSERT_EQ(result.size(), 2u);
  std::map<std::string, double> want = {{"api", 10.0 / 15}, {"web", 30.0 / 15}};
  for (const json& series : result) {
    std::string job = series["metric"]["job"];
    EXPECT_EQ(series["metric"].size(), 1u);
    const json& values = series["values"];
    ASSERT_EQ(values.size(), 16u);  // (1200-300)/60 + 1 points
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(values[i][0].get<double>(), static_cast<double>(start + 60 * i));
      double v = std::stod(values[i][1].get<std::string>());
      EXPECT_NEAR(v, want[job], 1e-9) << job << " at " << i;
    }
  }
}

TEST_F(GrafanaCompatTest, InstantPanelAndErrors) {
  json b = Post("/api/v1/query", "query=up&time=" + std::to_string(kStartSec + 600));
  ASSERT_EQ(b["data"]["resultType"], "vector");
  ASSERT_EQ(b["data"]["result"].size(), 1u);
  EXPECT_EQ(b["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(b["data"]["result"][0]["value"][0].get<double>(), kStartSec + 600);

  b = Post("/api/v1/query", "query=sum%28rate%28&time=4", 400);
  EXPECT_EQ(b["errorType"], "bad_data");
  EXPECT_EQ(b["error"].get<std::string>().rfind("invalid parameter \"query\": 1:", 0), 0u)
      << b["error"];

  b = Post("/api/v1/query_range", "query=up%5B5m%5D&start=0&end=10&step=1", 400);
  EXPECT_EQ(b["errorType"], "bad_data");

  b = Get("/api/v1/format_query?query=sum+by(job)(rate(x%5B5m%5D))");
  EXPECT_EQ(b["data"], "sum by (job) (rate(x[5m]))");
}

}  // namespace
}  // namespace vigil::server
