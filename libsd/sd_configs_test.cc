#include "libsd/sd_configs.h"

#include <string>

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

}  // namespace
}  // namespace vigil::sd
