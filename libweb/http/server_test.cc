#include "libweb/http/server.h"

#include <sys/resource.h>
#include <zlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libweb/http/testing/raw_conn.h"

namespace vigil::web {
namespace {

using testing::RawConn;

// Echoes method, path and parameters; /slow sleeps first.
void Echo(const Request& req, Response* res) {
  if (req.path == "/slow") absl::SleepFor(absl::Milliseconds(300));
  std::string out = absl::StrCat(req.method, " ", req.path, "\n");
  for (const auto& [k, v] : req.params) absl::StrAppend(&out, k, "=", v, "\n");
  if (req.path == "/big") out.append(50000, 'x');
  res->SetContent(out, "text/plain");
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions o = {}) {
    server_ = std::make_unique<Server>(std::move(o), Echo);
    absl::StatusOr<int> port = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    server_->Start();
  }
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerTest, UnencodedSelectorInTheQueryStringKeepsItsValue) {
  StartServer();
  RawConn c(port_);
  ASSERT_TRUE(c.ok());
  c.Send("GET /api/v1/query?query=up{job=\"self\"}&x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.Read(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "GET /api/v1/query\nquery=up{job=\"self\"}\nx=1\n");
}

TEST_F(ServerTest, AnswersEveryPipelinedRequestInOrder) {
  StartServer();
  RawConn c(port_);
  std::string all;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&all, "GET /", (i == 2 ? "slow" : "p"), "?i=", i, " HTTP/1.1\r\nHost: a\r\n\r\n");
  }
  c.Send(all);
  auto r = c.Read(6);
  ASSERT_EQ(r.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r[i].status, 200);
    EXPECT_TRUE(absl::StrContains(r[i].body, absl::StrCat("i=", i, "\n"))) << r[i].body;
  }
}

TEST_F(ServerTest, LargeFormBodyAndLongUri) {
  StartServer();
  RawConn c(port_);
  std::string q(10000, 'a');
  std::string body = "query=" + q + "&step=15";
  c.Send(absl::StrCat("POST /api/v1/query_range?start=1 HTTP/1.1\r\nHost: a\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ",
                      body.size(), "\r\n\r\n", body));
  c.Send(absl::StrCat("GET /api/v1/query?query=", std::string(9400, 'b'),
                      " HTTP/1.1\r\nHost: a\r\nX-Big: ", std::string(20000, 'h'), "\r\n\r\n"));
  auto r = c.Read(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 200);
  // Body parameters first, then the query string's.
  EXPECT_EQ(r[0].body, absl::StrCat("POST /api/v1/query_range\nquery=", q, "\nstart=1\nstep=15\n"));
  EXPECT_EQ(r[1].status, 200);
  EXPECT_TRUE(absl::StrContains(r[1].body, std::string(9400, 'b')));
}

TEST_F(ServerTest, StrictFraming) {
  StartServer();
  struct Case {
    const char* name;
    std::string request;
    int status;
  };
  std::vector<Case> cases = {
      {"conflicting Content-Length",
       "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
      {"negative Content-Length", "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"Content-Length with chunked",
       "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\n0\r\n\r\n",
       400},
      {"garbage request line", "NOT HTTP\r\n\r\n", 400},
      {"equal repeated Content-Length",
       "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 200},
      {"bare POST without a body", "POST /a HTTP/1.1\r\nHost: a\r\n\r\n", 200},
      {"chunked body", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\nab\r\n0\r\n\r\n", 200},
  };
  for (const Case& tc : cases) {
    RawConn c(port_);
    c.Send(tc.request);
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u) << tc.name;
    EXPECT_EQ(r[0].status, tc.status) << tc.name;
    if (tc.status == 400) EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5))) << tc.name;
  }
}

TEST_F(ServerTest, LimitsAnswerWithTheirStatusAndErrorHook) {
  ServerOptions o;
  o.max_header_bytes = 64 << 10;
  o.max_body_bytes = 1000;
  o.error_response = [](int status, absl::string_view msg, absl::string_view target,
                        Response* res) {
    res->SetContent(absl::StrCat("{\"error\":\"", msg, "\",\"target\":\"", target, "\"}"),
                    "application/json");
  };
  StartServer(o);
  {
    RawConn c(port_);
    c.Send(absl::StrCat("GET /h HTTP/1.1\r\nX-A: ", std::string(70000, 'a'), "\r\n\r\n"));
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 431);
    EXPECT_TRUE(absl::StrContains(r[0].head, "application/json"));
  }
  {
    RawConn c(port_);
    c.Send(absl::StrCat("POST /api/v1/write HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",
                        std::string(2000, 'b')));
    auto r = c.Read(1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 413);
    EXPECT_TRUE(absl::StrContains(r[0].body, "\"target\":\"/api/v1/write\"")) << r[0].body;
  }
}

