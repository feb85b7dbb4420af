// Scrapes a real prometheus-node-exporter (Debian's package) started on a
// free 127.0.0.1 port and reads the samples back from storage.

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libscrape/scrape_loop.h"
#include "libtsdb/db.h"
#include "model/matcher.h"
#include "model/timestamp.h"

namespace vigil::scrape {
namespace {

constexpr char kBinary[] = "/usr/bin/prometheus-node-exporter";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class NodeExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kBinary, X_OK) != 0) GTEST_SKIP() << kBinary << " is absent";
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    const std::string listen = absl::StrCat("--web.listen-address=127.0.0.1:", port_);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      execl(kBinary, kBinary, listen.c_str(), "--log.level=error",
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      for (int i = 0; i < 100; ++i) {
        if (waitpid(pid_, &status, WNOHANG) == pid_) return;
        usleep(20000);
      }
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  int port_ = 0;
  pid_t pid_ = -1;
};

// The scraped samples land in a libtsdb head (WAL on disk) and read back.
TEST_F(NodeExporterTest, ScrapesIntoTsdbHead) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp",
                                       "/node_exporter_tsdb");
  auto db = tsdb::DB::Open(dir, tsdb::Options());
  ASSERT_TRUE(db.ok()) << db.status();
  storage::Queryable& storage = **db;
  const std::string instance = absl::StrCat("127.0.0.1:", port_);
  auto scraper = NewHttpTargetScraper(
      absl::StrCat("http://", instance, "/metrics"), {},
      textparse::DefaultScrapeProtocols(), true, 0);
  ASSERT_TRUE(scraper.ok());
  ScrapeLoopOptions opts;
  opts.timeout = absl::Seconds(5);
  ScrapeLoop loop(model::Labels::FromPairs({{"job", "node"}, {"instance", instance}}),
                  std::move(*scraper), db->get(), opts);
  // Wait (bounded) for the exporter to listen.
  absl::Status st;
  ScrapeStats stats;
  for (int i = 0; i < 100; ++i) {
    st = loop.ScrapeAndReport(model::NowMillis(), &stats);
    if (st.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_GT(stats.samples_scraped, 100u);
  EXPECT_EQ(stats.series_added, stats.samples_post_relabel);
  std::printf("node-exporter: %llu samples, %llu series added\n",
              static_cast<unsigned long long>(stats.samples_scraped),
              static_cast<unsigned long long>(stats.series_added));
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(loop.ScrapeAndReport(model::NowMillis(), &stats).ok());
  EXPECT_LE(stats.series_added, 10u);  // the cache serves known series

  auto q = storage.NewQuerier(0, model::kMaxTimeMs);
  ASSERT_TRUE(q.ok()) << q.status();
  auto set = (*q)->Select(true, nullptr,
                          {model::Matcher::Equal("__name__", "node_exporter_build_info")});
  ASSERT_TRUE(set->Next());
  EXPECT_EQ(set->labels().Get("job"), "node");
  EXPECT_EQ(set->labels().Get("instance"), instance);
  auto it = set->NewIterator();
  int n = 0;
  while (it->Next()) {
    EXPECT_EQ(it->value(), 1);
    ++n;
  }
  EXPECT_EQ(n, 2);
  set = (*q)->Select(true, nullptr, {model::Matcher::Equal("__name__", "up")});
  ASSERT_TRUE(set->Next());
  it = set->NewIterator();
  double last = -1;
  while (it->Next()) last = it->value();  // early tries may have failed: 0
  EXPECT_EQ(last, 1);
}

}  // namespace
}  // namespace vigil::scrape
