#include "examples/server/config.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace vigil::server {
namespace {

std::string Runfile(const std::string& rel) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string base = srcdir ? srcdir : ".";
  for (const std::string& p : {base + "/vigil/" + rel, base + "/" + rel}) {
    if (std::ifstream(p).good()) return p;
  }
  return "";
}

std::string ErrorOf(absl::string_view yaml) {
  absl::StatusOr<Config> c = ParseConfig(yaml, "p.yml");
  if (c.ok()) return "OK";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(c.status().message());
}

TEST(ConfigTest, ExampleConfigLoads) {
  std::string path = Runfile("examples/prometheus.yml");
  ASSERT_FALSE(path.empty());
  absl::StatusOr<Config> c = LoadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_GE(c->scrape_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[0].job_name, "vigil");
  EXPECT_EQ(c->scrape_configs[0].scrape_interval, absl::Seconds(15));
  ASSERT_EQ(c->scrape_configs[0].sd_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[0].sd_configs[0].first, "static_configs");
}

TEST(ConfigTest, SeedConfigLoadsUnchanged) {
  std::string path = Runfile("external/vigil_shared/seed/prometheus.yml");
  if (path.empty()) path = Runfile("vigil_shared/seed/prometheus.yml");
  if (path.empty()) GTEST_SKIP() << "../shared/seed is absent; seed config not checked";
  absl::StatusOr<Config> c = LoadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.scrape_interval, absl::Seconds(5));
  EXPECT_EQ(c->global.evaluation_interval, absl::Seconds(5));
  EXPECT_EQ(c->global.scrape_timeout, absl::Seconds(5));  // capped at the interval
  ASSERT_EQ(c->rule_files.size(), 1u);
  EXPECT_EQ(c->rule_files[0], "/etc/prometheus/prometheus.rules");
  ASSERT_EQ(c->scrape_configs.size(), 6u);
  EXPECT_EQ(c->scrape_configs[0].job_name, "kubernetes-apiservers");
  EXPECT_EQ(c->scrape_configs[0].scheme, "https");
  EXPECT_EQ(c->scrape_configs[0].scrape_interval, absl::Seconds(5));
  ASSERT_EQ(c->scrape_configs[0].sd_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[0].sd_configs[0].first, "kubernetes_sd_configs");
  EXPECT_EQ(c->scrape_configs[0].relabel_configs.size(), 1u);
  EXPECT_EQ(c->scrape_configs[2].relabel_configs.size(), 6u);
  EXPECT_EQ(c->scrape_configs[3].sd_configs[0].first, "static_configs");
  ASSERT_EQ(c->alerting.alertmanagers.size(), 1u);
  EXPECT_EQ(c->alerting.alertmanagers[0].static_configs[0].targets[0].Get("__address__"),
            "alertmanager.monitoring.svc:9093");
}

TEST(ConfigTest, DefaultsAndInheritance) {
  absl::StatusOr<Config> c = ParseConfig(R"(
global:
  scrape_interval: 30s
  external_labels: {cluster: eu, replica: "1"}
rule_files: ["rules/*.yml", "/abs/x.yml"]
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 5s
    metrics_path: /m
    params: {format: [prometheus]}
    honor_labels: true
remote_write:
  - url: http://rw:9090/api/v1/write
    queue_config: {max_samples_per_send: 500}
remote_read:
  - url: https://rr/api/v1/read
    read_recent: true
)", "/etc/vigil/p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.evaluation_interval, absl::Minutes(1));
  EXPECT_EQ(c->global.external_labels.ToString(), R"({cluster="eu", replica="1"})");
  EXPECT_EQ(c->rule_files[0], "/etc/vigil/rules/*.yml");
  EXPECT_EQ(c->rule_files[1], "/abs/x.yml");
  EXPECT_EQ(c->scrape_configs[0].scrape_interval, absl::Seconds(30));
  EXPECT_EQ(c->scrape_configs[0].scrape_timeout, absl::Seconds(10));
  EXPECT_EQ(c->scrape_configs[0].metrics_path, "/metrics");
  EXPECT_EQ(c->scrape_configs[1].scrape_interval, absl::Seconds(5));
  EXPECT_EQ(c->scrape_configs[1].scrape_timeout, absl::Seconds(5));
  EXPECT_EQ(c->scrape_configs[1].metrics_path, "/m");
  EXPECT_TRUE(c->scrape_configs[1].honor_labels);
  EXPECT_EQ(c->scrape_configs[1].params.at("format")[0], "prometheus");
  EXPECT_EQ(c->remote_write[0].queue_config.max_samples_per_send, 500);
  EXPECT_EQ(c->remote_write[0].queue_config.capacity, 10000);
  EXPECT_EQ(c->remote_write[0].remote_timeout, absl::Seconds(30));
  EXPECT_TRUE(c->remote_read[0].read_recent);
  EXPECT_TRUE(c->remote_read[0].filter_external_labels);

  absl::StatusOr<Config> empty = ParseConfig("", "p.yml");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->global.scrape_interval, absl::Minutes(1));
}

