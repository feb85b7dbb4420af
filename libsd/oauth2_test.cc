#include "libsd/oauth2.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libsd/http_client.h"
#include "libsd/testing/fake_token_server.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using testing::FakeTokenServer;

OAuth2Config Config(const FakeTokenServer& ts) {
  OAuth2Config c;
  c.client_id = "client id";
  c.client_secret = "s3cret&";
  c.scopes = {"scope 1", "scope2"};
  c.token_url = ts.url();
  c.endpoint_params = {{"param1", "value 1"}, {"audience", "vigil"}};
  return c;
}

absl::StatusOr<HTTPClientConfig> Parse(const std::string& yaml) {
  return ParseHTTPClientConfig(YAML::Load(yaml), "p.yml");
}

TEST(OAuth2ConfigTest, ParsesTheOperatorShape) {
  absl::StatusOr<HTTPClientConfig> c = Parse(R"(
oauth2:
  client_id: client-id
  client_secret: client-secret
  token_url: http://test.url
  scopes: [scope 1, scope 2]
  endpoint_params: {param1: value1, param2: value2}
  tls_config: {insecure_skip_verify: true}
  proxy_url: http://proxy:3128
  no_proxy: localhost
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->oauth2.has_value());
  EXPECT_EQ(c->oauth2->client_id, "client-id");
  EXPECT_EQ(c->oauth2->client_secret, "client-secret");
  EXPECT_EQ(c->oauth2->token_url, "http://test.url");
  EXPECT_EQ(c->oauth2->scopes, (std::vector<std::string>{"scope 1", "scope 2"}));
  EXPECT_EQ(c->oauth2->endpoint_params.at("param2"), "value2");
  EXPECT_TRUE(c->oauth2->tls.insecure_skip_verify);
  EXPECT_EQ(c->oauth2->proxy_url, "http://proxy:3128");
  EXPECT_EQ(c->oauth2->no_proxy, "localhost");
  EXPECT_TRUE(c->auth_type.empty());
}

TEST(OAuth2ConfigTest, PrometheusChecks) {
  auto err = [](const std::string& yaml) {
    absl::StatusOr<HTTPClientConfig> c = Parse(yaml);
    return c.ok() ? std::string("OK") : std::string(c.status().message());
  };
  EXPECT_TRUE(absl::StrContains(err("oauth2: {token_url: http://t}"),
                                "oauth2 client_id must be configured"));
  EXPECT_TRUE(absl::StrContains(err("oauth2: {client_id: a}"),
                                "oauth2 token_url must be configured"));
  EXPECT_TRUE(absl::StrContains(
      err("oauth2: {client_id: a, token_url: http://t, client_secret: x, "
          "client_secret_file: /f}"),
      "at most one of oauth2 client_secret, client_secret_file & client_secret_ref"));
  EXPECT_TRUE(absl::StrContains(
      err("oauth2: {client_id: a, token_url: http://t}\nbasic_auth: {username: u}"),
      "at most one of basic_auth, oauth2 & authorization must be configured"));
  EXPECT_TRUE(absl::StrContains(
      err("oauth2: {client_id: a, token_url: http://t}\nbearer_token: x"),
      "at most one of basic_auth, oauth2, bearer_token & bearer_token_file"));
  EXPECT_TRUE(absl::StrContains(
      err("oauth2: {client_id: a, token_url: http://t}\nauthorization: {credentials: x}"),
      "at most one of basic_auth, oauth2 & authorization must be configured"));
  EXPECT_TRUE(absl::StrContains(err("oauth2: {client_id: a, token_url: http://t, bogus: 1}"),
                                "field bogus not found"));
  absl::StatusOr<HTTPClientConfig> jwt = Parse(
      "oauth2: {client_id: a, token_url: http://t, grant_type: "
      "'urn:ietf:params:oauth:grant-type:jwt-bearer'}");
  ASSERT_FALSE(jwt.ok());
  EXPECT_EQ(jwt.status().code(), absl::StatusCode::kUnimplemented);
}

TEST(OAuth2TokenSourceTest, FetchesOnceAndCaches) {
  FakeTokenServer ts;
  ts.SetToken("abc", 3600);
  OAuth2TokenSource src(Config(ts));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> h = src.AuthorizationHeader(absl::Seconds(5));
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(*h, "Bearer abc");
  }
  EXPECT_EQ(ts.requests(), 1);
  // The client-credentials request of golang.org/x/oauth2: a sorted form,
  // the credentials query-escaped in HTTP basic auth.
  EXPECT_EQ(ts.last_body(),
            "audience=vigil&grant_type=client_credentials&param1=value+1&"
            "scope=scope+1+scope2");
  EXPECT_EQ(ts.last_content_type(), "application/x-www-form-urlencoded");
  EXPECT_EQ(ts.last_authorization(),
            "Basic " + absl::Base64Escape("client+id:s3cret%26"));
}

TEST(OAuth2TokenSourceTest, RefreshesTenSecondsBeforeExpiry) {
  FakeTokenServer ts;
  ts.SetToken("first", 60);
  absl::Time now = absl::FromUnixSeconds(1000);
  OAuth2TokenSource src(Config(ts), [&now] { return now; });
  EXPECT_EQ(*src.AuthorizationHeader(absl::Seconds(5)), "Bearer first");
  ts.SetToken("second", 60);
  now += absl::Seconds(50);  // exactly expiry - 10s: still valid
  EXPECT_EQ(*src.AuthorizationHeader(absl::Seconds(5)), "Bearer first");
  EXPECT_EQ(ts.requests(), 1);
  now += absl::Seconds(1);
  EXPECT_EQ(*src.AuthorizationHeader(absl::Seconds(5)), "Bearer second");
  EXPECT_EQ(ts.requests(), 2);
}

