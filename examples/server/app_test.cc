// End-to-end test of the composed server in-process: an App on a free
// 127.0.0.1 port scrapes a fixture target through libsd -> libscrape into
// libtsdb, evaluates a recording and an alerting rule, and answers the API,
// /federate and /metrics; reload keeps the old config on a bad file and
// picks up a good one; /-/quit ends Wait(); data survives a restart (WAL).

#include "examples/server/app.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "examples/server/testing/http_test_server.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "model/proto/api.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", ::testing::UnitTest::GetInstance()
                                                             ->current_test_info()
                                                             ->name());
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    target_.router()->Get("/metrics", [this](const web::Request&, web::Response* res) {
      ++scrapes_;
      res->SetContent(absl::StrCat("# TYPE fixture_requests_total counter\n"
                                   "fixture_requests_total{code=\"200\"} ",
                                   scrapes_.load() * 10,
                                   "\n# TYPE fixture_temperature gauge\n"
                                   "fixture_temperature 21.5\n"),
                      "text/plain; version=0.0.4");
    });
    ASSERT_GT(target_.Start(), 0);
    std::ofstream(dir_ + "/rules.yml") << R"(groups:
- name: fixture
  interval: 1s
  rules:
  - record: fixture:requests:sum
    expr: sum(fixture_requests_total)
  - alert: Hot
    expr: fixture_temperature > 20
    labels: {severity: page}
)";
    WriteConfig("fixture");
  }

  void WriteConfig(const std::string& job) {
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "  external_labels: {replica: a}\n"
        << "rule_files: [rules.yml]\n"
        << "scrape_configs:\n  - job_name: " << job << "\n"
        << "    static_configs: [{targets: ['127.0.0.1:" << target_.port() << "']}]\n";
  }

  Flags MakeFlags() {
    Flags f;
    f.config_file = dir_ + "/prometheus.yml";
    f.storage_path = dir_ + "/data";
    f.listen_address = "127.0.0.1:0";
    f.enable_lifecycle = true;
    f.enable_remote_write_receiver = true;
    return f;
  }

  json GetJson(httplib::Client* c, const std::string& path) {
    httplib::Result r = c->Get(path.c_str());
    if (!r) return json();
    json j = json::parse(r->body, nullptr, false);
    return j;
  }

  // Polls `pred` on the JSON of `path` for up to 20 s.
  template <typename Pred>
  json WaitFor(httplib::Client* c, const std::string& path, Pred pred) {
    json j;
    for (int i = 0; i < 200; ++i) {
      j = GetJson(c, path);
      if (!j.is_discarded() && !j.is_null() && pred(j)) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "timed out waiting on " << path << ": " << j.dump();
    return j;
  }

  std::string dir_;
  std::atomic<int> scrapes_{0};
  testing::HttpTestServer target_;
};

TEST_F(AppTest, ScrapesEvaluatesServesReloadsAndQuits) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(MakeFlags());
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  c.set_read_timeout(10, 0);
  c.set_url_encode(false);

  ASSERT_EQ(c.Get("/-/ready")->status, 200);
  json up = WaitFor(&c, "/api/v1/query?query=up", [](const json& j) {
    return j["status"] == "success" && j["data"]["result"].size() == 1 &&
           j["data"]["result"][0]["value"][1] == "1";
  });
  EXPECT_EQ(up["data"]["result"][0]["metric"]["job"], "fixture");

  json targets = WaitFor(&c, "/api/v1/targets", [](const json& j) {
    return j["data"]["activeTargets"].size() == 1 &&
           j["data"]["activeTargets"][0]["health"] == "up";
  });
  EXPECT_EQ(targets["data"]["activeTargets"][0]["scrapePool"], "fixture");
  EXPECT_EQ(targets["data"]["activeTargets"][0]["scrapeInterval"], "1s");

  WaitFor(&c, "/api/v1/query?query=fixture:requests:sum", [](const json& j) {
    return j["data"]["result"].size() == 1;
  });
  json alerts = WaitFor(&c, "/api/v1/alerts", [](const json& j) {
    return j["data"]["alerts"].size() == 1 && j["data"]["alerts"][0]["state"] == "firing";
  });
  EXPECT_EQ(alerts["data"]["alerts"][0]["labels"]["alertname"], "Hot");
  json rules = GetJson(&c, "/api/v1/rules");
  ASSERT_EQ(rules["data"]["groups"].size(), 1u);
  EXPECT_EQ(rules["data"]["groups"][0]["rules"].size(), 2u);

  httplib::Result fed = c.Get("/federate?match[]=fixture_temperature");
  ASSERT_TRUE(fed);
  EXPECT_NE(fed->body.find("fixture_temperature{instance=\"127.0.0.1:"), std::string::npos)
      << fed->body;
  EXPECT_NE(fed->body.find("replica=\"a\"} 21.5 "), std::string::npos) << fed->body;

  httplib::Result metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("prometheus_tsdb_head_series "), std::string::npos);
  EXPECT_NE(metrics->body.find("\nprometheus_tsdb_out_of_order_samples_total 0\n"),
            std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\nprometheus_tsdb_wal_corruptions_total 0\n"),
            std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("handler=\"/api/v1/query\""), std::string::npos);

  json flags = GetJson(&c, "/api/v1/status/flags");
  EXPECT_EQ(flags["data"]["web.enable-lifecycle"], "true");
  json cfg = GetJson(&c, "/api/v1/status/config");
  EXPECT_NE(cfg["data"]["yaml"].get<std::string>().find("job_name: fixture"), std::string::npos);

  // A broken config is refused; the old one keeps running.
  std::ofstream(dir_ + "/prometheus.yml") << "scrape_configs:\n  - job_name: x\n    bogus: 1\n";
  httplib::Result bad = c.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  EXPECT_NE(bad->body.find("field bogus not found"), std::string::npos) << bad->body;
  EXPECT_EQ(GetJson(&c, "/api/v1/status/runtimeinfo")["data"]["reloadConfigSuccess"], false);
  EXPECT_EQ(GetJson(&c, "/api/v1/targets")["data"]["activeTargets"][0]["scrapePool"], "fixture");

  // A good one renames the job.
  WriteConfig("renamed");
  httplib::Result good = c.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  WaitFor(&c, "/api/v1/query?query=up%7Bjob%3D%22renamed%22%7D", [](const json& j) {
    return j["data"]["result"].size() == 1;
  });
  EXPECT_EQ(GetJson(&c, "/api/v1/status/runtimeinfo")["data"]["reloadConfigSuccess"], true);

  // GET on lifecycle endpoints is refused.
  EXPECT_EQ(c.Get("/-/quit")->status, 405);
  std::thread waiter([&] { (*app)->Wait(); });
  httplib::Result quit = c.Post("/-/quit", "", "text/plain");
  ASSERT_TRUE(quit);
  EXPECT_EQ(quit->status, 200);
  waiter.join();  // Wait() returned: shut down
  app->reset();

  // Restart on the same directory: the WAL brings the samples back.
  absl::StatusOr<std::unique_ptr<App>> again = App::Create(MakeFlags());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Start().ok());
  httplib::Client c2("127.0.0.1", (*again)->port());
  c2.set_url_encode(false);
  json old = GetJson(&c2, "/api/v1/query?query=count_over_time(up%7Bjob%3D%22fixture%22%7D%5B1h%5D)");
  ASSERT_EQ(old["data"]["result"].size(), 1u) << old.dump();
  EXPECT_GE(std::stoi(old["data"]["result"][0]["value"][1].get<std::string>()), 1);
  (*again)->RequestQuit();
  (*again)->Wait();
}

