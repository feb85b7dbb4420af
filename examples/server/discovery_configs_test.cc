#include "examples/server/discovery_configs.h"

#include <cstdlib>
#include <fstream>

#include "examples/server/config.h"
#include "gtest/gtest.h"
#include "libsd/manager.h"

namespace vigil::server {
namespace {

TEST(DiscoveryConfigsTest, StaticAndFileSectionsDiscoverTargets) {
  std::string dir = std::getenv("TEST_TMPDIR");
  std::ofstream(dir + "/targets.json")
      << R"([{"targets":["f1:9100","f2:9100"],"labels":{"env":"prod"}}])";
  absl::StatusOr<Config> cfg = ParseConfig(R"(
scrape_configs:
  - job_name: mixed
    static_configs: [{targets: ["s1:80"]}]
    file_sd_configs: [{files: [targets.json], refresh_interval: 1s}]
    kubernetes_sd_configs: [{role: pod, api_server: "http://127.0.0.1:1"}]
    consul_sd_configs: [{server: "localhost:8500"}]
)", dir + "/p.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  std::vector<std::string> warnings;
  auto d = BuildDiscoverers(cfg->scrape_configs[0].sd_configs, "mixed", cfg->path,
                            dir + "/", &warnings);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->size(), 3u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("consul_sd_configs"), std::string::npos);

  // Through libsd's manager: both providers' targets arrive for the job.
  absl::Mutex mu;
  size_t targets = 0;
  sd::Manager::Options opts;
  opts.update_interval = absl::Milliseconds(10);
  sd::Manager m(opts, [&](const sd::Manager::GroupsByJob& g) {
    absl::MutexLock l(&mu);
    targets = 0;
    for (const auto& tg : g.at("mixed")) targets += tg.targets.size();
  });
  ASSERT_TRUE(m.ApplyConfig({{"mixed", *d}}).ok());
  absl::MutexLock l(&mu);
  mu.AwaitWithTimeout(absl::Condition(+[](size_t* t) { return *t == 3; }, &targets),
                      absl::Seconds(10));
  EXPECT_EQ(targets, 3u);
}

TEST(DiscoveryConfigsTest, BadSectionIsAnError) {
  YAML::Node n = YAML::Load("[{url: 'ftp://x'}]");
  auto d = BuildDiscoverers({{"http_sd_configs", n}}, "j", "p.yml", "", nullptr);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  YAML::Node k = YAML::Load("[{role: nonsense}]");
  d = BuildDiscoverers({{"kubernetes_sd_configs", k}}, "j", "p.yml", "", nullptr);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::server
