#include "libsd/sd_configs.h"

#include <fstream>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libsd/manager.h"

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

TEST(SDConfigsTest, ParsesEveryProvider) {
  auto cfgs = ParseSDConfigs(YAML::Load(R"(
job_name: all
scrape_interval: 15s
static_configs: [{targets: ['a:1']}]
file_sd_configs: [{files: ['sd/*.json']}]
kubernetes_sd_configs: [{role: pod}, {role: node, api_server: 'https://k:6443'}]
dns_sd_configs: [{names: ['_x._tcp.example.com']}]
http_sd_configs: [{url: 'http://sd.example/targets'}]
relabel_configs: []
)"),
                             "p.yml", "/etc/prom");
  ASSERT_TRUE(cfgs.ok()) << cfgs.status();
  std::string names;
  for (const auto& c : *cfgs) names += c->Name() + ",";
  EXPECT_EQ(names, "static,file,kubernetes,kubernetes,dns,http,");
}

TEST(SDConfigsTest, ErrorsNameTheProblem) {
  auto st = ParseSDConfigs(YAML::Load("consul_sd_configs: [{server: x}]"), "p.yml")
                .status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(std::string(st.message()),
            "p.yml:1:1: consul_sd_configs is not supported by Vigil");
  st = ParseSDConfigs(YAML::Load("kubernetes_sd_configs: [{role: bogus}]"), "p.yml")
           .status();
  EXPECT_EQ(std::string(st.message()),
            "p.yml:1:32: unknown Kubernetes SD role \"bogus\"");
  st = ParseSDConfigs(YAML::Load("file_sd_configs: {files: [a.json]}"), "p.yml")
           .status();
  EXPECT_EQ(std::string(st.message()), "p.yml:1:18: expected a list of SD configs");
  EXPECT_TRUE(IsSDConfigKey("ec2_sd_configs"));
  EXPECT_TRUE(IsSDConfigKey("static_configs"));
  EXPECT_FALSE(IsSDConfigKey("relabel_configs"));
}

// The Manager running real providers parsed from YAML: a static and a
// file_sd config in one job, a reload that changes only the static part.
TEST(SDConfigsTest, ManagerRunsParsedProviders) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = tmp ? tmp : "/tmp";
  std::ofstream(dir + "/targets.json") << R"([{"targets": ["f1:9100", "f2:9100"]}])";
  auto parse = [&](const std::string& static_target) {
    auto cfgs = ParseSDConfigs(
        YAML::Load("static_configs: [{targets: ['" + static_target +
                   "']}]\nfile_sd_configs: [{files: ['targets.json']}]"),
        "p.yml", dir);
    EXPECT_TRUE(cfgs.ok()) << cfgs.status();
    return *cfgs;
  };
  absl::Mutex mu;
  Manager::GroupsByJob last;
  Manager m({absl::Milliseconds(20)}, [&](const Manager::GroupsByJob& g) {
    absl::MutexLock l(&mu);
    last = g;
  });
  auto addresses = [&]() {
    absl::MutexLock l(&mu);
    std::string out;
    for (const auto& g : last["node"]) {
      for (const auto& t : g.targets) out += std::string(t.Get("__address__")) + ",";
    }
    return out;
  };
  auto wait_for = [&](const std::string& want) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline && addresses() != want) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return addresses();
  };
  ASSERT_TRUE(m.ApplyConfig({{"node", parse("s1:9100")}}).ok());
  EXPECT_EQ(wait_for("f1:9100,f2:9100,s1:9100,"), "f1:9100,f2:9100,s1:9100,");
  uint64_t file_refreshes = m.stats().refreshes["file"];
  EXPECT_GE(file_refreshes, 1u);
  ASSERT_TRUE(m.ApplyConfig({{"node", parse("s2:9100")}}).ok());
  EXPECT_EQ(wait_for("f1:9100,f2:9100,s2:9100,"), "f1:9100,f2:9100,s2:9100,");
  // Only the new static discoverer started: one initial send each from the
  // first static and file discoverers, one from the second static one. A
  // restarted file discoverer would have sent its groups again.
  EXPECT_EQ(m.stats().updates_received, 3u);
  EXPECT_GE(m.stats().refreshes["file"], file_refreshes);
  EXPECT_EQ(m.stats().discoverers, 2u);
  m.Stop();
}

}  // namespace
}  // namespace vigil::sd
