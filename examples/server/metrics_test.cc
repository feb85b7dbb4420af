#include "examples/server/metrics.h"

#include <limits>

#include <string>

#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"

namespace vigil::server {
namespace {

bool HasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos ||
         text.rfind(line + "\n", 0) == 0;
}

TEST(ServerMetricsTest, HandlerLabelsAreBounded) {
  EXPECT_EQ(ServerMetrics::HandlerLabel("/api/v1/query"), "/api/v1/query");
  EXPECT_EQ(ServerMetrics::HandlerLabel("/api/v1/label/job/values"),
            "/api/v1/label/:name/values");
  EXPECT_EQ(ServerMetrics::HandlerLabel("/random/path/123"), "other");
}

TEST(ServerMetricsTest, ServesOwnMetricsAndCountsRequests) {
  ServerMetrics m("0.1.0", "abc");
  double series = 42;
  m.AddCallback("prometheus_tsdb_head_series", "Total number of series in the head block.",
                "gauge", [&series] { return series; });
  m.SetReady(true);
  m.SetReloadResult(true, absl::FromUnixSeconds(1700000000));
  web::ServerOptions so;
  so.on_response = m.RequestObserver();
  testing::HttpTestServer http(so);
  m.Register(http.router(), "/metrics");
  http.router()->Get("/-/healthy", [](const web::Request&, web::Response* res) {
    res->SetContent("ok", "text/plain");
  });
  ASSERT_GT(http.Start(), 0);
  auto client = http.NewClient();
  ASSERT_TRUE(client->Get("/-/healthy"));
  ASSERT_TRUE(client->Get("/-/healthy"));
  ASSERT_TRUE(client->Get("/nope"));
  series = 43;
  // A request is observed on a handler thread as its answer is sent: poll
  // (bounded) until all three are counted.
  auto all_counted = [](const std::string& body) {
    return body.find("code=\"404\"") != std::string::npos &&
           (HasLine(body, "prometheus_http_requests_total{code=\"200\",handler=\"/-/healthy\"} 2") ||
            HasLine(body, "prometheus_http_requests_total{handler=\"/-/healthy\",code=\"200\"} 2"));
  };
  httplib::Result r = client->Get("/metrics");
  for (int i = 0; i < 100 && r && !all_counted(r->body); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = client->Get("/metrics");
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain; version=0.0.4"),
            std::string::npos);
  const std::string& body = r->body;
  EXPECT_TRUE(HasLine(body, "prometheus_tsdb_head_series 43")) << body;
  EXPECT_TRUE(HasLine(body, "prometheus_ready 1")) << body;
  EXPECT_TRUE(HasLine(body, "prometheus_config_last_reload_successful 1")) << body;
  EXPECT_TRUE(HasLine(body, "prometheus_http_requests_total{code=\"200\",handler=\"/-/healthy\"} 2") ||
              HasLine(body, "prometheus_http_requests_total{handler=\"/-/healthy\",code=\"200\"} 2"))
      << body;
  EXPECT_NE(body.find("code=\"404\""), std::string::npos) << body;
  EXPECT_NE(body.find("# TYPE prometheus_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(body.find("prometheus_build_info{"), std::string::npos);
}

}  // namespace
TEST(ServerMetricsTest, LabelledFamiliesAndHistograms) {
  ServerMetrics m("v", "r");
  m.AddFamilyCallback("prometheus_remote_storage_samples_total", "Samples sent.", "counter", [] {
    std::vector<ServerMetrics::FamilySample> out(2);
    out[0].labels = {{"remote_name", "a"}, {"url", "http://a/w"}};
    out[0].value = 12;
    out[1].labels = {{"remote_name", "b"}, {"url", "http://b/w"}};
    out[1].value = 3;
    return out;
  });
  m.AddFamilyCallback("prometheus_remote_storage_sent_batch_duration_seconds", "Durations.",
                      "histogram", [] {
                        ServerMetrics::FamilySample s;
                        s.labels = {{"remote_name", "a"}};
                        s.buckets = {{0.1, 2}, {1, 3}, {std::numeric_limits<double>::infinity(), 4}};
                        s.count = 4;
                        s.sum = 7.5;
                        return std::vector<ServerMetrics::FamilySample>{s};
                      });
  m.AddFamilyCallback("empty_family", "No samples: left out.", "gauge",
                      [] { return std::vector<ServerMetrics::FamilySample>{}; });
  std::string text = m.Render();
  EXPECT_NE(text.find("prometheus_remote_storage_samples_total{remote_name=\"a\",url=\"http://a/w\"} 12"),
            std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE prometheus_remote_storage_sent_batch_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("prometheus_remote_storage_sent_batch_duration_seconds_bucket{remote_name=\"a\",le=\"+Inf\"} 4"),
            std::string::npos) << text;
  EXPECT_NE(text.find("prometheus_remote_storage_sent_batch_duration_seconds_sum{remote_name=\"a\"} 7.5"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("empty_family"), std::string::npos);
}

}  // namespace vigil::server
