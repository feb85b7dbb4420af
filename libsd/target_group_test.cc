#include "libsd/target_group.h"

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using model::Labels;

TEST(TargetGroupTest, ParsesYamlList) {
  auto groups = ParseTargetGroups(
      YAML::Load("- targets: ['a:1', 'b:2']\n  labels: {env: prod}\n"
                 "- targets: []\n"),
      "sd.yml");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  const TargetGroup& g = (*groups)[0];
  ASSERT_EQ(g.targets.size(), 2u);
  EXPECT_EQ(g.targets[0], Labels::FromPairs({{"__address__", "a:1"}}));
  EXPECT_EQ(g.targets[1], Labels::FromPairs({{"__address__", "b:2"}}));
  EXPECT_EQ(g.labels, Labels::FromPairs({{"env", "prod"}}));
  EXPECT_TRUE((*groups)[1].targets.empty());
}

TEST(TargetGroupTest, YamlErrors) {
  auto st = ParseTargetGroups(YAML::Load("- targets: [a]\n  lables: {}"),
                              "sd.yml")
                .status();
  EXPECT_EQ(std::string(st.message()),
            "sd.yml:2:3: field lables not found in type targetgroup.Group");
  st = ParseTargetGroups(YAML::Load("- targets: a"), "sd.yml").status();
  EXPECT_EQ(std::string(st.message()),
            "sd.yml:1:12: cannot unmarshal !!str `a` into []string");
  st = ParseTargetGroups(YAML::Load("- labels: {'': x}"), "sd.yml").status();
  EXPECT_EQ(std::string(st.message()),
            "sd.yml:1:11: \"\" is not a valid label name");
  st = ParseTargetGroups(YAML::Load("- ~"), "sd.yml").status();
  EXPECT_EQ(std::string(st.message()),
            "sd.yml:1:3: nil target group item found");
}

TEST(TargetGroupTest, ParsesJson) {
  auto groups = ParseTargetGroupsJson(
      R"([{"targets": ["h:9100"], "labels": {"a": "b"}, "extra": 1},
          {"targets": []}])",
      "f.json");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].targets[0].Get("__address__"), "h:9100");
  EXPECT_EQ((*groups)[0].labels.Get("a"), "b");
}

TEST(TargetGroupTest, JsonErrors) {
  EXPECT_EQ(std::string(ParseTargetGroupsJson("[{", "f.json").status().message()),
            "f.json: invalid JSON");
  EXPECT_EQ(std::string(ParseTargetGroupsJson("{}", "f.json").status().message()),
            "f.json: json: cannot unmarshal into []*targetgroup.Group");
  EXPECT_EQ(std::string(ParseTargetGroupsJson(R"([{"targets": [1]}])", "f.json")
                            .status()
                            .message()),
            "f.json: [0].targets: must be a list of strings");
  EXPECT_EQ(std::string(ParseTargetGroupsJson(R"([{"labels": {"a": 1}}])", "f.json")
                            .status()
                            .message()),
            "f.json: [0].labels.a: label value must be a string");
  EXPECT_EQ(std::string(ParseTargetGroupsJson("[null]", "f.json").status().message()),
            "f.json: nil target group item found");
}

}  // namespace
}  // namespace vigil::sd
