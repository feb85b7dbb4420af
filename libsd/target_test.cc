#include "libsd/target.h"

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using model::Labels;

TargetSettings Settings(const char* relabel_yaml = "[]") {
  TargetSettings s;
  s.job_name = "node";
  s.scrape_interval = absl::Seconds(15);
  s.scrape_timeout = absl::Seconds(10);
  auto r = ParseRelabelConfigs(YAML::Load(relabel_yaml));
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) s.relabel_configs = *r;
  return s;
}

std::string Populate(const TargetSettings& s, const Labels& t,
                     const Labels& g = Labels()) {
  auto res = PopulateLabels(s, t, g);
  if (!res.ok()) return "error: " + std::string(res.status().message());
  if (!res->has_value()) return "dropped";
  return (*res)->ToString();
}

TEST(TargetTest, DefaultsAndInstance) {
  TargetSettings s = Settings();
  EXPECT_EQ(Populate(s, Labels::FromPairs({{"__address__", "h:9100"}}),
                     Labels::FromPairs({{"env", "prod"}})),
            "{__address__=\"h:9100\", __metrics_path__=\"/metrics\", "
            "__scheme__=\"http\", __scrape_interval__=\"15s\", "
            "__scrape_timeout__=\"10s\", env=\"prod\", instance=\"h:9100\", "
            "job=\"node\"}");
}

TEST(TargetTest, NoDefaultPortIn3x) {
  auto res = PopulateLabels(Settings(), Labels::FromPairs({{"__address__", "h"}}),
                            Labels());
  ASSERT_TRUE(res.ok() && res->has_value());
  EXPECT_EQ((*res)->Get("__address__"), "h");
  EXPECT_EQ((*res)->Get("instance"), "h");
}

TEST(TargetTest, TargetLabelsWinOverGroupAndDefaults) {
  TargetSettings s = Settings();
  s.params["module"] = {"http_2xx", "other"};
  s.scheme = "https";
  auto res = PopulateLabels(
      s,
      Labels::FromPairs({{"__address__", "h:1"}, {"env", "dev"},
                         {"job", "custom"}, {"__metrics_path__", "/m"}}),
      Labels::FromPairs({{"env", "prod"}, {"team", "a"}}));
  ASSERT_TRUE(res.ok() && res->has_value());
  const Labels& l = **res;
  EXPECT_EQ(l.Get("env"), "dev");
  EXPECT_EQ(l.Get("team"), "a");
  EXPECT_EQ(l.Get("job"), "custom");
  EXPECT_EQ(l.Get("__metrics_path__"), "/m");
  EXPECT_EQ(l.Get("__scheme__"), "https");
  EXPECT_EQ(l.Get("__param_module"), "http_2xx");
  EXPECT_EQ(TargetSeriesLabels(l).ToString(),
            "{env=\"dev\", instance=\"h:1\", job=\"custom\", team=\"a\"}");
}

TEST(TargetTest, MetaLabelsUsableInRelabelThenDeleted) {
  TargetSettings s = Settings(
      "- {source_labels: [__meta_x], target_label: from_meta}\n"
      "- {source_labels: [__meta_x], target_label: instance, "
      "replacement: 'inst-$1'}");
  auto res = PopulateLabels(
      s, Labels::FromPairs({{"__address__", "h:1"}, {"__meta_x", "v"}}),
      Labels::FromPairs({{"__meta_group", "g"}}));
  ASSERT_TRUE(res.ok() && res->has_value());
  EXPECT_EQ((*res)->Get("from_meta"), "v");
  EXPECT_EQ((*res)->Get("instance"), "inst-v");
  EXPECT_FALSE((*res)->Has("__meta_x"));
  EXPECT_FALSE((*res)->Has("__meta_group"));
}

TEST(TargetTest, DropIsNotAnError) {
  TargetSettings s = Settings("- {source_labels: [__address__], action: drop}");
  EXPECT_EQ(Populate(s, Labels::FromPairs({{"__address__", "h:1"}})), "dropped");
}

TEST(TargetTest, ChecksUsePrometheusWords) {
  EXPECT_EQ(Populate(Settings(), Labels()), "error: no address");
  EXPECT_EQ(Populate(Settings(), Labels::FromPairs({{"__address__", "h/x"}})),
            "error: \"h/x\" is not a valid hostname");
  TargetSettings s = Settings();
  s.scrape_timeout = absl::Seconds(20);
  EXPECT_EQ(Populate(s, Labels::FromPairs({{"__address__", "h:1"}})),
            "error: scrape timeout cannot be greater than scrape interval "
            "(\"20s\" > \"15s\")");
  EXPECT_EQ(Populate(Settings("- {target_label: __scrape_interval__, "
                              "replacement: 0s}"),
                     Labels::FromPairs({{"__address__", "h:1"}})),
            "error: scrape interval cannot be 0");
  EXPECT_EQ(Populate(Settings("- {target_label: __scrape_timeout__, "
                              "replacement: 'abc'}"),
                     Labels::FromPairs({{"__address__", "h:1"}})),
            "error: error parsing scrape timeout: not a valid duration "
            "string: \"abc\"");
  // Interval and timeout labels may be changed per target by relabeling.
  auto res = PopulateLabels(
      Settings("- {target_label: __scrape_interval__, replacement: 1m}\n"
               "- {target_label: __scrape_timeout__, replacement: 30s}"),
      Labels::FromPairs({{"__address__", "h:1"}}), Labels());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ((**res).Get("__scrape_interval__"), "1m");
}

TEST(TargetTest, TargetsFromGroupKeepsDiscoveredLabels) {
  TargetSettings s = Settings(
      "- {source_labels: [__address__], regex: 'bad.*', action: drop}");
  TargetGroup g;
  g.targets = {Labels::FromPairs({{"__address__", "good:1"}}),
               Labels::FromPairs({{"__address__", "bad:1"}}),
               Labels::FromPairs({{"other", "x"}})};
  g.labels = Labels::FromPairs({{"__meta_filepath", "/x.json"}});
  std::vector<PipelineTarget> out = TargetsFromGroup(s, g);
  ASSERT_EQ(out.size(), 3u);
  ASSERT_TRUE(out[0].labels.has_value());
  EXPECT_EQ(out[0].discovered.Get("__meta_filepath"), "/x.json");
  EXPECT_FALSE(out[0].labels->Has("__meta_filepath"));
  EXPECT_FALSE(out[1].labels.has_value());
  EXPECT_TRUE(out[1].status.ok());
  EXPECT_FALSE(out[2].labels.has_value());
  EXPECT_EQ(out[2].status.message(), "no address");
}

}  // namespace
}  // namespace vigil::sd
