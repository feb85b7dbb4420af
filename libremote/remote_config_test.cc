#include "libremote/remote_config.h"

#include <string>

#include "gtest/gtest.h"

namespace vigil::remote {
namespace {

std::string WriteError(const std::string& yaml) {
  auto c = ParseRemoteWriteConfigs(YAML::Load(yaml), "p.yml");
  return c.ok() ? "ok" : std::string(c.status().message());
}
std::string ReadError(const std::string& yaml) {
  auto c = ParseRemoteReadConfigs(YAML::Load(yaml), "p.yml");
  return c.ok() ? "ok" : std::string(c.status().message());
}

TEST(RemoteConfigTest, WriteDefaultsAndFields) {
  auto c = ParseRemoteWriteConfigs(YAML::Load(R"(
- url: http://rw:9090/api/v1/write
- url: https://mimir/api/v1/push
  name: mimir
  remote_timeout: 10s
  headers: {X-Scope-OrgID: team-a}
  basic_auth: {username: u, password: p}
  tls_config: {insecure_skip_verify: true}
  write_relabel_configs:
    - source_labels: [__name__]
      regex: go_.*
      action: drop
  queue_config:
    capacity: 500
    max_shards: 4
    min_shards: 2
    max_samples_per_send: 100
    batch_send_deadline: 1s
    min_backoff: 50ms
    max_backoff: 1s
    retry_on_http_429: true
    sample_age_limit: 1h
  metadata_config: {send: false}
)"), "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 2u);
  const RemoteWriteConfig& d = (*c)[0];
  EXPECT_EQ(d.remote_timeout, absl::Seconds(30));
  EXPECT_EQ(d.queue_config.capacity, 10000);
  EXPECT_EQ(d.queue_config.max_shards, 50);
  EXPECT_EQ(d.queue_config.max_samples_per_send, 2000);
  EXPECT_EQ(d.queue_config.batch_send_deadline, absl::Seconds(5));
  EXPECT_EQ(d.queue_config.min_backoff, absl::Milliseconds(30));
  EXPECT_EQ(d.queue_config.max_backoff, absl::Seconds(5));
  EXPECT_FALSE(d.queue_config.retry_on_http_429);
  EXPECT_FALSE(d.http.enable_http2);
  EXPECT_EQ(d.DisplayName().size(), 6u);  // a hash when unnamed
  EXPECT_EQ(d.DisplayName(), (*c)[0].DisplayName());

  const RemoteWriteConfig& m = (*c)[1];
  EXPECT_EQ(m.DisplayName(), "mimir");
  EXPECT_EQ(m.remote_timeout, absl::Seconds(10));
  EXPECT_EQ(m.headers.at("X-Scope-OrgID"), "team-a");
  EXPECT_TRUE(m.http.has_basic_auth);
  EXPECT_EQ(m.http.username, "u");
  EXPECT_TRUE(m.http.tls.insecure_skip_verify);
  ASSERT_EQ(m.write_relabel_configs.size(), 1u);
  EXPECT_EQ(m.queue_config.capacity, 500);
  EXPECT_EQ(m.queue_config.min_shards, 2);
  EXPECT_EQ(m.queue_config.max_samples_per_send, 100);
  EXPECT_EQ(m.queue_config.batch_send_deadline, absl::Seconds(1));
  EXPECT_EQ(m.queue_config.min_backoff, absl::Milliseconds(50));
  EXPECT_TRUE(m.queue_config.retry_on_http_429);
  EXPECT_EQ(m.queue_config.sample_age_limit, absl::Hours(1));
  EXPECT_FALSE(m.send_metadata);
  EXPECT_NE(d.Fingerprint(), m.Fingerprint());
}

TEST(RemoteConfigTest, WriteErrorsNameFileLineAndField) {
  EXPECT_EQ(WriteError("- name: x\n"), "p.yml:1:3: url for remote_write is empty");
  EXPECT_EQ(WriteError("- url: http://x\n  headers: {User-Agent: me}\n"),
            "p.yml:2:12: User-Agent is a reserved header. It must not be changed");
  EXPECT_EQ(WriteError("- url: http://x\n  bogus: 1\n"),
            "p.yml:2:3: field bogus not found in type config.RemoteWriteConfig");
  EXPECT_EQ(WriteError("- url: http://x\n  queue_config: {capcity: 1}\n"),
            "p.yml:2:18: field capcity not found in type config.QueueConfig");
  EXPECT_EQ(WriteError("- url: http://x\n  queue_config: {capacity: 0}\n"),
            "p.yml:2:17: queue_config values must be positive");
  EXPECT_EQ(WriteError("- url: http://x\n  queue_config: {min_shards: 5, max_shards: 2}\n"),
            "p.yml:2:17: queue_config min_shards must not exceed max_shards");
  EXPECT_EQ(WriteError("- url: http://x\n  name: a\n- url: http://y\n  name: a\n"),
            "p.yml:3:3: found multiple remote write configs with job name \"a\"");
  EXPECT_EQ(WriteError("- url: ftp://x\n"),
            "p.yml:1:8: invalid url \"ftp://x\" for remote_write: scheme must be http or https");
  EXPECT_EQ(WriteError("- url: http://x\n  remote_timeout: 5x\n"),
            "p.yml:2:19: not a valid duration string: \"5x\"");
  EXPECT_EQ(WriteError("- url: http://x\n  bearer_token: a\n  bearer_token_file: b\n"),
            "p.yml:1:3: at most one of bearer_token & bearer_token_file must be configured");
  EXPECT_EQ(WriteError("- url: http://x\n  sigv4: {region: eu}\n"),
            "p.yml:2:10: sigv4 is not supported by Vigil");
  std::string relabel = WriteError(
      "- url: http://x\n  write_relabel_configs:\n    - action: replace\n      regex: x\n");
  EXPECT_NE(relabel.find("p.yml:3:"), std::string::npos) << relabel;
  EXPECT_EQ(WriteError("- url: http://x\n- url: http://x\n"),
            "p.yml:2:3: duplicate remote write configs are not allowed, found duplicate for URL: http://x");
  EXPECT_EQ(WriteError("remote_write: {}"),
            "p.yml:1:1: cannot unmarshal remote_write: expected a list");
}

// oauth2 goes to libsd's HTTP client, which fetches and caches the token
// (libsd/oauth2_test.cc covers the POSTs remote write and read send).
TEST(RemoteConfigTest, OAuth2ForWriteAndRead) {
  const char* yaml = R"(
- url: http://rw/api/v1/write
  oauth2:
    client_id: test_client_id
    client_secret: test_client_secret
    token_url: http://token-url
    scopes: [scope1]
    endpoint_params: {param: value}
)";
  auto w = ParseRemoteWriteConfigs(YAML::Load(yaml), "p.yml");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE((*w)[0].http.oauth2.has_value());
  EXPECT_EQ((*w)[0].http.oauth2->client_id, "test_client_id");
  EXPECT_EQ((*w)[0].http.oauth2->token_url, "http://token-url");
  auto r = ParseRemoteReadConfigs(YAML::Load(yaml), "p.yml");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE((*r)[0].http.oauth2.has_value());
  EXPECT_EQ((*r)[0].http.oauth2->endpoint_params.at("param"), "value");
  EXPECT_EQ(WriteError("- url: http://x\n  oauth2: {client_id: a, token_url: http://t}\n"
                       "  basic_auth: {username: u}\n"),
            "p.yml:1:3: at most one of basic_auth, oauth2 & authorization must be configured");
}

TEST(RemoteConfigTest, ReadConfig) {
  auto c = ParseRemoteReadConfigs(YAML::Load(R"(
- url: http://rr/api/v1/read
- url: http://rr2/api/v1/read
  name: two
  read_recent: true
  filter_external_labels: false
  required_matchers: {job: node}
  authorization: {credentials: secret}
)"), "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)[0].remote_timeout, absl::Minutes(1));
  EXPECT_FALSE((*c)[0].read_recent);
  EXPECT_TRUE((*c)[0].filter_external_labels);
  EXPECT_TRUE((*c)[1].read_recent);
  EXPECT_FALSE((*c)[1].filter_external_labels);
  EXPECT_EQ((*c)[1].required_matchers.at("job"), "node");
  EXPECT_EQ((*c)[1].http.auth_type, "Bearer");
  EXPECT_EQ((*c)[1].http.credentials, "secret");

  EXPECT_EQ(ReadError("- read_recent: true\n"), "p.yml:1:3: url for remote_read is empty");
  EXPECT_EQ(ReadError("- url: http://x\n  queue_config: {}\n"),
            "p.yml:2:3: field queue_config not found in type config.RemoteReadConfig");
  EXPECT_EQ(ReadError("- url: http://x\n  name: a\n- url: http://y\n  name: a\n"),
            "p.yml:3:3: found multiple remote read configs with job name \"a\"");
  EXPECT_EQ(ReadError("- url: http://x\n  read_recent: maybe\n"),
            ReadError("- url: http://x\n  read_recent: maybe\n"));
  EXPECT_NE(ReadError("- url: http://x\n  read_recent: maybe\n"), "ok");
}

}  // namespace
}  // namespace vigil::remote
