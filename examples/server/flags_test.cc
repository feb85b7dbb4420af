#include "examples/server/flags.h"

#include <vector>

#include "gtest/gtest.h"

namespace vigil::server {
namespace {

absl::StatusOr<Flags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "server");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

TEST(FlagsTest, DefaultsMatchPrometheus3) {
  absl::StatusOr<Flags> f = Parse({});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->config_file, "prometheus.yml");
  EXPECT_EQ(f->listen_address, "0.0.0.0:9090");
  EXPECT_EQ(f->storage_path, "data/");
  EXPECT_EQ(f->lookback_delta, "5m");
  EXPECT_EQ(f->query_max_samples, 50000000);
  EXPECT_FALSE(f->enable_lifecycle);
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
}

TEST(FlagsTest, BadInputNamesTheFlag) {
  absl::StatusOr<Flags> f = Parse({"--storage.tsdb.retention.time=15x"});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("storage.tsdb.retention.time"),
            std::string::npos);
  EXPECT_FALSE(Parse({"--no-such-flag"}).ok());
  EXPECT_FALSE(Parse({"--log.level=loud"}).ok());
  EXPECT_EQ(Parse({"--help"}).status().code(), absl::StatusCode::kCancelled);
}

TEST(FlagsTest, FlagValuesForStatusApi) {
  absl::StatusOr<Flags> f = Parse({"--web.enable-lifecycle",
                                   "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
                                   "--rules.alert.for-outage-tolerance=2h"});
  ASSERT_TRUE(f.ok()) << f.status();
  std::map<std::string, std::string> v = FlagValues(*f);
  EXPECT_EQ(v["web.enable-lifecycle"], "true");
  EXPECT_EQ(v["web.enable-admin-api"], "false");
  EXPECT_EQ(v["query.lookback-delta"], "5m");
  EXPECT_EQ(v["rules.alert.for-outage-tolerance"], "2h");
  EXPECT_EQ(v["enable-feature"], "exemplar-storage,memory-snapshot-on-shutdown");
  EXPECT_FALSE(Parse({"--rules.alert.for-grace-period=soon"}).ok());
}

}  // namespace
}  // namespace vigil::server
