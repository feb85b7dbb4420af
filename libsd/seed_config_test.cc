// Every relabel_configs list and every *_sd_configs entry of the seed
// prometheus.yml must parse. Skips when ../shared/seed is absent.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "libsd/relabel.h"
#include "libsd/sd_configs.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

std::string SeedPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  std::string base = srcdir ? std::string(srcdir) + "/" : "";
  for (std::string p :
       {base + "vigil_shared/seed/prometheus.yml",
        base + (ws ? std::string(ws) : "vigil") +
            "/external/vigil_shared/seed/prometheus.yml",
        std::string("external/vigil_shared/seed/prometheus.yml")}) {
    std::ifstream f(p);
    if (f.good()) return p;
  }
  return "";
}

TEST(SeedConfigTest, RelabelConfigsParse) {
  std::string path = SeedPath();
  if (path.empty()) GTEST_SKIP() << "shared/seed/prometheus.yml not present";
  YAML::Node root = YAML::LoadFile(path);
  int lists = 0, rules = 0;
  for (const YAML::Node& job : root["scrape_configs"]) {
    if (!job["relabel_configs"]) continue;
    auto cfgs = ParseRelabelConfigs(job["relabel_configs"], path);
    ASSERT_TRUE(cfgs.ok()) << job["job_name"].as<std::string>() << ": "
                           << cfgs.status();
    ++lists;
    rules += cfgs->size();
  }
  EXPECT_EQ(lists, 5);
  EXPECT_EQ(rules, 1 + 3 + 6 + 3 + 7);
}

TEST(SeedConfigTest, SDConfigsParse) {
  std::string path = SeedPath();
  if (path.empty()) GTEST_SKIP() << "shared/seed/prometheus.yml not present";
  YAML::Node root = YAML::LoadFile(path);
  std::map<std::string, int> by_name;
  for (const YAML::Node& job : root["scrape_configs"]) {
    auto cfgs = ParseSDConfigs(job, path);
    ASSERT_TRUE(cfgs.ok()) << job["job_name"].as<std::string>() << ": "
                           << cfgs.status();
    for (const auto& c : *cfgs) ++by_name[c->Name()];
  }
  for (const YAML::Node& am : root["alerting"]["alertmanagers"]) {
    auto cfgs = ParseSDConfigs(am, path);
    ASSERT_TRUE(cfgs.ok()) << cfgs.status();
    for (const auto& c : *cfgs) ++by_name[c->Name()];
  }
  EXPECT_EQ(by_name["kubernetes"], 5);
  EXPECT_EQ(by_name["static"], 2);
}

}  // namespace
}  // namespace vigil::sd