TEST_F(AppTest, LifecycleDisabledAndRemoteWrite) {
  Flags f = MakeFlags();
  f.enable_lifecycle = false;
  f.grpc_listen_address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  EXPECT_EQ(c.Post("/-/reload", "", "text/plain")->status, 403);
  EXPECT_EQ(c.Post("/-/quit", "", "text/plain")->status, 403);
  // Remote write reaches the TSDB: an empty-but-valid request is 204.
  httplib::Result rw = c.Post("/api/v1/write", std::string("\x00", 1), "application/x-protobuf");
  ASSERT_TRUE(rw);
  EXPECT_EQ(rw->status, 204) << rw->body;

  // The gRPC API writes into the same TSDB the HTTP API reads.
  ASSERT_GT((*app)->grpc_port(), 0);
  auto stub = vigil::api::Vigil::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*app)->grpc_port()), grpc::InsecureChannelCredentials()));
  vigil::api::WriteRequest w;
  prometheus::TimeSeries* ts = w.add_timeseries();
  ts->add_labels()->set_name("__name__");
  ts->mutable_labels(0)->set_value("grpc_written");
  prometheus::Sample* s = ts->add_samples();
  int64_t now_ms = absl::ToUnixMillis(absl::Now());
  s->set_timestamp(now_ms);
  s->set_value(42);
  vigil::api::WriteResponse wr;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->Write(&ctx, w, &wr).ok());
  c.set_url_encode(false);
  json q = GetJson(&c, "/api/v1/query?query=grpc_written");
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "42");
  (*app)->RequestQuit();
  (*app)->Wait();
}

TEST_F(AppTest, BadConfigFailsCreate) {
  std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: nope\n";
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(MakeFlags());
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("prometheus.yml:2:"), absl::string_view::npos)
      << app.status();
}

// A rule file whose expression does not parse fails the reload, as in
// Prometheus: the old rules keep running and the reload metric says 0.
TEST_F(AppTest, ReloadWithInvalidRuleExpressionKeepsOldRules) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(MakeFlags());
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  c.set_read_timeout(10, 0);
  WaitFor(&c, "/api/v1/rules", [](const json& j) {
    return j["data"]["groups"].size() == 1 && j["data"]["groups"][0]["rules"].size() == 2;
  });

  std::ofstream(dir_ + "/rules.yml") << R"(groups:
- name: fixture
  interval: 1s
  rules:
  - record: fixture:requests:sum
    expr: sum(
)";
  absl::Status st = (*app)->Reload();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_NE(st.message().find("could not parse expression"), absl::string_view::npos) << st;

  json rules = GetJson(&c, "/api/v1/rules");
  ASSERT_EQ(rules["data"]["groups"].size(), 1u) << rules.dump();
  ASSERT_EQ(rules["data"]["groups"][0]["rules"].size(), 2u) << rules.dump();
  EXPECT_EQ(rules["data"]["groups"][0]["rules"][0]["query"], "sum(fixture_requests_total)");
  EXPECT_EQ(rules["data"]["groups"][0]["rules"][1]["name"], "Hot");
  httplib::Result metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nprometheus_config_last_reload_successful 0\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(GetJson(&c, "/api/v1/status/runtimeinfo")["data"]["reloadConfigSuccess"], false);
  (*app)->RequestQuit();
  (*app)->Wait();
}

}  // namespace
}  // namespace vigil::server
