// The composed server acting on remote_write / remote_read: an App scrapes
// a fixture target and evaluates a recording rule; both reach an
// in-process remote-write receiver (with external labels); a remote-read
// endpoint's older data answers PromQL through the HTTP API; a reload that
// points remote_write elsewhere moves the samples there; the server's
// /metrics carries prometheus_remote_storage_*.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/server/app.h"
#include "examples/server/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "libremote/internal/test_receiver.h"
#include "nlohmann/json.hpp"

namespace vigil::server {
namespace {

using nlohmann::json;

bool HasSeries(const remote::testing::TestReceiver& rx, const std::string& needle) {
  for (const auto& s : rx.accepted()) {
    if (s.labels.find(needle) != std::string::npos) return true;
  }
  return false;
}

bool WaitForSeries(const remote::testing::TestReceiver& rx, const std::string& needle) {
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (HasSeries(rx, needle)) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

class AppRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/app_remote");
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    target_.router()->Get("/metrics", [](const web::Request&, web::Response* res) {
      res->SetContent("# TYPE fixture_temperature gauge\nfixture_temperature 21.5\n",
                      "text/plain; version=0.0.4");
    });
    ASSERT_GT(target_.Start(), 0);
    ASSERT_GT(rx_a_.Start(), 0);
    ASSERT_GT(rx_b_.Start(), 0);
    // The remote-read endpoint holds a series from long ago.
    rx_a_.SetReadHandler([](const prometheus::ReadRequest& req, prometheus::ReadResponse* resp) {
      prometheus::QueryResult* r = resp->add_results();
      prometheus::TimeSeries* ts = r->add_timeseries();
      for (auto [n, v] : {std::pair<const char*, const char*>{"__name__", "archived_metric"},
                          {"replica", "a"}}) {
        prometheus::Label* l = ts->add_labels();
        l->set_name(n);
        l->set_value(v);
      }
      prometheus::Sample* s = ts->add_samples();
      s->set_timestamp(1000000);  // 1970-01-01T00:16:40Z
      s->set_value(7);
      (void)req;
      return 200;
    });
    std::ofstream(dir_ + "/rules.yml") << R"(groups:
- name: fixture
  interval: 1s
  rules:
  - record: fixture:temperature:max
    expr: max(fixture_temperature)
)";
    WriteConfig(rx_a_.Url("/write"));
  }

  void WriteConfig(const std::string& write_url) {
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "  external_labels: {replica: a}\n"
        << "rule_files: [rules.yml]\n"
        << "scrape_configs:\n  - job_name: fixture\n"
        << "    static_configs: [{targets: ['127.0.0.1:" << target_.port() << "']}]\n"
        << "remote_write:\n  - url: " << write_url << "\n    name: rw\n"
        << "    queue_config: {batch_send_deadline: 100ms}\n"
        << "remote_read:\n  - url: " << rx_a_.Url("/read") << "\n"
        // Nothing listens on port 1: its failure is a warning.
        << "  - url: http://127.0.0.1:1/api/v1/read\n    name: dead\n";
  }

  std::string dir_;
  testing::HttpTestServer target_;
  remote::testing::TestReceiver rx_a_, rx_b_;
};

TEST_F(AppRemoteTest, ScrapesAndRulesAreWrittenRemoteReadAnswersQueriesReloadMoves) {
  Flags f;
  f.config_file = dir_ + "/prometheus.yml";
  f.storage_path = dir_ + "/data";
  f.listen_address = "127.0.0.1:0";
  f.remote_flush_deadline = "5s";
  absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  httplib::Client c("127.0.0.1", (*app)->port());
  c.set_read_timeout(10, 0);

  // Scrapes (the target's series and `up`) and rule results reach the
  // receiver, with the external labels attached.
  EXPECT_TRUE(WaitForSeries(rx_a_, R"({__name__="fixture_temperature", instance=)"));
  EXPECT_TRUE(WaitForSeries(rx_a_, R"({__name__="up", instance=)"));
  EXPECT_TRUE(WaitForSeries(rx_a_, R"({__name__="fixture:temperature:max", replica="a"})"));
  for (const auto& s : rx_a_.accepted()) {
    EXPECT_NE(s.labels.find(R"(replica="a")"), std::string::npos) << s.labels;
  }

  // The remote-read endpoint answers for a time before local data exists;
  // the external label was matched and stripped again.
  httplib::Result r = c.Get("/api/v1/query?query=archived_metric&time=1000");
  ASSERT_TRUE(r);
  json j = json::parse(r->body);
  ASSERT_EQ(j["status"], "success") << r->body;
  ASSERT_EQ(j["data"]["result"].size(), 1u) << r->body;
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "7");
  EXPECT_FALSE(j["data"]["result"][0]["metric"].contains("replica"));
  ASSERT_TRUE(j.contains("warnings")) << r->body;
  EXPECT_NE(j["warnings"][0].get<std::string>().find("127.0.0.1:1"), std::string::npos)
      << r->body;
  ASSERT_FALSE(rx_a_.reads().empty());
  bool external_matcher = false;
  const prometheus::ReadRequest last_read = rx_a_.reads().back();
  for (const auto& m : last_read.queries(0).matchers()) {
    external_matcher |= m.name() == "replica" && m.value() == "a";
  }
  EXPECT_TRUE(external_matcher);

  // /metrics exports the queue's counters.
  httplib::Result metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("prometheus_remote_storage_samples_total{remote_name=\"rw\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("prometheus_remote_storage_highest_timestamp_in_seconds"),
            std::string::npos);

  // Reload with remote_write pointing at another receiver.
  WriteConfig(rx_b_.Url("/write"));
  ASSERT_TRUE((*app)->Reload().ok());
  size_t a_after_reload = rx_a_.accepted_samples();
  EXPECT_TRUE(WaitForSeries(rx_b_, R"({__name__="up", instance=)"));
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(rx_a_.accepted_samples(), a_after_reload);

  // A bad remote section is rejected and the running config stays.
  std::ofstream(dir_ + "/prometheus.yml") << "remote_write:\n  - url: ftp://x\n";
  EXPECT_FALSE((*app)->Reload().ok());
  (*app)->RequestQuit();
  (*app)->Wait();
}

}  // namespace
}  // namespace vigil::server
