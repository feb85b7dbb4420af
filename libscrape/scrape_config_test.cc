#include "libscrape/scrape_config.h"

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::scrape {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ScrapeConfig> Parse(const std::string& yaml,
                                   const GlobalConfig& g = {}) {
  return ParseScrapeConfig(YAML::Load(yaml), g, "test.yml");
}

TEST(ScrapeConfigTest, AllFields) {
  const std::string yaml = R"(
job_name: node
honor_labels: true
honor_timestamps: false
track_timestamps_staleness: true
scrape_interval: 30s
scrape_timeout: 5s
scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]
fallback_scrape_protocol: PrometheusText0.0.4
metrics_path: /m
scheme: https
params:
  module: [a, b]
enable_compression: false
body_size_limit: 10MB
sample_limit: 1000
label_limit: 30
label_name_length_limit: 100
label_value_length_limit: 200
target_limit: 5
keep_dropped_targets: 7
metric_name_validation_scheme: legacy
basic_auth:
  username: u
  password_file: /tmp/pw
tls_config:
  ca_file: /ca.crt
  cert_file: /c.crt
  key_file: /c.key
  server_name: example.org
  insecure_skip_verify: true
  min_version: TLS12
follow_redirects: false
enable_http2: false
proxy_url: http://proxy:3128
http_headers:
  X-Test:
    values: [v1]
relabel_configs:
  - source_labels: [__address__]
    target_label: instance
metric_relabel_configs:
  - action: drop
    source_labels: [__name__]
    regex: go_.*
static_configs:
  - targets: ['localhost:9100']
kubernetes_sd_configs:
  - role: pod
)";
  absl::StatusOr<ScrapeConfig> c = Parse(yaml);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->job_name, "node");
  EXPECT_TRUE(c->honor_labels);
  EXPECT_FALSE(c->honor_timestamps);
  EXPECT_TRUE(c->track_timestamps_staleness);
  EXPECT_EQ(c->scrape_interval, absl::Seconds(30));
  EXPECT_EQ(c->scrape_timeout, absl::Seconds(5));
  ASSERT_EQ(c->scrape_protocols.size(), 2u);
  EXPECT_EQ(c->scrape_protocols[0], textparse::ScrapeProtocol::kPrometheusText0_0_4);
  EXPECT_EQ(c->fallback_scrape_protocol,
            textparse::ScrapeProtocol::kPrometheusText0_0_4);
  EXPECT_EQ(c->metrics_path, "/m");
  EXPECT_EQ(c->scheme, "https");
  EXPECT_EQ(c->params.at("module"), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(c->enable_compression);
  EXPECT_EQ(c->body_size_limit, 10u << 20);
  EXPECT_EQ(c->sample_limit, 1000u);
  EXPECT_EQ(c->label_limit, 30u);
  EXPECT_EQ(c->label_name_length_limit, 100u);
  EXPECT_EQ(c->label_value_length_limit, 200u);
  EXPECT_EQ(c->target_limit, 5u);
  EXPECT_EQ(c->keep_dropped_targets, 7u);
  EXPECT_EQ(c->metric_name_validation_scheme, "legacy");
  ASSERT_TRUE(c->http.basic_auth.has_value());
  EXPECT_EQ(c->http.basic_auth->username, "u");
  EXPECT_EQ(c->http.basic_auth->password_file, "/tmp/pw");
  EXPECT_EQ(c->http.tls_config.ca_file, "/ca.crt");
  EXPECT_EQ(c->http.tls_config.server_name, "example.org");
  EXPECT_TRUE(c->http.tls_config.insecure_skip_verify);
  EXPECT_EQ(c->http.tls_config.min_version, "TLS12");
  EXPECT_FALSE(c->http.follow_redirects);
  EXPECT_FALSE(c->http.enable_http2);
  EXPECT_EQ(c->http.proxy_url, "http://proxy:3128");
  EXPECT_EQ(c->http.http_headers.at("X-Test"), (std::vector<std::string>{"v1"}));
  EXPECT_EQ(c->relabel_configs.size(), 1u);
  EXPECT_EQ(c->metric_relabel_configs.size(), 1u);
  ASSERT_EQ(c->sd_configs.size(), 2u);
  EXPECT_EQ(c->sd_configs[0].first, "static_configs");
  EXPECT_EQ(c->sd_configs[1].first, "kubernetes_sd_configs");
}