TEST(ConfigTest, StrictErrorsNameFileLineAndField) {
  EXPECT_EQ(ErrorOf("global:\n  scrape_interval: 5s\nfoo: 1\n"),
            "p.yml:3:1: field foo not found in type config.plain");
  EXPECT_EQ(ErrorOf("global:\n  scrape_intervl: 5s\n"),
            "p.yml:2:3: field scrape_intervl not found in type config.GlobalConfig");
  EXPECT_EQ(ErrorOf("scrape_configs:\n  - job_name: a\n    targets: [x]\n"),
            "p.yml:3:5: field targets not found in type config.ScrapeConfig");
  EXPECT_EQ(ErrorOf("scrape_configs:\n  - job_name: a\n  - job_name: a\n"),
            "p.yml:3:5: found multiple scrape configs with job name \"a\"");
  EXPECT_EQ(ErrorOf("scrape_configs:\n  - scrape_interval: 5s\n"),
            "p.yml:2:5: job_name is empty");
  EXPECT_EQ(ErrorOf("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n"
                    "    scrape_timeout: 10s\n"),
            "p.yml:2:5: scrape timeout greater than scrape interval for scrape "
            "config with job name \"a\"");
  EXPECT_EQ(ErrorOf("global:\n  scrape_interval: 5x\n"),
            "p.yml:2:20: not a valid duration string: \"5x\"");
  EXPECT_EQ(ErrorOf("remote_write:\n  - name: x\n"),
            "p.yml:2:5: url for remote_write is empty");
  EXPECT_EQ(ErrorOf("remote_write:\n  - url: http://x\n    headers: {User-Agent: me}\n"),
            "p.yml:3:14: User-Agent is a reserved header. It must not be changed");
  EXPECT_EQ(ErrorOf("alerting:\n  alertmanagers:\n  - api_version: v1\n"),
            "p.yml:3:18: alertmanager api_version v1 is no longer supported");
  EXPECT_EQ(ErrorOf("global:\n  external_labels: {__name__: x}\n"),
            "p.yml:2:20: \"__name__\" is not a valid label name");
  EXPECT_EQ(ErrorOf("scrape_configs:\n  - job_name: a\n    tls_config: {ca: x, bogus: 1}\n"),
            "p.yml:3:25: field bogus not found in type config.TLSConfig");
  // Relabel errors come from libsd with their position.
  std::string relabel = ErrorOf(
      "scrape_configs:\n  - job_name: a\n    relabel_configs:\n"
      "      - action: replace\n        regex: x\n");
  EXPECT_NE(relabel.find("p.yml:4:"), std::string::npos) << relabel;
  EXPECT_NE(relabel.find("requires 'target_label'"), std::string::npos) << relabel;
  // YAML syntax errors carry the position too.
  std::string syntax = ErrorOf("global:\n  scrape_interval: [\n");
  EXPECT_EQ(syntax.rfind("p.yml:", 0), 0u) << syntax;
}

TEST(ConfigTest, AcceptedButUnusedSectionsAreListed) {
  absl::StatusOr<Config> c = ParseConfig(
      "storage:\n  tsdb:\n    out_of_order_time_window: 30m\n"
      "  exemplars:\n    max_exemplars: 10\n",
      "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ignored, (std::vector<std::string>{
                            "storage.exemplars",
                            "storage.tsdb.out_of_order_time_window"}));
  c = ParseConfig("storage:\n  tsdb:\n    retention: {}\n", "p.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->ignored.empty());
}

