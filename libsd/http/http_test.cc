#include "libsd/http/http.h"

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libsd/testing/collector.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using testing::Collector;

// A local HTTP SD endpoint whose answer the test sets.
class FakeSD {
 public:
  FakeSD() {
    server_.Get("/sd", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock l(&mu_);
      ++hits_;
      last_refresh_header_ = req.get_header_value("X-Prometheus-Refresh-Interval-Seconds");
      last_accept_ = req.get_header_value("Accept");
      last_auth_ = req.get_header_value("Authorization");
      res.status = status_;
      res.set_content(body_, content_type_.c_str());
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~FakeSD() {
    server_.stop();
    thread_.join();
  }
  void Set(int status, std::string body,
           std::string ct = "application/json") {
    absl::MutexLock l(&mu_);
    status_ = status;
    body_ = std::move(body);
    content_type_ = std::move(ct);
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/sd"); }
  int hits() {
    absl::MutexLock l(&mu_);
    return hits_;
  }
  std::string refresh_header() {
    absl::MutexLock l(&mu_);
    return last_refresh_header_;
  }
  std::string accept() {
    absl::MutexLock l(&mu_);
    return last_accept_;
  }
  std::string auth() {
    absl::MutexLock l(&mu_);
    return last_auth_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  int status_ = 200;
  std::string body_ = "[]";
  std::string content_type_ = "application/json";
  int hits_ = 0;
  std::string last_refresh_header_, last_accept_, last_auth_;
};

std::shared_ptr<HttpSDConfig> Config(const std::string& url,
                                     const std::string& extra = "") {
  auto cfg = ParseHttpSDConfig(
      YAML::Load(absl::StrCat("url: ", url, "\nrefresh_interval: 1s\n", extra)));
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  // Refresh faster than the YAML allows for the test.
  (*cfg)->refresh_interval = absl::Milliseconds(50);
  return *cfg;
}

size_t CountTargets(const Collector::State& s) {
  size_t n = 0;
  for (const auto& [src, g] : s) n += g.targets.size();
  return n;
}

class HttpSDTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetDiscoveryErrorLogger([this](absl::string_view, absl::string_view m) {
      absl::MutexLock l(&mu_);
      errors_.emplace_back(m);
    });
  }
  void TearDown() override { SetDiscoveryErrorLogger(nullptr); }
  bool WaitError(absl::string_view needle) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock l(&mu_);
        for (const auto& e : errors_) {
          if (e.find(std::string(needle)) != std::string::npos) return true;
        }
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }
  absl::Mutex mu_;
  std::vector<std::string> errors_;
};

TEST_F(HttpSDTest, DiscoversAndUpdates) {
  FakeSD sd;
  sd.Set(200, R"([{"targets": ["a:1", "a:2"], "labels": {"dc": "x"}},
                  {"targets": ["b:1"]}])");
  auto cfg = Config(sd.url(), "authorization: {credentials: s3cret}");
  Collector c(*cfg->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return CountTargets(s) == 3; }));
  auto st = c.state();
  std::string src0 = sd.url() + ":0";
  ASSERT_EQ(st.count(src0), 1u);
  EXPECT_EQ(st[src0].labels.Get("__meta_url"), sd.url());
  EXPECT_EQ(st[src0].labels.Get("dc"), "x");
  EXPECT_EQ(sd.accept(), "application/json");
  EXPECT_EQ(sd.refresh_header(), "0.05");
  EXPECT_EQ(sd.auth(), "Bearer s3cret");
  // Shrinks to one group: the second source is removed.
  sd.Set(200, R"([{"targets": ["c:1"]}])");
  ASSERT_TRUE(c.WaitFor([&](const auto& s) {
    return s.size() == 1 && CountTargets(s) == 1 &&
           s.begin()->second.targets[0].Get("__address__") == "c:1";
  }));
  // An empty list is allowed and removes everything.
  sd.Set(200, "[]");
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.empty(); }));
}

TEST_F(HttpSDTest, FailuresKeepLastTargets) {
  FakeSD sd;
  sd.Set(200, R"([{"targets": ["a:1"]}])");
  Collector c(*Config(sd.url())->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return CountTargets(s) == 1; }));
  sd.Set(500, "oops", "text/plain");
  ASSERT_TRUE(WaitError("server returned HTTP status 500 Internal Server Error"));
  sd.Set(200, "[]", "text/plain");
  ASSERT_TRUE(WaitError("unsupported content type \"text/plain\""));
  sd.Set(200, "[{", "application/json; charset=utf-8");
  ASSERT_TRUE(WaitError("invalid JSON"));
  EXPECT_EQ(CountTargets(c.state()), 1u);
  EXPECT_GE(c.discoverer().metrics()->failures.load(), 3u);
}

TEST_F(HttpSDTest, ServerDownIsLoggedNotFatal) {
  std::string url;
  {
    FakeSD sd;
    url = sd.url();
  }
  Collector c(*Config(url)->NewDiscoverer());
  ASSERT_TRUE(WaitError("Unable to refresh target groups: Get \"" + url));
  EXPECT_EQ(c.sends(), 0);
  c.Stop();
}

TEST(HttpSDConfigTest, Validation) {
  auto err = [](const char* yaml) {
    return std::string(ParseHttpSDConfig(YAML::Load(yaml), "p.yml").status().message());
  };
  EXPECT_EQ(err("refresh_interval: 1m"), "p.yml:1:1: URL is missing");
  EXPECT_EQ(err("url: ftp://x/sd"),
            "p.yml:1:6: URL scheme must be 'http' or 'https'");
  EXPECT_EQ(err("url: http:///sd"), "p.yml:1:6: host is missing in URL");
  EXPECT_EQ(err("url: http://x/sd\nbogus: 1"),
            "p.yml:2:1: field bogus not found in type http.SDConfig");
  EXPECT_EQ(err("url: http://x/sd\nbearer_token: a\nbearer_token_file: b"),
            "p.yml:1:1: at most one of bearer_token & bearer_token_file must "
            "be configured");
  EXPECT_EQ(err("url: http://x/sd\nbasic_auth: {username: u}\nbearer_token: a"),
            "p.yml:1:1: at most one of basic_auth, oauth2, bearer_token & "
            "bearer_token_file must be configured");
  EXPECT_EQ(err("url: http://x/sd\nauthorization: {type: Basic}"),
            "p.yml:2:16: authorization type cannot be set to \"basic\", use "
            "\"basic_auth\" instead");
  auto ok = ParseHttpSDConfig(YAML::Load(
      "url: https://sd.example/targets\nbearer_token_file: /t\n"
      "tls_config: {insecure_skip_verify: true}"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->refresh_interval, absl::Seconds(60));
  EXPECT_EQ((*ok)->http.auth_type, "Bearer");
  EXPECT_EQ((*ok)->http.credentials_file, "/t");
  EXPECT_TRUE((*ok)->http.tls.insecure_skip_verify);
}

}  // namespace
}  // namespace vigil::sd