TEST(ScrapeConfigTest, DefaultsComeFromGlobal) {
  GlobalConfig g;
  g.scrape_interval = absl::Seconds(15);
  g.scrape_timeout = absl::Seconds(10);
  g.sample_limit = 50;
  auto c = Parse("job_name: a\n", g);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->scrape_interval, absl::Seconds(15));
  EXPECT_EQ(c->scrape_timeout, absl::Seconds(10));
  EXPECT_EQ(c->sample_limit, 50u);
  EXPECT_EQ(c->metrics_path, "/metrics");
  EXPECT_EQ(c->scheme, "http");
  EXPECT_TRUE(c->honor_timestamps);
  EXPECT_TRUE(c->enable_compression);
  EXPECT_EQ(c->scrape_protocols, textparse::DefaultScrapeProtocols());
  // A job interval below the global timeout caps the timeout.
  c = Parse("job_name: a\nscrape_interval: 5s\n", g);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->scrape_timeout, absl::Seconds(5));

  auto gl = ParseGlobalScrapeDefaults(
      YAML::Load("scrape_interval: 2m\nevaluation_interval: 1m\n"
                 "scrape_protocols: [PrometheusText0.0.4]\n"),
      "");
  ASSERT_TRUE(gl.ok()) << gl.status();
  EXPECT_EQ(gl->scrape_interval, absl::Minutes(2));
  EXPECT_EQ(gl->scrape_timeout, absl::Seconds(10));
  EXPECT_EQ(gl->scrape_protocols.size(), 1u);
}

TEST(ScrapeConfigTest, LegacyBearerTokenFileBecomesAuthorization) {
  auto c = Parse("job_name: k\nbearer_token_file: /var/run/token\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->http.authorization.has_value());
  EXPECT_EQ(c->http.authorization->type, "Bearer");
  EXPECT_EQ(c->http.authorization->credentials_file, "/var/run/token");
  c = Parse("job_name: k\nauthorization:\n  credentials: abc\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http.authorization->credentials, "abc");
}

struct BadCase {
  const char* yaml;
  const char* want;
};

class ScrapeConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ScrapeConfigErrorTest, Rejects) {
  auto c = Parse(GetParam().yaml);
  ASSERT_FALSE(c.ok()) << GetParam().yaml;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(GetParam().want));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("test.yml:"));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ScrapeConfigErrorTest,
    ::testing::Values(
        BadCase{"job_name: a\nfoo: 1\n",
                "field foo not found in type config.ScrapeConfig"},
        BadCase{"scrape_interval: 1m\n", "job_name is empty"},
        BadCase{"job_name: a\nscrape_interval: 5s\nscrape_timeout: 10s\n",
                "scrape timeout greater than scrape interval for scrape "
                "config with job name \"a\""},
        BadCase{"job_name: a\nscrape_interval: 5x\n",
                "not a valid duration string"},
        BadCase{"job_name: a\nbearer_token: x\nbearer_token_file: y\n",
                "at most one of bearer_token & bearer_token_file must be "
                "configured"},
        BadCase{"job_name: a\nbearer_token: x\nbasic_auth: {username: u}\n",
                "at most one of basic_auth, oauth2, bearer_token & "
                "bearer_token_file must be configured"},
        BadCase{"job_name: a\nbearer_token: x\nauthorization: {credentials: "
                "y}\n",
                "authorization is not compatible with bearer_token"},
        BadCase{"job_name: a\nauthorization: {type: Basic}\n",
                "authorization type cannot be set to \"basic\""},
        BadCase{"job_name: a\nscrape_protocols: [Foo]\n",
                "unknown scrape protocol \"Foo\""},
        BadCase{"job_name: a\nscrape_protocols: [PrometheusText0.0.4, "
                "PrometheusText0.0.4]\n",
                "duplicated protocol in scrape_protocols"},
        BadCase{"job_name: a\nfallback_scrape_protocol: text\n",
                "invalid fallback_scrape_protocol"},
        BadCase{"job_name: a\nbody_size_limit: 10 parsecs\n", "invalid size"},
        BadCase{"job_name: a\nsample_limit: -1\n", "cannot unmarshal"},
        BadCase{"job_name: a\nscheme: ftp\n", "unsupported scheme \"ftp\""},
        BadCase{"job_name: a\ntls_config: {min_version: TLS9}\n",
                "unknown TLS version: TLS9"},
        BadCase{"job_name: a\ntls_config: {cert_file: /a}\n",
                "exactly one of key or key_file must be configured"},
        BadCase{"job_name: a\ntls_config: {bogus: 1}\n",
                "field bogus not found in type config.TLSConfig"},
        BadCase{"job_name: a\noauth2: {client_id: x}\n",
                "oauth2 token_url must be configured"},
        BadCase{"job_name: a\noauth2: {client_id: x, token_url: http://t}\n"
                "basic_auth: {username: u}\n",
                "at most one of basic_auth, oauth2 & authorization"},
        BadCase{"job_name: a\noauth2: {client_id: x, token_url: http://t}\n"
                "bearer_token: b\n",
                "at most one of basic_auth, oauth2, bearer_token"},
        BadCase{"job_name: a\nmetric_relabel_configs:\n  - action: nope\n",
                "unknown relabel action"}));

