#include "libscrape/http_client.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libscrape/internal/test_server.h"
#include "libscrape/textparse/content_type.h"
#include "libsd/oauth2.h"
#include "libsd/testing/fake_token_server.h"

namespace vigil::scrape {
namespace {

using ::testing::HasSubstr;
using testing::Reply;
using testing::TestServer;

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

ScrapeRequest Req(const TestServer& s, const std::string& path,
                  absl::Duration timeout = absl::Milliseconds(2500)) {
  ScrapeRequest r;
  r.url = s.Url(path);
  r.timeout = timeout;
  r.accept = textparse::AcceptHeader(textparse::DefaultScrapeProtocols());
  return r;
}

TEST(HttpScraperTest, SendsPrometheusHeadersAndReturnsBody) {
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  srv->Set("/metrics", Reply{200, "text/plain; version=0.0.4", "up 1\n"});
  auto h = HttpScraper::Create({});
  ASSERT_TRUE(h.ok()) << h.status();
  ScrapeResponse resp;
  ScrapeRequest req = Req(*srv, "/metrics");
  ASSERT_TRUE((*h)->Scrape(req, &resp).ok());
  EXPECT_EQ(resp.body, "up 1\n");
  EXPECT_EQ(resp.http_status, 200);
  EXPECT_EQ(resp.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(srv->LastHeader("Accept"), req.accept);
  EXPECT_THAT(srv->LastHeader("Accept-Encoding"), HasSubstr("gzip"));
  EXPECT_EQ(srv->LastHeader("X-Prometheus-Scrape-Timeout-Seconds"), "2.5");
  EXPECT_EQ(srv->LastHeader("User-Agent"), kUserAgent);
  // The connection is reused and the buffer refilled.
  ASSERT_TRUE((*h)->Scrape(req, &resp).ok());
  EXPECT_EQ(resp.body, "up 1\n");
  EXPECT_EQ(srv->Requests(), 2);
}

sd::OAuth2Config OAuth2(const sd::testing::FakeTokenServer& ts,
                        const std::string& client_id) {
  sd::OAuth2Config o;
  o.client_id = client_id;
  o.client_secret = "client-secret";
  o.token_url = ts.url();
  o.scopes = {"scope 1"};
  return o;
}

// oauth2: one token for every target of the job, fetched once and cached,
// refreshed once it is within 10s of expiring.
TEST(HttpScraperTest, OAuth2TokenFetchedOnceCachedAndRefreshed) {
  sd::testing::FakeTokenServer ts;
  ts.SetToken("tok-1", 11);  // good for 1s more than the refresh margin
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  Reply ok{200, "text/plain; version=0.0.4", "up 1\n"};
  ok.require_authorization = "Bearer tok-1";
  srv->Set("/metrics", ok);
  HttpClientConfig cfg;
  cfg.oauth2 = OAuth2(ts, "scraper-refresh");
  auto a = HttpScraper::Create(cfg);
  auto b = HttpScraper::Create(cfg);  // another target of the same job
  ASSERT_TRUE(a.ok() && b.ok());
  ScrapeResponse resp;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*a)->Scrape(Req(*srv, "/metrics"), &resp).ok());
    ASSERT_TRUE((*b)->Scrape(Req(*srv, "/metrics"), &resp).ok());
  }
  EXPECT_EQ(srv->LastHeader("Authorization"), "Bearer tok-1");
  EXPECT_EQ(ts.requests(), 1);
  EXPECT_THAT(ts.last_body(), HasSubstr("grant_type=client_credentials"));

  ts.SetToken("tok-2", 3600);
  ok.require_authorization = "Bearer tok-2";
  srv->Set("/metrics", ok);
  absl::SleepFor(absl::Milliseconds(1100));
  ASSERT_TRUE((*a)->Scrape(Req(*srv, "/metrics"), &resp).ok());
  ASSERT_TRUE((*b)->Scrape(Req(*srv, "/metrics"), &resp).ok());
  EXPECT_EQ(srv->LastHeader("Authorization"), "Bearer tok-2");
  EXPECT_EQ(ts.requests(), 2);
}

