#include "libscrape/metadata_store.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vigil::scrape {
namespace {

using Kind = MetadataStore::Update::Kind;
using textparse::MetricType;

MetadataStore::Update Type(absl::string_view m, MetricType t) {
  return {Kind::kType, m, {}, t};
}
MetadataStore::Update Help(absl::string_view m, absl::string_view h) {
  return {Kind::kHelp, m, h};
}
MetadataStore::Update Unit(absl::string_view m, absl::string_view u) {
  return {Kind::kUnit, m, u};
}

TEST(MetadataStoreTest, RecordsTypeHelpUnitByFamily) {
  MetadataStore s;
  s.Apply({Help("http_requests", "Requests."),
           Type("http_requests", MetricType::kCounter),
           Unit("http_requests", "requests"), Help("only_help", "h")});
  std::optional<MetricMetadata> m = s.Get("http_requests");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->metric, "http_requests");
  EXPECT_EQ(m->type, MetricType::kCounter);
  EXPECT_EQ(m->help, "Requests.");
  EXPECT_EQ(m->unit, "requests");
  // HELP without TYPE: type unknown, as Prometheus.
  ASSERT_TRUE(s.Get("only_help").has_value());
  EXPECT_EQ(s.Get("only_help")->type, MetricType::kUnknown);
  EXPECT_FALSE(s.Get("nope").has_value());
  std::vector<MetricMetadata> all = s.List();
  ASSERT_EQ(all.size(), 2);
  EXPECT_EQ(all[0].metric, "http_requests");
  EXPECT_EQ(all[1].metric, "only_help");
}

TEST(MetadataStoreTest, UpdatesChangesAndForgetsAfterTenScrapes) {
  MetadataStore s;
  s.Apply({Help("a", "old"), Type("a", MetricType::kGauge), Help("b", "b")});
  s.Apply({Help("a", "new"), Type("a", MetricType::kCounter)});
  EXPECT_EQ(s.Get("a")->help, "new");
  EXPECT_EQ(s.Get("a")->type, MetricType::kCounter);
  // b was last seen in scrape 1; it stays for 10 more scrapes.
  for (int i = 0; i < 9; ++i) s.Apply({Help("a", "new")});
  EXPECT_TRUE(s.Get("b").has_value());  // scrape 11
  s.Apply({Help("a", "new")});           // scrape 12
  EXPECT_FALSE(s.Get("b").has_value());
  EXPECT_TRUE(s.Get("a").has_value());
  EXPECT_EQ(s.size(), 1);
}

TEST(MetadataStoreTest, BoundedFamiliesAndText) {
  MetadataStore s(2);
  std::string big(MetadataStore::kMaxTextBytes + 100, 'x');
  s.Apply({Help("a", big), Help("b", "b"), Help("c", "c"), Help("d", "d")});
  EXPECT_EQ(s.size(), 2);
  EXPECT_EQ(s.dropped(), 2);
  EXPECT_FALSE(s.Get("c").has_value());
  EXPECT_EQ(s.Get("a")->help.size(), MetadataStore::kMaxTextBytes);
  // Existing families still update when the store is full.
  s.Apply({Help("a", "short"), Help("b", "b2")});
  EXPECT_EQ(s.Get("a")->help, "short");
  EXPECT_EQ(s.Get("b")->help, "b2");
}

}  // namespace
}  // namespace vigil::scrape

namespace vigil::scrape {
namespace {

TEST(MetadataStoreTest, RepeatedScrapesTakeTheFastPathAndStillAge) {
  MetadataStore s;
  std::vector<MetadataStore::Update> u = {
      {MetadataStore::Update::Kind::kHelp, "a", "h"},
      {MetadataStore::Update::Kind::kType, "a", {}, textparse::MetricType::kGauge},
      {MetadataStore::Update::Kind::kHelp, "b", "hb"}};
  s.Apply(u);
  for (int i = 0; i < 20; ++i) s.Apply(u);  // identical scrapes
  EXPECT_EQ(s.size(), 2);
  EXPECT_EQ(s.Get("a")->type, textparse::MetricType::kGauge);
  // b disappears: the slow path once, then identical scrapes age it out.
  u.pop_back();
  for (int i = 0; i < 10; ++i) s.Apply(u);
  EXPECT_TRUE(s.Get("b").has_value());
  s.Apply(u);
  EXPECT_FALSE(s.Get("b").has_value());
  EXPECT_EQ(s.Get("a")->help, "h");
  // A full store records a family once room frees up, even when the
  // scrapes repeat.
  MetadataStore full(1);
  std::vector<MetadataStore::Update> two = {
      {MetadataStore::Update::Kind::kHelp, "old", "o"}};
  full.Apply(two);
  two = {{MetadataStore::Update::Kind::kHelp, "new", "n"}};
  for (int i = 0; i < 12; ++i) full.Apply(two);
  EXPECT_TRUE(full.Get("new").has_value());
  EXPECT_FALSE(full.Get("old").has_value());
}

}  // namespace
}  // namespace vigil::scrape
