// Replays the requests Grafana's Prometheus data source sends (contract §2:
// health check, buildinfo heuristics, metrics browser, template variables,
// instant and range panels as POST forms) against an in-process ApiV1 over
// MemoryStorage and the real PromQL engine, and checks shapes and values.

#include <cmath>
#include <memory>
#include <string>

#include "examples/server/api_v1.h"
#include "examples/server/engine_query.h"
#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "libpromql/engine.h"
#include "libtsdb/storage/memory_storage.h"
#include "nlohmann/json.hpp"

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
    api_ = std::make_unique<ApiV1>(std::move(deps));
    api_->Register(http_.server());
    ASSERT_GT(http_.Start(), 0);
    client_ = http_.NewClient();
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
  b = Get("/api/v1/metadata");
  EXPECT_EQ(b["data"], json::object());
  b = Get("/api/v1/rules");
  EXPECT_EQ(b["data"]["groups"], json::array());
  // The exemplar probe sends milliseconds; only success matters.
  b = Post("/api/v1/query_exemplars",
           "query=test&start=" + std::to_string(kStartSec * 1000) +
               "&end=" + std::to_string((kStartSec + 1800) * 1000));
  EXPECT_EQ(b["status"], "success");
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
