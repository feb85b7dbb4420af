#include "examples/server/flags.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace vigil::server {
namespace {

absl::StatusOr<Flags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "server");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

absl::StatusOr<Flags> ParseStrings(const std::vector<std::string>& args) {
  std::vector<const char*> p;
  for (const std::string& a : args) p.push_back(a.c_str());
  return Parse(p);
}

// Checks that `args` fail with InvalidArgument naming `flag`.
void ExpectRejected(std::vector<const char*> args, const std::string& flag) {
  absl::StatusOr<Flags> f = Parse(args);
  ASSERT_FALSE(f.ok()) << args[0];
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(f.status().message(), flag))
      << f.status().message();
}

TEST(FlagsTest, DefaultsMatchPrometheus3) {
  absl::StatusOr<Flags> f = Parse({});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->config_file, "prometheus.yml");
  EXPECT_EQ(f->listen_address, "0.0.0.0:9090");
  EXPECT_EQ(f->storage_path, "data/");
  EXPECT_EQ(f->lookback_delta, "5m");
  EXPECT_EQ(f->query_max_samples, 50000000);
  EXPECT_EQ(f->remote_read_sample_limit, 50000000);
  EXPECT_FALSE(f->enable_lifecycle);
  EXPECT_EQ(f->web_config_file, "");
  EXPECT_EQ(f->web_max_connections, 512);
  EXPECT_EQ(f->web_read_timeout, "5m");
  EXPECT_EQ(f->web_cors_origin, ".*");
  EXPECT_EQ(f->web_page_title,
            "Prometheus Time Series Collection and Processing Server");
  EXPECT_TRUE(f->tsdb_wal_compression);
  EXPECT_EQ(f->tsdb_min_block_duration, "2h");
  EXPECT_EQ(f->tsdb_max_block_duration, "");
  EXPECT_FALSE(f->tsdb_no_lockfile);
  EXPECT_EQ(f->notification_batch_size, 256);
  EXPECT_TRUE(f->given.empty());
  EXPECT_EQ(FlagsWithoutEffectWarning(*f), "");
}

