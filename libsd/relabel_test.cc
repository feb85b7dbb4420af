#include "libsd/relabel.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using model::Labels;

std::vector<RelabelConfig> Parse(const std::string& yaml) {
  auto cfgs = ParseRelabelConfigs(YAML::Load(yaml), "test.yml");
  EXPECT_TRUE(cfgs.ok()) << cfgs.status() << "\n" << yaml;
  return cfgs.ok() ? *cfgs : std::vector<RelabelConfig>{};
}

absl::Status ParseError(const std::string& yaml,
                        NameValidation names = NameValidation::kUtf8) {
  return ParseRelabelConfigs(YAML::Load(yaml), "test.yml", names).status();
}

struct Case {
  const char* name;
  Labels input;
  const char* rules;  // YAML list of relabel configs
  std::optional<Labels> want;  // nullopt: dropped
};

// Cases follow model/relabel semantics (contract §1.4).
std::vector<Case> Cases() {
  return {
      {"replace with groups",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'f(.*)', target_label: d, "
       "replacement: 'ch${1}-ch${1}'}",
       Labels::FromPairs({{"a", "foo"}, {"d", "choo-choo"}})},
      {"replace joins sources with separator",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}}),
       "- {source_labels: [a, b], regex: 'f(.*);(.*)r', target_label: a, "
       "replacement: 'b${1}${2}m'}",
       Labels::FromPairs({{"a", "boobam"}, {"b", "bar"}})},
      {"custom separator",
       Labels::FromPairs({{"a", "x"}, {"b", "y"}}),
       "- {source_labels: [a, b], separator: '-', target_label: c}",
       Labels::FromPairs({{"a", "x"}, {"b", "y"}, {"c", "x-y"}})},
      {"missing source label reads as empty",
       Labels::FromPairs({{"a", "x"}}),
       "- {source_labels: [a, zz, b], target_label: c}",
       Labels::FromPairs({{"a", "x"}, {"c", "x;;"}})},
      {"rules chain in order",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}}),
       "- {source_labels: [a], regex: 'f(.*)', target_label: d, "
       "replacement: 'ch${1}'}\n"
       "- {source_labels: [d, b], regex: '(.*);(.*)', target_label: e, "
       "replacement: '$1+$2'}",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}, {"d", "choo"},
                          {"e", "choo+bar"}})},
      {"no match leaves labels alone",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'x(.*)', target_label: d}",
       Labels::FromPairs({{"a", "foo"}})},
      {"regex is anchored",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'o', target_label: d, replacement: y}",
       Labels::FromPairs({{"a", "foo"}})},
      {"empty replacement deletes target",
       Labels::FromPairs({{"a", "foo"}, {"d", "old"}}),
       "- {source_labels: [a], regex: 'foo', target_label: d, "
       "replacement: ''}",
       Labels::FromPairs({{"a", "foo"}})},
      {"default regex on absent source deletes target",
       Labels::FromPairs({{"a", "foo"}, {"d", "old"}}),
       "- {source_labels: [nope], target_label: d}",
       Labels::FromPairs({{"a", "foo"}})},
      {"fast path sets static replacement",
       Labels::FromPairs({{"a", "foo"}}),
       "- {target_label: __address__, replacement: 'kubernetes.default.svc:443'}",
       Labels::FromPairs(
           {{"a", "foo"}, {"__address__", "kubernetes.default.svc:443"}})},
      {"$1x is group named 1x, so empty",
       Labels::FromPairs({{"a", "foo"}, {"d", "old"}}),
       "- {source_labels: [a], target_label: d, replacement: '$1x'}",
       Labels::FromPairs({{"a", "foo"}})},
      {"${1}x",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], target_label: d, replacement: '${1}x'}",
       Labels::FromPairs({{"a", "foo"}, {"d", "foox"}})},
      {"named groups",
       Labels::FromPairs({{"a", "foobar"}}),
       "- {source_labels: [a], regex: '(?P<head>foo)(?P<tail>.*)', "
       "target_label: d, replacement: '$tail-${head}'}",
       Labels::FromPairs({{"a", "foobar"}, {"d", "bar-foo"}})},
      {"dollar dollar is literal",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], target_label: d, replacement: '$$1'}",
       Labels::FromPairs({{"a", "foo"}, {"d", "$1"}})},
      {"target label from a group",
       Labels::FromPairs({{"a", "some-name-value"}}),
       "- {source_labels: [a], regex: 'some-([^-]+)-([^,]+)', "
       "target_label: '${1}', replacement: '${2}'}",
       Labels::FromPairs({{"a", "some-name-value"}, {"name", "value"}})},
      {"expanded empty target is skipped",
       Labels::FromPairs({{"a", "x"}}),
       "- {source_labels: [a], regex: '(.*)', target_label: '${2}', "
       "replacement: v}",
       Labels::FromPairs({{"a", "x"}})},
      {"dot matches newline",
       Labels::FromPairs({{"a", "line1\nline2"}}),
       "- {source_labels: [a], regex: 'line1.(.*)', target_label: b}",
       Labels::FromPairs({{"a", "line1\nline2"}, {"b", "line2"}})},
      {"seed address rewrite",
       Labels::FromPairs(
           {{"__address__", "10.1.2.3:8080"},
            {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"}}),
       "- source_labels: [__address__, "
       "__meta_kubernetes_pod_annotation_prometheus_io_port]\n"
       "  action: replace\n  regex: ([^:]+)(?::\\d+)?;(\\d+)\n"
       "  replacement: $1:$2\n  target_label: __address__",
       Labels::FromPairs(
           {{"__address__", "10.1.2.3:9102"},
            {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"}})},
      {"keep matching",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'f.*', action: keep}",
       Labels::FromPairs({{"a", "foo"}})},
      {"keep not matching drops",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'f', action: keep}",
       std::nullopt},
      {"keep on absent label with regex true drops",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [x], regex: 'true', action: keep}",
       std::nullopt},
      {"drop matching",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: '.*o.*', action: drop}",
       std::nullopt},
      {"drop not matching keeps",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: 'bar', action: drop}",
       Labels::FromPairs({{"a", "foo"}})},
      {"drop stops later rules",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], action: drop}\n"
       "- {target_label: b, replacement: x}",
       std::nullopt},
      {"action names are case-insensitive",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [a], regex: foo, action: DROP}",
       std::nullopt},
      {"keepequal equal keeps",
       Labels::FromPairs({{"a", "1"}, {"b", "1"}}),
       "- {source_labels: [a], target_label: b, action: keepequal}",
       Labels::FromPairs({{"a", "1"}, {"b", "1"}})},
      {"keepequal different drops",
       Labels::FromPairs({{"a", "1"}, {"b", "2"}}),
       "- {source_labels: [a], target_label: b, action: keepequal}",
       std::nullopt},
      {"dropequal equal drops",
       Labels::FromPairs({{"a", "1"}, {"b", "1"}}),
       "- {source_labels: [a], target_label: b, action: DropEqual}",
       std::nullopt},
      {"dropequal different keeps",
       Labels::FromPairs({{"a", "1"}, {"b", "2"}}),
       "- {source_labels: [a], target_label: b, action: dropequal}",
       Labels::FromPairs({{"a", "1"}, {"b", "2"}})},
      {"hashmod md5 last 8 bytes",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}, {"c", "baz"}}),
       "- {source_labels: [c], target_label: d, action: hashmod, "
       "modulus: 1000}",
       Labels::FromPairs(
           {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}})},
      {"hashmod joins sources",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}}),
       "- {source_labels: [a, b], target_label: d, action: hashmod, "
       "modulus: 1000}",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}, {"d", "750"}})},
      {"hashmod of empty value",
       Labels::FromPairs({{"a", "foo"}}),
       "- {source_labels: [x], target_label: d, action: hashmod, "
       "modulus: 1000}",
       Labels::FromPairs({{"a", "foo"}, {"d", "958"}})},
      {"hashmod large modulus",
       Labels::FromPairs({{"c", "baz"}}),
       "- {source_labels: [c], target_label: d, action: hashmod, "
       "modulus: 18446744073709551615}",
       Labels::FromPairs({{"c", "baz"}, {"d", "16450797887570275976"}})},
      {"labelmap copies matching names",
       Labels::FromPairs({{"__meta_kubernetes_pod_label_app", "web"},
                          {"__meta_kubernetes_pod_label_tier", "fe"},
                          {"other", "x"}}),
       "- {action: labelmap, regex: '__meta_kubernetes_pod_label_(.+)'}",
       Labels::FromPairs({{"__meta_kubernetes_pod_label_app", "web"},
                          {"__meta_kubernetes_pod_label_tier", "fe"},
                          {"app", "web"},
                          {"tier", "fe"},
                          {"other", "x"}})},
      {"labelmap with replacement template",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}}),
       "- {action: labelmap, regex: '(b)', replacement: '${1}_new'}",
       Labels::FromPairs({{"a", "foo"}, {"b", "bar"}, {"b_new", "bar"}})},
      {"labelmap overwrites existing",
       Labels::FromPairs({{"__meta_x", "new"}, {"x", "old"}}),
       "- {action: labelmap, regex: '__meta_(.+)'}",
       Labels::FromPairs({{"__meta_x", "new"}, {"x", "new"}})},
      {"labelmap to an empty name is skipped",
       Labels::FromPairs({{"foo", "1"}, {"foox", "2"}}),
       "- {action: labelmap, regex: 'foo(.*)'}",
       Labels::FromPairs({{"foo", "1"}, {"foox", "2"}, {"x", "2"}})},
      {"labeldrop",
       Labels::FromPairs({{"a", "1"}, {"b1", "2"}, {"b2", "3"}}),
       "- {action: labeldrop, regex: 'b.*'}",
       Labels::FromPairs({{"a", "1"}})},
      {"labeldrop anchored",
       Labels::FromPairs({{"ab", "1"}, {"b", "2"}}),
       "- {action: labeldrop, regex: 'b'}",
       Labels::FromPairs({{"ab", "1"}})},
      {"labelkeep",
       Labels::FromPairs({{"a", "1"}, {"b1", "2"}, {"b2", "3"}}),
       "- {action: labelkeep, regex: 'b.*'}",
       Labels::FromPairs({{"b1", "2"}, {"b2", "3"}})},
      {"lowercase",
       Labels::FromPairs({{"a", "FoO"}, {"b", "ÄÖÜ"}}),
       "- {source_labels: [a, b], target_label: c, action: lowercase}",
       Labels::FromPairs({{"a", "FoO"}, {"b", "ÄÖÜ"}, {"c", "foo;äöü"}})},
      {"uppercase",
       Labels::FromPairs({{"a", "foo"}, {"b", "straße"}}),
       "- {source_labels: [a, b], target_label: c, action: uppercase}",
       Labels::FromPairs({{"a", "foo"}, {"b", "straße"}, {"c", "FOO;STRAßE"}})},
      {"lowercase of empty deletes target",
       Labels::FromPairs({{"c", "x"}}),
       "- {source_labels: [nope], target_label: c, action: lowercase}",
       Labels()},
      {"no rules",
       Labels::FromPairs({{"a", "1"}}), "[]", Labels::FromPairs({{"a", "1"}})},
  };
}