TEST(OAuth2TokenSourceTest, NoExpiresInMeansNoRefreshAndTypeIsKept) {
  FakeTokenServer ts;
  ts.SetToken("t", 0, "MAC");
  absl::Time now = absl::FromUnixSeconds(1000);
  OAuth2TokenSource src(Config(ts), [&now] { return now; });
  EXPECT_EQ(*src.AuthorizationHeader(absl::Seconds(5)), "MAC t");
  now += absl::Hours(1000);
  EXPECT_EQ(*src.AuthorizationHeader(absl::Seconds(5)), "MAC t");
  EXPECT_EQ(ts.requests(), 1);
}

TEST(OAuth2TokenSourceTest, FallsBackToCredentialsInTheForm) {
  FakeTokenServer ts;
  ts.SetParamsOnly(true);
  OAuth2TokenSource src(Config(ts));
  absl::StatusOr<std::string> h = src.AuthorizationHeader(absl::Seconds(5));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(ts.requests(), 2);
  EXPECT_TRUE(absl::StrContains(ts.last_body(), "client_id=client+id"));
  EXPECT_TRUE(absl::StrContains(ts.last_body(), "client_secret=s3cret%26"));
  EXPECT_EQ(ts.last_authorization(), "");
}

TEST(OAuth2TokenSourceTest, RotatedSecretFileDropsTheToken) {
  FakeTokenServer ts;
  std::string path = absl::StrCat(::testing::TempDir(), "/oauth2_secret");
  std::ofstream(path) << "one\n";
  OAuth2Config c = Config(ts);
  c.client_secret.clear();
  c.client_secret_file = path;
  OAuth2TokenSource src(c);
  ASSERT_TRUE(src.AuthorizationHeader(absl::Seconds(5)).ok());
  EXPECT_EQ(ts.last_authorization(), "Basic " + absl::Base64Escape("client+id:one"));
  ASSERT_TRUE(src.AuthorizationHeader(absl::Seconds(5)).ok());
  EXPECT_EQ(ts.requests(), 1);
  std::ofstream(path) << "two\n";
  ASSERT_TRUE(src.AuthorizationHeader(absl::Seconds(5)).ok());
  EXPECT_EQ(ts.requests(), 2);
  EXPECT_EQ(ts.last_authorization(), "Basic " + absl::Base64Escape("client+id:two"));
  std::remove(path.c_str());
  absl::StatusOr<std::string> gone = src.AuthorizationHeader(absl::Seconds(5));
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(gone.status().message(), "unable to read oauth2 client secret"));
}

TEST(OAuth2TokenSourceTest, BadEndpointIsAClearError) {
  FakeTokenServer ts;
  ts.SetStatus(500);
  OAuth2TokenSource src(Config(ts));
  absl::StatusOr<std::string> h = src.AuthorizationHeader(absl::Seconds(5));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(h.status().message(), "oauth2: cannot fetch token: HTTP status 500"))
      << h.status();

  OAuth2Config closed = Config(ts);
  closed.token_url = "http://127.0.0.1:1/token";
  OAuth2TokenSource src2(closed);
  h = src2.AuthorizationHeader(absl::Seconds(5));
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(absl::StrContains(h.status().message(),
                                "oauth2: cannot fetch token: Post \"http://127.0.0.1:1/token\""))
      << h.status();
}

TEST(OAuth2TokenSourceTest, SharedByConfig) {
  FakeTokenServer ts;
  OAuth2Config c = Config(ts);
  std::shared_ptr<OAuth2TokenSource> a = OAuth2TokenSource::Shared(c);
  EXPECT_EQ(a, OAuth2TokenSource::Shared(c));
  c.scopes.push_back("other");
  EXPECT_NE(a, OAuth2TokenSource::Shared(c));
}

// HttpClient (http_sd, kubernetes_sd, remote write/read) sends the token.
TEST(HttpClientOAuth2Test, RequestsCarryTheToken) {
  FakeTokenServer ts;
  ts.SetToken("sd-token");
  httplib::Server api;
  api.Get("/targets", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer sd-token") {
      res.status = 401;
      return;
    }
    res.set_content("[]", "application/json");
  });
  int port = api.bind_to_any_port("127.0.0.1");
  std::thread t([&] { api.listen_after_bind(); });
  while (!api.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  absl::StatusOr<HTTPClientConfig> cfg = Parse(absl::StrCat(
      "oauth2: {client_id: c, client_secret: s, token_url: '", ts.url(), "'}"));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  std::string url = absl::StrCat("http://127.0.0.1:", port, "/targets");
  {
    HttpClient client(*cfg);
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<HttpResponse> r = client.Get(url, {}, absl::Seconds(5), 1 << 20);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->status, 200);
    }
    absl::StatusOr<HttpResponse> p = client.Post(url, {}, "x", absl::Seconds(5), 1 << 20);
    ASSERT_TRUE(p.ok()) << p.status();  // 404 for POST, but authorized
  }
  EXPECT_EQ(ts.requests(), 1);

  ts.SetStatus(403);
  absl::StatusOr<HTTPClientConfig> other = Parse(absl::StrCat(
      "oauth2: {client_id: other, client_secret: s, token_url: '", ts.url(), "'}"));
  HttpClient bad(*other);
  absl::StatusOr<HttpResponse> r = bad.Get(url, {}, absl::Seconds(5), 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(r.status().message(),
                               absl::StrCat("Get \"", url, "\": oauth2: cannot fetch token")))
      << r.status();
  api.stop();
  t.join();
}

}  // namespace
}  // namespace vigil::sd