TEST(FlagsTest, PrometheusSpellingsWork) {
  absl::StatusOr<Flags> f =
      Parse({"--config.file=/etc/prometheus/prometheus.yml",
             "--storage.tsdb.path", "/prometheus",
             "--storage.tsdb.retention.time=30d", "--web.enable-lifecycle",
             "--web.listen-address=127.0.0.1:0", "--query.max-samples=1000"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->config_file, "/etc/prometheus/prometheus.yml");
  EXPECT_EQ(f->storage_path, "/prometheus");
  EXPECT_EQ(f->retention_time, "30d");
  EXPECT_TRUE(f->enable_lifecycle);
  EXPECT_EQ(f->listen_address, "127.0.0.1:0");
  EXPECT_EQ(f->query_max_samples, 1000);
  f = Parse({"--web.enable-lifecycle", "--no-web.enable-lifecycle"});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->enable_lifecycle);
  f = Parse({"--no-storage.tsdb.wal-compression", "--web.max-connections",
             "100", "--storage.remote.read-sample-limit=5e3"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE(f->tsdb_wal_compression);
  EXPECT_EQ(f->web_max_connections, 100);
  EXPECT_EQ(f->remote_read_sample_limit, 5000);
}

// What prometheus-operator's StatefulSet passes to a Prometheus 3.x
// server (pkg/prometheus/promcfg.go BuildCommonPrometheusArgs and
// pkg/prometheus/server/statefulset.go: Thanos sidecar with compaction
// off, web config, OTLP and remote-write receiver enabled).
TEST(FlagsTest, PrometheusOperatorServerArguments) {
  absl::StatusOr<Flags> f = Parse({
      "--config.file=/etc/prometheus/config_out/prometheus.env.yaml",
      "--web.enable-lifecycle",
      "--web.page-title=Team A",
      "--web.max-connections=1024",
      "--web.enable-remote-write-receiver",
      "--web.remote-write-receiver.accepted-protobuf-messages="
      "prometheus.WriteRequest",
      "--web.enable-otlp-receiver",
      "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
      "--web.external-url=http://prometheus.example.com/",
      "--web.route-prefix=/",
      "--log.level=debug",
      "--log.format=json",
      "--storage.tsdb.retention.time=24h",
      "--storage.tsdb.retention.size=512MB",
      "--storage.tsdb.path=/prometheus",
      "--web.enable-admin-api",
      "--rules.alert.for-outage-tolerance=1h",
      "--rules.alert.for-grace-period=10m",
      "--rules.alert.resend-delay=1m",
      "--query.lookback-delta=5m",
      "--query.max-samples=50000000",
      "--query.max-concurrency=20",
      "--query.timeout=2m",
      "--no-storage.tsdb.wal-compression",
      "--web.config.file=/etc/prometheus/web_config/web-config.yaml",
      "--storage.tsdb.max-block-duration=2h",
      "--storage.tsdb.min-block-duration=2h",
      "--no-storage.tsdb.allow-overlapping-compaction",
  });
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->config_file, "/etc/prometheus/config_out/prometheus.env.yaml");
  EXPECT_EQ(f->route_prefix, "/");
  EXPECT_EQ(f->storage_path, "/prometheus");
  EXPECT_EQ(f->retention_size, "512MB");
  EXPECT_TRUE(f->enable_admin_api);
  EXPECT_EQ(f->web_config_file, "/etc/prometheus/web_config/web-config.yaml");
  EXPECT_EQ(f->web_page_title, "Team A");
  EXPECT_EQ(f->tsdb_max_block_duration, "2h");
  EXPECT_EQ(f->log_format, "json");
  // One line; values Vigil already behaves as (min-block-duration=2h, an
  // uncompressed WAL, remote write 1.0, debug level) are left out.
  EXPECT_EQ(FlagsWithoutEffectWarning(*f),
            "flags accepted without effect: --web.enable-otlp-receiver, "
            "--enable-feature=exemplar-storage, "
            "--enable-feature=memory-snapshot-on-shutdown, "
            "--no-storage.tsdb.allow-overlapping-compaction "
            "(see docs/compatibility.md)");

  // The same operator for a 2.x image adds the console flags and, with
  // Thanos delaying compaction, the shipper file; agent mode its own.
  f = Parse({"--config.file=/etc/prometheus/config_out/prometheus.env.yaml",
             "--web.console.templates=/etc/prometheus/consoles",
             "--web.console.libraries=/etc/prometheus/console_libraries",
             "--storage.tsdb.retention=24h",
             "--storage.tsdb.delay-compact-file.path="
             "/prometheus/thanos.shipper.json",
             "--storage.tsdb.allow-overlapping-blocks",
             "--web.listen-address=127.0.0.1:9090"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->retention_time, "24h");
  EXPECT_EQ(f->listen_address, "127.0.0.1:9090");
  EXPECT_EQ(FlagsWithoutEffect(*f).size(), 4u);
  f = Parse({"--config.file=/etc/prometheus/config_out/prometheus.env.yaml",
             "--agent", "--storage.agent.path=/prometheus",
             "--no-storage.agent.wal-compression", "--web.route-prefix=/"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(FlagsWithoutEffectWarning(*f),
            "flags accepted without effect: --agent, "
            "--storage.agent.path=/prometheus, "
            "--no-storage.agent.wal-compression (see docs/compatibility.md)");
}

// The prom/prometheus image's CMD: 3.x, and 2.x with the console flags.
TEST(FlagsTest, PrometheusImageDefaultCommand) {
  absl::StatusOr<Flags> f =
      Parse({"--config.file=/etc/prometheus/prometheus.yml",
             "--storage.tsdb.path=/prometheus"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(FlagsWithoutEffectWarning(*f), "");
  f = Parse({"--config.file=/etc/prometheus/prometheus.yml",
             "--storage.tsdb.path=/prometheus",
             "--web.console.libraries=/usr/share/prometheus/console_libraries",
             "--web.console.templates=/usr/share/prometheus/consoles"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->storage_path, "/prometheus");
  EXPECT_EQ(FlagsWithoutEffectWarning(*f),
            "flags accepted without effect: "
            "--web.console.libraries=/usr/share/prometheus/console_libraries, "
            "--web.console.templates=/usr/share/prometheus/consoles "
            "(see docs/compatibility.md)");
}

TEST(FlagsTest, BadInputNamesTheFlag) {
  ExpectRejected({"--storage.tsdb.retention.time=15x"},
                 "storage.tsdb.retention.time");
  ExpectRejected({"--no-such-flag"}, "--no-such-flag");
  ExpectRejected({"--no-config.file"}, "--no-config.file");
  ExpectRejected({"--log.level=loud"}, "log.level");
  ExpectRejected({"--web.read-timeout=abc"}, "web.read-timeout");
  ExpectRejected({"--storage.tsdb.min-block-duration", "soon"},
                 "storage.tsdb.min-block-duration");
  ExpectRejected({"--web.max-connections=many"}, "web.max-connections");
  ExpectRejected({"--web.max-connections=1e12"}, "web.max-connections");
  ExpectRejected({"--auto-gomemlimit.ratio=most"}, "auto-gomemlimit.ratio");
  ExpectRejected({"--scrape.timestamp-tolerance=2x"},
                 "scrape.timestamp-tolerance");
  ExpectRejected({"--storage.tsdb.retention.size=100"},
                 "storage.tsdb.retention.size");
  ExpectRejected({"--storage.tsdb.wal-compression-type=lz4"},
                 "storage.tsdb.wal-compression-type");
  ExpectRejected({"--web.remote-write-receiver.accepted-protobuf-messages=x"},
                 "web.remote-write-receiver.accepted-protobuf-messages");
  ExpectRejected({"--web.enable-lifecycle=yes"}, "web.enable-lifecycle");
  ExpectRejected({"--web.external-url"}, "web.external-url");
  ExpectRejected({"--web.external-url", "--web.enable-lifecycle"},
                 "web.external-url");
  ExpectRejected({"prometheus.yml"}, "prometheus.yml");
  ExpectRejected({"-config.file=x"}, "-c");
  EXPECT_EQ(Parse({"--help"}).status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Parse({"-h"}).status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Parse({"--version"}).status().code(), absl::StatusCode::kCancelled);
}

TEST(FlagsTest, FlagValuesForStatusApi) {
  absl::StatusOr<Flags> f = Parse(
      {"--web.enable-lifecycle",
       "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
       "--rules.alert.for-outage-tolerance=2h", "--web.console.templates=/c"});
  ASSERT_TRUE(f.ok()) << f.status();
  std::map<std::string, std::string> v = FlagValues(*f);
  EXPECT_EQ(v["web.enable-lifecycle"], "true");
  EXPECT_EQ(v["web.enable-admin-api"], "false");
  EXPECT_EQ(v["query.lookback-delta"], "5m");
  EXPECT_EQ(v["rules.alert.for-outage-tolerance"], "2h");
  EXPECT_EQ(v["enable-feature"],
            "exemplar-storage,memory-snapshot-on-shutdown");
  EXPECT_EQ(v["web.console.templates"], "/c");
  EXPECT_EQ(v["web.console.libraries"], "console_libraries");
  EXPECT_EQ(v["web.max-connections"], "512");
  EXPECT_EQ(v["storage.tsdb.retention.time"], "0s");
  EXPECT_EQ(v["storage.tsdb.retention.size"], "0B");
  EXPECT_EQ(v["storage.remote.read-sample-limit"], "50000000");
  EXPECT_EQ(v["auto-gomemlimit.ratio"], "0.9");
  EXPECT_EQ(v["web.listen-address"], "0.0.0.0:9090");
  EXPECT_EQ(v.count("storage.tsdb.retention"), 0u);  // 2.x: only if given
  EXPECT_FALSE(Parse({"--rules.alert.for-grace-period=soon"}).ok());
}

TEST(FlagsTest, RepeatedListenAddressesAndFeatures) {
  absl::StatusOr<Flags> f =
      Parse({"--web.listen-address=:9090", "--web.listen-address=:9091",
             "--enable-feature=a", "--enable-feature=b,c"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->listen_address, ":9090");
  EXPECT_EQ(f->features, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(FlagsWithoutEffect(*f),
            (std::vector<std::string>{"--enable-feature=a", "--enable-feature=b",
                                      "--enable-feature=c"}));
  EXPECT_EQ(f->listen_addresses, (std::vector<std::string>{":9090", ":9091"}));
}

// Every flag of Prometheus 3.x (cmd/prometheus/main.go of v3.0 to v3.14,
// hidden ones included, plus log.level/log.format) and the 2.x flags 3.x
// dropped, each with a valid value; "" marks a switch.
struct FlagSample {
  const char* name;
  const char* value;
};
constexpr FlagSample kPrometheus3Flags[] = {
    {"config.file", "p.yml"},
    {"config.auto-reload", ""},
    {"config.auto-reload-interval", "1m"},
    {"web.listen-address", "127.0.0.1:9090"},
    {"auto-gomaxprocs", ""},
    {"auto-gomemlimit", ""},
    {"auto-gomemlimit.ratio", "0.8"},
    {"auto-gomemlimit.refresh-interval", "1m"},
    {"web.config.file", "web.yml"},
    {"web.read-timeout", "1m"},
    {"web.max-connections", "100"},
    {"web.max-notifications-subscribers", "4"},
    {"web.external-url", "http://x/"},
    {"web.route-prefix", "/"},
    {"web.user-assets", "/assets"},
    {"web.enable-lifecycle", ""},
    {"web.enable-admin-api", ""},
    {"web.enable-remote-write-receiver", ""},
    {"web.remote-write-receiver.accepted-protobuf-messages",
     "io.prometheus.write.v2.Request"},
    {"web.enable-otlp-receiver", ""},
    {"web.console.templates", "consoles"},
    {"web.console.libraries", "console_libraries"},
    {"web.page-title", "t"},
    {"web.cors.origin", "https?://x\\.com"},
    {"storage.tsdb.path", "/prometheus"},
    {"storage.tsdb.min-block-duration", "2h"},
    {"storage.tsdb.max-block-duration", "1d"},
    {"storage.tsdb.max-block-chunk-segment-size", "512MB"},
    {"storage.tsdb.wal-segment-size", "100MB"},
    {"storage.tsdb.retention.time", "15d"},
    {"storage.tsdb.retention.size", "1GB"},
    {"storage.tsdb.no-lockfile", ""},
    {"storage.tsdb.allow-overlapping-compaction", ""},
    {"storage.tsdb.wal-compression", ""},
    {"storage.tsdb.wal-compression-type", "zstd"},
    {"storage.tsdb.head-chunks-write-queue-size", "1000"},
    {"storage.tsdb.samples-per-chunk", "240"},
    {"storage.tsdb.delayed-compaction.max-percent", "5"},
    {"storage.tsdb.delay-compact-file.path", "/p/thanos.shipper.json"},
    {"storage.tsdb.block-reload-interval", "30s"},
    {"storage.agent.path", "data-agent/"},
    {"storage.agent.wal-segment-size", "10MiB"},
    {"storage.agent.wal-compression", ""},
    {"storage.agent.wal-compression-type", "snappy"},
    {"storage.agent.wal-truncate-frequency", "2h"},
    {"storage.agent.retention.min-time", "5m"},
    {"storage.agent.retention.max-time", "4h"},
    {"storage.agent.checkpoint-from-in-memory-series", ""},
    {"storage.agent.checkpoint-batch-size", "500"},
    {"storage.agent.no-lockfile", ""},
    {"storage.remote.flush-deadline", "30s"},
    {"storage.remote.read-sample-limit", "5e7"},
    {"storage.remote.read-concurrent-limit", "0"},
    {"storage.remote.read-max-bytes-in-frame", "1048576"},
    {"web.search.max-limit", "100"},
    {"rules.alert.for-outage-tolerance", "1h"},
    {"rules.alert.for-grace-period", "10m"},
    {"rules.alert.resend-delay", "1m"},
    {"rules.max-concurrent-evals", "8"},
    {"scrape.adjust-timestamps", ""},
    {"scrape.timestamp-tolerance", "2ms"},
    {"alertmanager.notification-queue-capacity", "100"},
    {"alertmanager.notification-batch-size", "64"},
    {"alertmanager.drain-notification-queue-on-shutdown", ""},
    {"query.lookback-delta", "5m"},
    {"query.timeout", "2m"},
    {"query.max-concurrency", "20"},
    {"query.max-samples", "1000"},
    {"scrape.discovery-reload-interval", "5s"},
    {"enable-feature", "native-histograms"},
    {"agent", ""},
    {"log.level", "warn"},
    {"log.format", "json"},
    // Prometheus 2.x only.
    {"storage.tsdb.retention", "15d"},
    {"storage.tsdb.allow-overlapping-blocks", ""},
    {"alertmanager.timeout", "10s"},
    {"storage.exemplars.exemplars-limit", "100000"},
    {"scrape.name-escaping-scheme", "underscores"},
};

TEST(FlagsTest, EveryPrometheusFlagIsAccepted) {
  std::set<std::string> registered;
  for (const FlagSummary& s : AllFlags()) registered.insert(s.name);
  for (const FlagSample& s : kPrometheus3Flags) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(registered.count(s.name), 1u);
    std::vector<std::vector<std::string>> forms;
    if (*s.value == '\0') {
      forms = {{absl::StrCat("--", s.name)}, {absl::StrCat("--no-", s.name)}};
    } else {
      forms = {{absl::StrCat("--", s.name, "=", s.value)},
               {absl::StrCat("--", s.name), s.value}};
    }
    for (const std::vector<std::string>& args : forms) {
      absl::StatusOr<Flags> f = ParseStrings(args);
      ASSERT_TRUE(f.ok()) << args[0] << ": " << f.status();
      EXPECT_EQ(f->given, std::vector<std::string>{s.name});
      EXPECT_EQ(FlagValues(*f).count(s.name), 1u);
    }
  }
  // Kingpin's built-in flags and Prometheus's hidden documentation flag.
  for (const char* action :
       {"--help-long", "--help-man", "--write-documentation"}) {
    EXPECT_EQ(Parse({action}).status().code(), absl::StatusCode::kCancelled);
  }
}

TEST(FlagsTest, HelpListsEveryFlag) {
  absl::StatusOr<Flags> f = Parse({"--help"});
  ASSERT_EQ(f.status().code(), absl::StatusCode::kCancelled);
  for (const FlagSummary& s : AllFlags()) {
    EXPECT_TRUE(absl::StrContains(f.status().message(),
                                  absl::StrCat("  --", s.name, "")))
        << s.name;
  }
  EXPECT_TRUE(absl::StrContains(f.status().message(),
                                "--web.console.templates=\"consoles\""));
}

}  // namespace
}  // namespace vigil::server