TEST(RelabelTest, ProcessTable) {
  for (const Case& c : Cases()) {
    std::vector<RelabelConfig> cfgs = Parse(c.rules);
    std::optional<Labels> got = Process(c.input, cfgs);
    if (!c.want) {
      EXPECT_FALSE(got.has_value()) << c.name << ": got " << got->ToString();
      continue;
    }
    ASSERT_TRUE(got.has_value()) << c.name << ": dropped";
    EXPECT_EQ(got->ToString(), c.want->ToString()) << c.name;
  }
}

TEST(RelabelTest, ProcessBuilderAgreesWithProcess) {
  for (const Case& c : Cases()) {
    std::vector<RelabelConfig> cfgs = Parse(c.rules);
    model::LabelsBuilder b(c.input);
    bool keep = ProcessBuilder(&b, cfgs);
    EXPECT_EQ(keep, c.want.has_value()) << c.name;
    if (keep && c.want) {
      EXPECT_EQ(b.Build().ToString(), c.want->ToString()) << c.name;
    }
  }
}

TEST(RelabelTest, RepeatedCallsReuseScratchCorrectly) {
  // Many different inputs through the same thread-local scratch: each
  // result must reflect only its own input.
  std::vector<RelabelConfig> cfgs =
      Parse("- {action: labelmap, regex: 'l_(.+)'}\n"
            "- {source_labels: [i], target_label: j, replacement: 'n$1'}");
  for (int i = 0; i < 2000; ++i) {
    std::string v = std::to_string(i) + std::string(i % 300, 'x');
    Labels in = Labels::FromPairs({{"i", v}, {"l_k", v + "k"}});
    std::optional<Labels> out = Process(in, cfgs);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->Get("j"), "n" + v);
    EXPECT_EQ(out->Get("k"), v + "k");
    EXPECT_EQ(out->size(), 4u);
  }
}