TEST(HttpScraperTest, OAuth2BadTokenEndpointIsAScrapeError) {
  sd::testing::FakeTokenServer ts;
  ts.SetStatus(500);
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  srv->Set("/metrics", Reply{200, "text/plain", "up 1\n"});
  HttpClientConfig cfg;
  cfg.oauth2 = OAuth2(ts, "scraper-bad");
  auto h = HttpScraper::Create(cfg);
  ASSERT_TRUE(h.ok());
  ScrapeResponse resp;
  ScrapeRequest req = Req(*srv, "/metrics");
  absl::Status st = (*h)->Scrape(req, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr(absl::StrCat("Get \"", req.url,
                                     "\": oauth2: cannot fetch token: HTTP status 500")));
  EXPECT_EQ(srv->Requests(), 0);  // the target is not asked without a token
}

TEST(HttpScraperTest, GzipAndIdentity) {
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  std::string body;
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&body, "m{i=\"", i, "\"} 1\n");
  Reply r{200, "application/openmetrics-text; version=1.0.0", body};
  r.gzip = true;
  srv->Set("/gz", r);
  auto h = HttpScraper::Create({});
  ScrapeResponse resp;
  ASSERT_TRUE((*h)->Scrape(Req(*srv, "/gz"), &resp).ok());
  EXPECT_EQ(resp.body, body);  // decompressed
  // The body limit applies to the uncompressed size.
  ScrapeRequest lim = Req(*srv, "/gz");
  lim.body_size_limit = 5000;
  EXPECT_LT(testing::Gzip(body).size(), 5000u);
  EXPECT_GT(body.size(), 5000u);
  absl::Status st = (*h)->Scrape(lim, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "body size limit exceeded");

  srv->Set("/plain", Reply{200, "text/plain", "a 1\n"});
  ScrapeRequest id = Req(*srv, "/plain");
  id.enable_compression = false;
  ASSERT_TRUE((*h)->Scrape(id, &resp).ok());
  EXPECT_EQ(srv->LastHeader("Accept-Encoding"), "identity");
}

TEST(HttpScraperTest, Errors) {
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  srv->Set("/500", Reply{500, "text/plain", "boom"});
  Reply slow{200, "text/plain", "a 1\n"};
  slow.delay = absl::Seconds(2);
  srv->Set("/slow", slow);
  auto h = HttpScraper::Create({});
  ScrapeResponse resp;
  absl::Status st = (*h)->Scrape(Req(*srv, "/500"), &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "server returned HTTP status 500 Internal Server Error");
  st = (*h)->Scrape(Req(*srv, "/missing"), &resp);
  EXPECT_EQ(st.message(), "server returned HTTP status 404 Not Found");

  ScrapeRequest t = Req(*srv, "/slow");
  t.timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  st = (*h)->Scrape(t, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("context deadline exceeded"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1.5));

  const int port = srv->port();
  srv->Stop();
  ScrapeRequest refused;
  refused.url = absl::StrCat("http://127.0.0.1:", port, "/metrics");
  refused.timeout = absl::Seconds(1);
  st = (*h)->Scrape(refused, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("Get \"http://127.0.0.1:"));
}