TEST(ScrapeConfigTest, OAuth2) {
  YAML::Node n = YAML::Load(R"(
job_name: a
oauth2:
  client_id: client-id
  client_secret_file: /etc/secret
  token_url: http://test.url
  scopes: [scope 1, scope 2]
  endpoint_params: {param1: value1}
  tls_config: {insecure_skip_verify: true}
)");
  absl::StatusOr<ScrapeConfig> c = ParseScrapeConfig(n, GlobalConfig(), "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->http.oauth2.has_value());
  EXPECT_EQ(c->http.oauth2->client_id, "client-id");
  EXPECT_EQ(c->http.oauth2->client_secret_file, "/etc/secret");
  EXPECT_EQ(c->http.oauth2->token_url, "http://test.url");
  EXPECT_EQ(c->http.oauth2->scopes.size(), 2u);
  EXPECT_EQ(c->http.oauth2->endpoint_params.at("param1"), "value1");
  EXPECT_TRUE(c->http.oauth2->tls.insecure_skip_verify);
  EXPECT_FALSE(c->http.authorization.has_value());
}

TEST(ScrapeConfigTest, SizeParsing) {
  EXPECT_EQ(*ParseSizeBytes("0"), 0u);
  EXPECT_EQ(*ParseSizeBytes("512B"), 512u);
  EXPECT_EQ(*ParseSizeBytes("1KB"), 1024u);
  EXPECT_EQ(*ParseSizeBytes("3MiB"), 3u << 20);
  EXPECT_EQ(*ParseSizeBytes("1GB"), 1u << 30);
  EXPECT_FALSE(ParseSizeBytes("12").ok());
  EXPECT_FALSE(ParseSizeBytes("MB").ok());
  EXPECT_FALSE(ParseSizeBytes("99999999999EB").ok());
}

// Every scrape config of the seed prometheus.yml parses.
TEST(ScrapeConfigTest, SeedConfigParses) {
  std::string path;
  for (const char* root : {"TEST_SRCDIR"}) {
    const char* r = std::getenv(root);
    if (r == nullptr) continue;
    for (std::string p : {std::string(r) + "/vigil_shared/seed/prometheus.yml",
                          std::string(r) +
                              "/vigil/external/vigil_shared/seed/prometheus.yml"}) {
      if (std::ifstream(p).good()) path = p;
    }
  }
  if (path.empty()) GTEST_SKIP() << "../shared/seed absent; skipping";
  YAML::Node doc = YAML::LoadFile(path);
  auto g = ParseGlobalScrapeDefaults(doc["global"], path);
  ASSERT_TRUE(g.ok()) << g.status();
  int n = 0;
  for (const YAML::Node& sc : doc["scrape_configs"]) {
    auto c = ParseScrapeConfig(sc, *g, path);
    ASSERT_TRUE(c.ok()) << c.status();
    ++n;
  }
  EXPECT_GT(n, 3);
}

}  // namespace
}  // namespace vigil::scrape