TEST(RelabelTest, DefaultsAfterParse) {
  std::vector<RelabelConfig> cfgs = Parse("- {target_label: x}");
  ASSERT_EQ(cfgs.size(), 1u);
  EXPECT_EQ(cfgs[0].separator, ";");
  EXPECT_EQ(cfgs[0].regex.expr(), "(.*)");
  EXPECT_EQ(cfgs[0].replacement, "$1");
  EXPECT_EQ(cfgs[0].action, RelabelAction::kReplace);
  EXPECT_EQ(cfgs[0].modulus, 0u);
}

TEST(RelabelTest, ActionNames) {
  for (const char* n : {"replace", "keep", "drop", "keepequal", "dropequal",
                        "hashmod", "labelmap", "labeldrop", "labelkeep",
                        "lowercase", "uppercase"}) {
    auto a = ParseRelabelAction(n);
    ASSERT_TRUE(a.ok()) << n;
    EXPECT_EQ(RelabelActionName(*a), n);
  }
  EXPECT_TRUE(ParseRelabelAction("LabelMap").ok());
  EXPECT_EQ(ParseRelabelAction("nope").status().message(),
            "unknown relabel action \"nope\"");
}

struct ErrorCase {
  const char* yaml;
  const char* want;  // expected full message
};

TEST(RelabelTest, ValidationErrorsUsePrometheusWords) {
  const ErrorCase cases[] = {
      {"- {source_labels: [a]}",
       "test.yml:1:3: relabel configuration for replace action requires "
       "'target_label' value"},
      {"- {source_labels: [a], action: hashmod, target_label: b}",
       "test.yml:1:3: relabel configuration for hashmod requires non-zero "
       "modulus"},
      {"- {action: lowercase}",
       "test.yml:1:3: relabel configuration for lowercase action requires "
       "'target_label' value"},
      {"- {action: uppercase, target_label: a, replacement: x}",
       "test.yml:1:3: 'replacement' can not be set for uppercase action"},
      {"- {action: keepequal, target_label: a, regex: x}",
       "test.yml:1:3: keepequal action requires only 'source_labels' and "
       "`target_label`, and no other fields"},
      {"- {action: dropequal}",
       "test.yml:1:3: relabel configuration for dropequal action requires "
       "'target_label' value"},
      {"- {action: labeldrop, regex: x, source_labels: [a]}",
       "test.yml:1:3: labeldrop action requires only 'regex', and no other "
       "fields"},
      {"- {action: labelkeep, regex: x, separator: ','}",
       "test.yml:1:3: labelkeep action requires only 'regex', and no other "
       "fields"},
      {"- {action: labelmap, regex: x, replacement: ''}",
       "test.yml:1:3: \"\" is invalid 'replacement' for labelmap action"},
      {"- action: frobnicate",
       "test.yml:1:11: unknown relabel action \"frobnicate\""},
      {"- target_label: a\n  foo: 1",
       "test.yml:2:3: field foo not found in type relabel.plain"},
      {"- target_label: a\n  modulus: -1",
       "test.yml:2:12: cannot unmarshal !!str `-1` into uint64"},
      {"- target_label: a\n  source_labels: b",
       "test.yml:2:18: cannot unmarshal !!str `b` into []string"},
      {"- target_label: [a]",
       "test.yml:1:17: cannot unmarshal !!seq into string"},
      {"- 42", "test.yml:1:3: relabel config must be a map of relabel fields"},
      {"foo: bar", "test.yml:1:1: relabel configs must be a list"},
  };
  for (const auto& c : cases) {
    absl::Status st = ParseError(c.yaml);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_EQ(std::string(st.message()), c.want) << c.yaml;
  }
}