TEST_F(ServerTest, ExpectContinueGetsItsInterimAnswer) {
  StartServer();
  RawConn c(port_);
  c.Send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\n\r\n");
  auto r = c.Read(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 100);
  c.Send("a=1&b");
  r = c.Read(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "POST /e\na=1\nb=\n");
}

TEST_F(ServerTest, IdleConnectionsDoNotStarveNewRequests) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2600 && rl.rlim_max >= 2600) {
    rl.rlim_cur = 2600;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < 2600) GTEST_SKIP() << "needs 2600 file descriptors, limit is " << rl.rlim_cur;
  ServerOptions o;
  o.max_connections = 0;
  o.handler_threads = 4;
  StartServer(o);
  std::vector<std::unique_ptr<RawConn>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<RawConn>(port_));
    ASSERT_TRUE(idle.back()->ok());
  }
  // Half of them mid-request (a slowloris header), half silent.
  for (int i = 0; i < 500; ++i) idle[i]->Send("GET /x HTTP/1.1\r\nHost: a\r\n");
  absl::Time start = absl::Now();
  for (int i = 0; i < 20; ++i) {
    RawConn c(port_);
    c.Send("GET /p HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.Read(1, absl::Seconds(5));
    ASSERT_EQ(r.size(), 1u) << "request " << i;
    EXPECT_EQ(r[0].status, 200);
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ServerTest, AtTheConnectionLimitTheLongestIdleConnectionMakesRoom) {
  ServerOptions o;
  o.max_connections = 4;
  StartServer(o);
  std::vector<std::unique_ptr<RawConn>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawConn>(port_));
    idle.back()->Send("GET /p HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_EQ(idle.back()->Read(1).size(), 1u);
  }
  RawConn fresh(port_);
  fresh.Send("GET /p HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = fresh.Read(1, absl::Seconds(5));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_TRUE(idle[0]->ClosedWithin(absl::Seconds(5)));
  EXPECT_LE(server_->open_connections(), 5);
}

TEST_F(ServerTest, ReadTimeoutClosesIdleConnections) {
  ServerOptions o;
  o.read_timeout = absl::Milliseconds(200);
  StartServer(o);
  RawConn c(port_);
  c.Send("GET /p HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(c.Read(1).size(), 1u);
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(3)));
}

// A handler that asks for the server to stop (as /-/quit does) still gets
// its answer out.
TEST(ServerStopTest, RequestsBeingHandledAreAnsweredBeforeTheServerStops) {
  std::atomic<bool> entered{false};
  Server server(ServerOptions{}, [&](const Request&, Response* res) {
    entered.store(true);
    absl::SleepFor(absl::Milliseconds(300));
    res->SetContent("Goodbye!\n", "text/plain");
  });
  absl::StatusOr<int> port = server.Listen("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  server.Start();
  RawConn c(*port);
  c.Send("POST /-/quit HTTP/1.1\r\nHost: a\r\n\r\n");
  for (int i = 0; i < 400 && !entered.load(); ++i) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_TRUE(entered.load());
  server.Stop();
  auto r = c.Read(1, absl::Seconds(5));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "Goodbye!\n");
  EXPECT_TRUE(absl::StrContains(r[0].head, "Connection: close")) << r[0].head;
}

TEST_F(ServerTest, SecondServerOnTheSamePortFails) {
  StartServer();
  Server other(ServerOptions{}, Echo);
  absl::StatusOr<int> port = other.Listen("127.0.0.1", port_);
  ASSERT_FALSE(port.ok());
  EXPECT_TRUE(absl::StrContains(port.status().message(), "address already in use"))
      << port.status();
}

TEST_F(ServerTest, GzipWhenTheClientAcceptsIt) {
  StartServer();
  RawConn c(port_);
  c.Send("GET /big HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip, deflate\r\n\r\n"
         "GET /small HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n");
  auto r = c.Read(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(absl::StrContains(r[1].head, "Content-Encoding")) << "small bodies go as they are";
  EXPECT_TRUE(absl::StrContains(r[0].head, "Content-Encoding: gzip"));
  std::string plain(60000, '\0');
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  zs.next_in = reinterpret_cast<Bytef*>(r[0].body.data());
  zs.avail_in = static_cast<uInt>(r[0].body.size());
  zs.next_out = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_out = static_cast<uInt>(plain.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  plain.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(plain, "GET /big\n" + std::string(50000, 'x'));
}

TEST_F(ServerTest, HeadAnswersWithTheLengthButNoBody) {
  StartServer();
  RawConn c(port_);
  c.Send("HEAD /big HTTP/1.1\r\nHost: a\r\n\r\nGET /small HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.Read(1, absl::Seconds(10), /*head_only=*/true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(absl::StrContains(r[0].head, "Content-Length: 50010")) << r[0].head;
  // Had a body been sent, it would be read here instead of the next answer.
  r = c.Read(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "GET /small\n");
}

}  // namespace
}  // namespace vigil::web
