#include "libsd/static/static.h"

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

TEST(StaticTest, SourcesAreIndexesAndRunSendsOnce) {
  auto cfg = ParseStaticConfigs(
      YAML::Load("- targets: ['a:1']\n  labels: {x: y}\n- targets: ['b:2']"),
      "p.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  ASSERT_EQ((*cfg)->groups().size(), 2u);
  EXPECT_EQ((*cfg)->groups()[0].source, "0");
  EXPECT_EQ((*cfg)->groups()[1].source, "1");
  EXPECT_EQ((*cfg)->Name(), "static");

  auto d = (*cfg)->NewDiscoverer();
  ASSERT_TRUE(d.ok());
  absl::Notification stop;
  std::vector<std::vector<TargetGroup>> sent;
  stop.Notify();  // Run returns right after its first send
  (*d)->Run(stop, [&](std::vector<TargetGroup> g) { sent.push_back(g); });
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].size(), 2u);
  EXPECT_EQ(sent[0][0].labels.Get("x"), "y");
  EXPECT_EQ(sent[0][1].targets[0].Get("__address__"), "b:2");
}

TEST(StaticTest, FingerprintTracksContent) {
  auto a = ParseStaticConfigs(YAML::Load("- targets: ['a:1']"));
  auto b = ParseStaticConfigs(YAML::Load("- targets: ['a:1']"));
  auto c = ParseStaticConfigs(YAML::Load("- targets: ['a:2']"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->Fingerprint(), (*b)->Fingerprint());
  EXPECT_NE((*a)->Fingerprint(), (*c)->Fingerprint());
}

TEST(StaticTest, BadGroupIsAnError) {
  auto cfg = ParseStaticConfigs(YAML::Load("- targets: ['a:1']\n  foo: 1"),
                                "p.yml");
  EXPECT_EQ(std::string(cfg.status().message()),
            "p.yml:2:3: field foo not found in type targetgroup.Group");
}

}  // namespace
}  // namespace vigil::sd