TEST(HttpScraperTest, BearerTokenFileIsReReadAndBasicAuth) {
  auto srv = TestServer::Start();
  ASSERT_NE(srv, nullptr);
  Reply r{200, "text/plain", "a 1\n"};
  r.require_authorization = "Bearer tok1";
  srv->Set("/m", r);
  const std::string token = TmpDir() + "/token";
  WriteFile(token, "tok1\n");
  HttpClientConfig cfg;
  cfg.authorization = Authorization{"Bearer", "", token};
  auto h = HttpScraper::Create(cfg);
  ScrapeResponse resp;
  EXPECT_TRUE((*h)->Scrape(Req(*srv, "/m"), &resp).ok());
  WriteFile(token, "tok2");  // rotated
  absl::Status st = (*h)->Scrape(Req(*srv, "/m"), &resp);
  EXPECT_THAT(std::string(st.message()), HasSubstr("401"));
  r.require_authorization = "Bearer tok2";
  srv->Set("/m", r);
  EXPECT_TRUE((*h)->Scrape(Req(*srv, "/m"), &resp).ok());

  r.require_authorization = "Basic dXNlcjpwYXNz";  // user:pass
  srv->Set("/b", r);
  HttpClientConfig basic;
  basic.basic_auth = BasicAuth{"user", "", "pass", ""};
  auto hb = HttpScraper::Create(basic);
  EXPECT_TRUE((*hb)->Scrape(Req(*srv, "/b"), &resp).ok());
  basic.basic_auth->password = "wrong";
  hb = HttpScraper::Create(basic);
  EXPECT_FALSE((*hb)->Scrape(Req(*srv, "/b"), &resp).ok());

  HttpClientConfig missing;
  missing.authorization = Authorization{"Bearer", "", TmpDir() + "/nope"};
  auto hm = HttpScraper::Create(missing);
  st = (*hm)->Scrape(Req(*srv, "/m"), &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("unable to read"));
}

// A CA and a server certificate for "example.test" and 127.0.0.1, made
// with the openssl command line.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TmpDir() + "/tls";
    const std::string cmd = absl::StrCat(
        "set -e; mkdir -p ", dir_, "; cd ", dir_,
        "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out "
        "ca.crt -days 2 -subj /CN=vigil-test-ca 2>/dev/null"
        "; openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
        "-subj /CN=example.test 2>/dev/null"
        "; printf 'subjectAltName=DNS:example.test,IP:127.0.0.1\\n' > ext"
        "; openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial -out srv.crt -days 2 -extfile ext 2>/dev/null");
    if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl failed";
  }
  std::string dir_;
};

TEST_F(TlsTest, VerifiesWithCaFileAndServerName) {
  auto srv = TestServer::Start(dir_ + "/srv.crt", dir_ + "/srv.key");
  ASSERT_NE(srv, nullptr);
  srv->Set("/metrics", Reply{200, "text/plain", "tls 1\n"});
  ScrapeResponse resp;

  auto no_ca = HttpScraper::Create({});
  absl::Status st = (*no_ca)->Scrape(Req(*srv, "/metrics", absl::Seconds(20)), &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;

  HttpClientConfig cfg;
  cfg.tls_config.ca_file = dir_ + "/ca.crt";
  auto h = HttpScraper::Create(cfg);
  st = (*h)->Scrape(Req(*srv, "/metrics", absl::Seconds(20)), &resp);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body, "tls 1\n");

  // Connecting to 127.0.0.1 but verifying the name example.test.
  cfg.tls_config.server_name = "example.test";
  h = HttpScraper::Create(cfg);
  st = (*h)->Scrape(Req(*srv, "/metrics", absl::Seconds(20)), &resp);
  ASSERT_TRUE(st.ok()) << st;
  cfg.tls_config.server_name = "other.test";
  h = HttpScraper::Create(cfg);
  EXPECT_FALSE((*h)->Scrape(Req(*srv, "/metrics", absl::Seconds(20)), &resp).ok());

  HttpClientConfig insecure;
  insecure.tls_config.insecure_skip_verify = true;
  h = HttpScraper::Create(insecure);
  EXPECT_TRUE((*h)->Scrape(Req(*srv, "/metrics", absl::Seconds(20)), &resp).ok());

  HttpClientConfig bad;
  bad.tls_config.ca_file = dir_ + "/absent.crt";
  EXPECT_EQ(HttpScraper::Create(bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FormatTimeoutSecondsTest, GoForm) {
  EXPECT_EQ(FormatTimeoutSeconds(absl::Seconds(10)), "10");
  EXPECT_EQ(FormatTimeoutSeconds(absl::Milliseconds(500)), "0.5");
  EXPECT_EQ(FormatTimeoutSeconds(absl::Milliseconds(1250)), "1.25");
}

}  // namespace
}  // namespace vigil::scrape
