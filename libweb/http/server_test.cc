#include "libweb/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace vigil::web {
namespace {

// A raw client socket: what a test sends is exactly what goes on the wire.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }

  void Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  struct Reply {
    int status = 0;
    std::string head;
    std::string body;
  };

  // Reads `n` whole responses (Content-Length framed), or fewer when the
  // connection closes or `timeout` passes.
  // With `head_only`, each response is taken without a body (answers to
  // HEAD).
  std::vector<Reply> Read(size_t n, absl::Duration timeout = absl::Seconds(10),
                          bool head_only = false) {
    std::vector<Reply> out;
    absl::Time deadline = absl::Now() + timeout;
    while (out.size() < n) {
      Reply r;
      if (!TakeOne(&r, head_only)) {
        int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
        if (ms <= 0 || !Fill(ms)) break;
        continue;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  // True when the server closed the connection within `timeout`.
  bool ClosedWithin(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (::poll(&p, 1, std::max(ms, 1)) <= 0) continue;
      char b[4096];
      ssize_t got = ::recv(fd_, b, sizeof(b), 0);
      if (got <= 0) return true;
    }
    return false;
  }

 private:
  bool Fill(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char b[65536];
    ssize_t got = ::recv(fd_, b, sizeof(b), 0);
    if (got <= 0) return false;
    buf_.append(b, static_cast<size_t>(got));
    return true;
  }

  bool TakeOne(Reply* r, bool head_only) {
    size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string head = buf_.substr(0, end);
    size_t len = 0;
    for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &len)) return false;
      }
    }
    if (head_only) len = 0;
    if (buf_.size() < end + 4 + len) return false;
    r->head = head;
    r->body = buf_.substr(end + 4, len);
    buf_.erase(0, end + 4 + len);
    if (!absl::SimpleAtoi(head.substr(9, 3), &r->status)) r->status = -1;
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

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