TEST(RelabelTest, RegexErrorCarriesPosition) {
  absl::Status st = ParseError("- target_label: a\n  regex: '(abc'");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().substr(0, 46),
            "test.yml:2:10: error parsing regexp: missing c")
      << st;
}

TEST(RelabelTest, LegacyNamesRejectNonLegacyTargets) {
  EXPECT_TRUE(ParseError("- {target_label: 'foo.bar'}").ok());
  absl::Status st =
      ParseError("- {target_label: 'foo.bar'}", NameValidation::kLegacy);
  EXPECT_EQ(std::string(st.message()),
            "test.yml:1:3: \"foo.bar\" is invalid 'target_label' for replace "
            "action");
  st = ParseError("- {source_labels: ['1a'], target_label: x}",
                  NameValidation::kLegacy);
  EXPECT_EQ(std::string(st.message()), "test.yml:1:19: \"1a\" is not a valid label name");
  // Templates in target_label are allowed for replace.
  EXPECT_TRUE(ParseError("- {target_label: '${1}', regex: '(.*)'}",
                         NameValidation::kLegacy)
                  .ok());
}

TEST(RelabelTest, NullRegexMeansEmptyRegex) {
  std::vector<RelabelConfig> cfgs =
      Parse("- source_labels: [a]\n  regex:\n  action: keep");
  ASSERT_EQ(cfgs.size(), 1u);
  EXPECT_EQ(cfgs[0].regex.expr(), "");
  EXPECT_TRUE(Process(Labels::FromPairs({{"b", "1"}}), cfgs).has_value());
  EXPECT_FALSE(Process(Labels::FromPairs({{"a", "1"}}), cfgs).has_value());
}

