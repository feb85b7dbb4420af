// Vigil's remote-write sender and remote-read client against a real
// Prometheus 2.42 (`/usr/bin/prometheus --web.enable-remote-write-receiver`)
// on a free 127.0.0.1 port. Skips when the binary is absent.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libremote/queue_manager.h"
#include "libremote/remote_queryable.h"
#include "nlohmann/json.hpp"

namespace vigil::remote {
namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

class PrometheusE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kPrometheus, X_OK) != 0) {
      GTEST_SKIP() << kPrometheus << " not installed (Debian package prometheus)";
    }
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/prom-e2e-", getpid());
    ASSERT_EQ(system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str()), 0);
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 1h\n";
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    std::string cfg = absl::StrCat("--config.file=", dir_, "/prometheus.yml");
    std::string data = absl::StrCat("--storage.tsdb.path=", dir_, "/data");
    std::string listen = absl::StrCat("--web.listen-address=127.0.0.1:", port_);
    std::string log = dir_ + "/prometheus.log";
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      FILE* f = freopen(log.c_str(), "w", stderr);
      (void)f;
      execl(kPrometheus, kPrometheus, cfg.c_str(), data.c_str(), listen.c_str(),
            "--web.enable-remote-write-receiver", "--log.level=warn",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(2, 0);
    client_->set_read_timeout(10, 0);
    absl::Time deadline = absl::Now() + absl::Seconds(60);
    bool ready = false;
    while (absl::Now() < deadline) {
      auto r = client_->Get("/-/ready");
      if (r && r->status == 200) {
        ready = true;
        break;
      }
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    ASSERT_TRUE(ready) << "prometheus did not become ready; see " << log;
  }

  void TearDown() override {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    int st;
    while (waitpid(pid_, &st, WNOHANG) == 0) {
      if (absl::Now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

  std::string dir_;
  int port_ = -1;
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PrometheusE2ETest, WriteThenQueryThenRemoteReadBack) {
  // Samples over the last two minutes, 15 s apart, three series.
  const int64_t now = absl::ToUnixMillis(absl::Now());
  const int64_t t0 = now - 120000;
  RemoteWriteConfig wc;
  wc.url = Url("/api/v1/write");
  wc.name = "prom";
  wc.queue_config.batch_send_deadline = absl::Milliseconds(100);
  wc.queue_config.max_samples_per_send = 7;  // several requests
  QueueManagerOptions qo;
  qo.external_labels = model::Labels::FromPairs({{"origin", "vigil"}});
  qo.reshard_interval = absl::ZeroDuration();
  auto qm = QueueManager::Create(wc, qo);
  ASSERT_TRUE(qm.ok()) << qm.status();
  (*qm)->Start();
  std::map<std::string, std::vector<std::pair<int64_t, double>>> sent;
  for (int step = 0; step <= 8; ++step) {
    for (int i = 0; i < 3; ++i) {
      model::Labels l = model::Labels::FromPairs(
          {{"__name__", "vigil_e2e_metric"}, {"job", "e2e"}, {"i", absl::StrCat(i)}});
      double v = step * 10 + i + 0.5;
      (*qm)->Append(l, t0 + step * 15000, v);
      sent[absl::StrCat(i)].push_back({t0 + step * 15000, v});
    }
  }
  (*qm)->Stop(absl::Seconds(20));
  QueueMetrics m = (*qm)->Metrics();
  EXPECT_EQ(m.samples_total, 27u) << m.last_error;
  EXPECT_EQ(m.samples_failed_total, 0u) << m.last_error;
  EXPECT_GE(m.requests_total, 4u);
  EXPECT_EQ(m.highest_sent_timestamp_ms, t0 + 8 * 15000);

  // Prometheus answers PromQL over what Vigil sent.
  std::string q = absl::StrCat("/api/v1/query?query=vigil_e2e_metric&time=",
                               std::to_string((t0 + 8 * 15000) / 1000.0));
  auto r = client_->Get(q.c_str());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  nlohmann::json j = nlohmann::json::parse(r->body);
  ASSERT_EQ(j["data"]["result"].size(), 3u) << r->body;
  for (const auto& s : j["data"]["result"]) {
    EXPECT_EQ(s["metric"]["origin"], "vigil");
    EXPECT_EQ(s["metric"]["job"], "e2e");
    std::string i = s["metric"]["i"];
    EXPECT_EQ(std::stod(s["value"][1].get<std::string>()), sent[i].back().second);
  }
  auto cnt = client_->Get(absl::StrCat("/api/v1/query?query=count_over_time(vigil_e2e_metric[5m])&time=",
                                       std::to_string((t0 + 8 * 15000) / 1000.0)).c_str());
  ASSERT_TRUE(cnt);
  nlohmann::json jc = nlohmann::json::parse(cnt->body);
  ASSERT_EQ(jc["data"]["result"].size(), 3u);
  EXPECT_EQ(jc["data"]["result"][0]["value"][1], "9");

  // A sample older than what Prometheus holds for the series: 400, dropped.
  auto qm2 = QueueManager::Create(wc, qo);
  ASSERT_TRUE(qm2.ok());
  (*qm2)->Start();
  (*qm2)->Append(model::Labels::FromPairs(
                     {{"__name__", "vigil_e2e_metric"}, {"job", "e2e"}, {"i", "0"}}),
                 t0 + 1000, 1);
  (*qm2)->Stop(absl::Seconds(20));
  EXPECT_EQ((*qm2)->Metrics().samples_failed_total, 1u);
  EXPECT_EQ((*qm2)->Metrics().samples_retried_total, 0u);
  EXPECT_NE((*qm2)->Metrics().last_error.find("400"), std::string::npos)
      << (*qm2)->Metrics().last_error;

  // Vigil's remote read client reads the samples back from /api/v1/read.
  RemoteReadConfig rc;
  rc.url = Url("/api/v1/read");
  rc.read_recent = true;
  RemoteQueryableOptions ro;
  ro.external_labels = model::Labels::FromPairs({{"origin", "vigil"}});
  // Both response types: Prometheus picks STREAMED_XOR_CHUNKS when
  // offered, SAMPLES otherwise.
  for (bool streamed : {true, false}) {
    SCOPED_TRACE(streamed ? "streamed" : "samples");
    ReadClient::Options co;
    co.accept_streamed = streamed;
    auto rq = NewRemoteQueryable(std::make_shared<ReadClient>(rc, co), ro);
    auto querier = rq->NewQuerier(t0 - 1000, now + 1000);
    ASSERT_TRUE(querier.ok());
    auto set = (*querier)->Select(true, nullptr,
                                  {model::Matcher::Equal("__name__", "vigil_e2e_metric")});
    int series = 0;
    while (set->Next()) {
      ++series;
      // `origin` was matched as an external label and stripped again.
      EXPECT_FALSE(set->labels().Has("origin")) << set->labels().ToString();
      std::string i(set->labels().Get("i"));
      std::vector<std::pair<int64_t, double>> got;
      auto it = set->NewIterator();
      while (it->Next()) got.push_back({it->timestamp(), it->value()});
      EXPECT_EQ(got, sent[i]) << i;
    }
    ASSERT_TRUE(set->status().ok()) << set->status();
    EXPECT_EQ(series, 3);
  }
}

}  // namespace
}  // namespace vigil::remote