TEST(ConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<Config> c = LoadConfigFile("/nonexistent/prometheus.yml");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("/nonexistent/prometheus.yml"), absl::string_view::npos);
}

}  // namespace
}  // namespace vigil::server

namespace vigil::server {
namespace {

TEST(ShownConfigYamlTest, EverySecretShowsAsTheMarker) {
  const char* yaml = R"(scrape_configs:
  - job_name: a
    basic_auth:
      username: admin
      password: hunter2
    authorization:
      credentials: tok-123
    oauth2:
      client_id: id
      client_secret: cs-456
    tls_config:
      key: "-----BEGIN PRIVATE KEY-----"
      key_file: /etc/key.pem
    http_headers:
      X-Api:
        values: [visible]
        secrets: [hidden-789]
  - job_name: b
    bearer_token: bt-000
    consul_sd_configs:
      - token: ct-111
remote_write:
  - url: http://rw/api/v1/write
    sigv4:
      access_key: AKIA
      secret_key: sk-222
    basic_auth:
      username: u
      password: ""
)";
  absl::StatusOr<Config> cfg = ParseConfig(yaml, "p.yml");
  std::string shown = cfg.ok() ? cfg->shown_text : ShownConfigYaml(yaml);
  for (const char* secret : {"hunter2", "tok-123", "cs-456", "BEGIN PRIVATE", "hidden-789",
                             "bt-000", "ct-111", "sk-222"}) {
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << "\n" << shown;
  }
  for (const char* kept : {"admin", "client_id: id", "/etc/key.pem", "visible", "AKIA",
                           "job_name: b"}) {
    EXPECT_NE(shown.find(kept), std::string::npos) << kept << "\n" << shown;
  }
  EXPECT_NE(shown.find("password: <secret>"), std::string::npos) << shown;
  // The redacted YAML is still YAML with the same shape.
  EXPECT_NE(ShownConfigYaml(shown), yaml);
  EXPECT_EQ(ShownConfigYaml(shown), shown);
}

TEST(ShownConfigYamlTest, TextWithoutSecretsIsShownAsWritten) {
  const char* yaml = "# comment kept\nglobal:\n  scrape_interval: 15s\n";
  absl::StatusOr<Config> cfg = ParseConfig(yaml, "p.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->shown_text, yaml);
}

}  // namespace
}  // namespace vigil::server

namespace vigil::server {
namespace {

TEST(ExpandEnvTest, GoOsExpandRules) {
  setenv("VIGIL_T_CLUSTER", "eu-1", 1);
  unsetenv("VIGIL_T_UNSET");
  EXPECT_EQ(ExpandEnv("${VIGIL_T_CLUSTER}"), "eu-1");
  EXPECT_EQ(ExpandEnv("a-$VIGIL_T_CLUSTER-b"), "a-eu-1-b");
  EXPECT_EQ(ExpandEnv("x${VIGIL_T_UNSET}y"), "xy");
  EXPECT_EQ(ExpandEnv("$$"), "$");
  EXPECT_EQ(ExpandEnv("$(POD_NAME)"), "$(POD_NAME)");
  EXPECT_EQ(ExpandEnv("cost$"), "cost$");
  EXPECT_EQ(ExpandEnv("${}x"), "x");
  EXPECT_EQ(ExpandEnv("plain"), "plain");
}

TEST(ExpandEnvTest, ExternalLabelsAreExpandedAndShownExpanded) {
  setenv("VIGIL_T_REPLICA", "prometheus-k8s-0", 1);
  absl::StatusOr<Config> cfg = ParseConfig(
      "global:\n  external_labels:\n    replica: ${VIGIL_T_REPLICA}\n    empty: ${VIGIL_T_UNSET}\n",
      "p.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->global.external_labels.ToString(), "{replica=\"prometheus-k8s-0\"}");
  EXPECT_NE(cfg->shown_text.find("replica: prometheus-k8s-0"), std::string::npos)
      << cfg->shown_text;
}

}  // namespace
}  // namespace vigil::server