TEST(RelabelTest, ProcessStepsReportsEachRuleAndStopsAtDrop) {
  std::vector<RelabelConfig> cfgs = Parse(R"(
- source_labels: [__address__]
  target_label: instance
- regex: __meta_.*
  action: labeldrop
- source_labels: [env]
  regex: prod
  action: keep
- target_label: never
  replacement: set
)");
  Labels in = Labels::FromPairs(
      {{"__address__", "h:9100"}, {"__meta_x", "1"}, {"env", "dev"}});
  std::vector<RelabelStep> steps = ProcessSteps(in, cfgs);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_TRUE(steps[0].keep);
  EXPECT_EQ(steps[0].output.ToString(),
            R"({__address__="h:9100", __meta_x="1", env="dev", instance="h:9100"})");
  EXPECT_TRUE(steps[1].keep);
  EXPECT_EQ(steps[1].output.ToString(),
            R"({__address__="h:9100", env="dev", instance="h:9100"})");
  EXPECT_FALSE(steps[2].keep);
  EXPECT_TRUE(steps[2].output.empty());
  EXPECT_FALSE(steps[3].keep);
  EXPECT_TRUE(steps[3].output.empty());
  // The last step agrees with Process().
  in = Labels::FromPairs({{"__address__", "h:1"}, {"env", "prod"}});
  steps = ProcessSteps(in, cfgs);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_TRUE(steps[3].keep);
  EXPECT_EQ(steps[3].output, *Process(in, cfgs));
  EXPECT_TRUE(ProcessSteps(in, {}).empty());
}

}  // namespace
}  // namespace vigil::sd
