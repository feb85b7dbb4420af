#include "librules/rule_file.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "librules/expr_check.h"
#include "librules/internal/test_util.h"

namespace vigil::rules {
namespace {

using ::testing::HasSubstr;

absl::Status Parse(absl::string_view yaml, RuleFileOptions opts = {}) {
  return ParseRuleFile(yaml, "rules.yml", opts).status();
}

TEST(RuleFileTest, ParsesAllFields) {
  absl::StatusOr<RuleFile> f = ParseRuleFile(R"(
groups:
- name: g1
  interval: 30s
  query_offset: 1m
  limit: 10
  labels: {team: a}
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
    labels: {b: "2", a: "1"}
  - alert: Down
    expr: up == 0
    for: 5m
    keep_firing_for: 1m
    labels: {severity: page}
    annotations:
      summary: "{{ $labels.instance }} down"
- name: g2
  rules: []
)",
                                             "f.yml");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->groups.size(), 2);
  const RuleGroupNode& g = f->groups[0];
  EXPECT_EQ(g.name, "g1");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.query_offset_ms, 60000);
  EXPECT_EQ(g.limit, 10);
  ASSERT_EQ(g.rules.size(), 2);
  EXPECT_EQ(g.rules[0].record, "job:up:sum");
  EXPECT_EQ(g.rules[0].labels[0].first, "a");  // sorted
  EXPECT_FALSE(g.rules[0].is_alert());
  EXPECT_EQ(g.rules[1].alert, "Down");
  EXPECT_EQ(g.rules[1].for_ms, 300000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 60000);
  EXPECT_EQ(g.rules[1].annotations[0].second, "{{ $labels.instance }} down");
  EXPECT_FALSE(f->groups[1].interval_ms.has_value());
  EXPECT_TRUE(ParseRuleFile("", "empty.yml").ok());
}

// Messages below are what promtool 2.42 prints for the same input.
TEST(RuleFileTest, PrometheusErrorWording) {
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n  - name: yolo\n").message(),
            "rules.yml: 3:5: groupname: \"yolo\" is repeated in the same file");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - record: Hello\n"
                  "        expr: 1\n        for: 1m\n")
                .message(),
            "rules.yml: 4:17: group \"yolo\", rule 1, \"Hello\": invalid field "
            "'for' in recording rule");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - record: Hi\n"
                  "        alert: Hello\n        expr: 1\n")
                .message(),
            "rules.yml: 4:17: 5:16: group \"yolo\", rule 1, \"Hello\": only "
            "one of 'record' and 'alert' must be set");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - expr: 1\n")
                .message(),
            "rules.yml: 0:0: group \"yolo\", rule 1, \"\": one of 'record' or "
            "'alert' must be set");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - record: ylo\n")
                .message(),
            "rules.yml: 0:0: group \"yolo\", rule 1, \"ylo\": field 'expr' "
            "must be set in rule");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - alert: hola\n"
                  "        expr: 1\n        annotation:\n          a: b\n")
                .message(),
            "rules.yml: yaml: unmarshal errors:\n  line 6: field annotation "
            "not found in type rulefmt.RuleNode");
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - record: hola\n"
                  "        expr: 1\n        labels:\n          __name__: x\n")
                .message(),
            "rules.yml: group \"yolo\", rule 1, \"hola\": invalid label name: "
            "__name__");
  RuleFileOptions legacy;
  legacy.name_validation = NameValidation::kLegacy;
  EXPECT_EQ(Parse("groups:\n  - name: yolo\n    rules:\n      - alert: hola\n"
                  "        expr: 1\n        annotations:\n          ins-tance: x\n",
                  legacy)
                .message(),
            "rules.yml: group \"yolo\", rule 1, \"hola\": invalid annotation "
            "name: ins-tance");
  EXPECT_EQ(Parse("groups:\n- name: alerts\n  rules:\n  - alert: InstanceDown\n"
                  "    expr: up == 0\n    annotations:\n"
                  "      summary: \"Instance {{ $label.foo }} down\"\n")
                .message(),
            "rules.yml: group \"alerts\", rule 1, \"InstanceDown\": annotation "
            "\"summary\": template: __alert_InstanceDown:1: undefined variable "
            "\"$label\"");
}

TEST(RuleFileTest, MoreErrors) {
  EXPECT_THAT(Parse("groups:\n- name: g\n  interval: 1x\n").message(),
              HasSubstr("rules.yml: 3:13: not a valid duration string: \"1x\""));
  EXPECT_THAT(Parse("groups:\n- name: g\n  rules:\n  - alert: a\n    expr: 1\n"
                    "    for: 5\n")
                  .message(),
              HasSubstr("6:10: not a valid duration string: \"5\""));
  EXPECT_THAT(Parse("groups:\n- name: g\n  limit: abc\n").message(),
              HasSubstr("line 3: cannot unmarshal !!str `abc` into int"));
  EXPECT_THAT(Parse("groups:\n- name: ''\n").message(),
              HasSubstr("Groupname must not be empty"));
  EXPECT_THAT(Parse("groups:\n- name: g\n  rules:\n  - record: a\n    expr: 1\n"
                    "    expr: 2\n")
                  .message(),
              HasSubstr("line 6: mapping key \"expr\" already defined at line 5"));
  EXPECT_THAT(Parse("groups: {a: 1}\n").message(),
              HasSubstr("cannot unmarshal !!map into []rulefmt.RuleGroup"));
  EXPECT_THAT(Parse("groups:\n- name: g\n  rules:\n  - record: a\n    expr: [1]\n")
                  .message(),
              HasSubstr("line 5: cannot unmarshal !!seq into string"));
  EXPECT_THAT(Parse("groups: [\n").message(), HasSubstr("rules.yml: yaml: line"));
  EXPECT_THAT(Parse("foo: 1\n").message(),
              HasSubstr("field foo not found in type rulefmt.RuleGroups"));
  EXPECT_THAT(Parse("groups:\n- name: g\n  owner: x\n").message(),
              HasSubstr("line 3: field owner not found in type rulefmt.RuleGroup"));
  RuleFileOptions ignore;
  ignore.ignore_unknown_fields = true;
  EXPECT_TRUE(Parse("groups:\n- name: g\n  owner: x\n", ignore).ok());
  EXPECT_THAT(Parse("groups:\n- name: g\n  rules:\n  - record: 'a{b=\"c\"}'\n"
                    "    expr: 1\n")
                  .message(),
              HasSubstr("braces present in the recording rule name; should it "
                        "be in expr?: a{b=\"c\"}"));
  EXPECT_THAT(Parse("groups:\n- name: g\n  labels: {__name__: x}\n").message(),
              HasSubstr("invalid label name: __name__"));
  // Every error of a file is reported, one per line.
  absl::Status two = Parse(
      "groups:\n- name: g\n  rules:\n  - record: a\n    expr: 1\n    for: 1m\n"
      "  - alert: b\n");
  EXPECT_THAT(two.message(), HasSubstr("rule 1"));
  EXPECT_THAT(two.message(), HasSubstr("\nrules.yml: 0:0: group \"g\", rule 2"));
}

TEST(RuleFileTest, ExpressionCheck) {
  RuleFileOptions opts;
  opts.check_expr = [](absl::string_view e) {
    return e == "bad(" ? absl::InvalidArgumentError("1:5: parse error: x")
                       : absl::OkStatus();
  };
  EXPECT_EQ(Parse("groups:\n- name: g\n  rules:\n  - record: a\n    expr: bad(\n",
                  opts)
                .message(),
            "rules.yml: 5:11: group \"g\", rule 1, \"a\": could not parse "
            "expression: 1:5: parse error: x");
}

TEST(RuleFileTest, MergeKeysAndAliases) {
  absl::StatusOr<RuleFile> f = ParseRuleFile(R"(
groups:
- name: g
  rules:
  - &base
    alert: A
    expr: &e up == 0
    labels: {severity: page}
  - <<: *base
    alert: B
  - record: r
    expr: *e
)",
                                             "m.yml");
  ASSERT_TRUE(f.ok()) << f.status();
  const auto& rules = f->groups[0].rules;
  ASSERT_EQ(rules.size(), 3);
  EXPECT_EQ(rules[1].alert, "B");
  EXPECT_EQ(rules[1].expr, "up == 0");
  ASSERT_EQ(rules[1].labels.size(), 1);
  EXPECT_EQ(rules[2].expr, "up == 0");
  EXPECT_THAT(FindDuplicateRules(*f), ::testing::IsEmpty());
}

TEST(RuleFileTest, DuplicateLint) {
  absl::StatusOr<RuleFile> f = ParseRuleFile(R"(
groups:
- name: a
  rules:
  - {record: x, expr: "1"}
  - {record: x, expr: "2"}
- name: b
  rules:
  - {record: x, expr: "3"}
  - {record: x, expr: "3", labels: {l: v}}
)",
                                             "d.yml");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(FindDuplicateRules(*f), ::testing::ElementsAre("x{}"));
}

TEST(RuleFileTest, LoadGlobs) {
  std::string dir = testing::MakeTempDir();
  ASSERT_FALSE(dir.empty());
  for (const auto& [name, body] : std::map<std::string, std::string>{
           {"a.rules", "groups: [{name: a, rules: [{record: x, expr: '1'}]}]\n"},
           {"b.rules", "groups: [{name: b}]\n"},
           {"c.txt", "not: [rules\n"}}) {
    FILE* fp = fopen((dir + "/" + name).c_str(), "w");
    fputs(body.c_str(), fp);
    fclose(fp);
  }
  absl::StatusOr<std::vector<RuleFile>> files =
      LoadRuleFiles({dir + "/*.rules", dir + "/a.rules", dir + "/none*.yml"});
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 2);
  EXPECT_EQ((*files)[0].groups[0].name, "a");
  EXPECT_EQ((*files)[1].groups[0].name, "b");
  absl::StatusOr<std::vector<RuleFile>> bad = LoadRuleFiles({dir + "/*"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("c.txt: yaml:"));
  EXPECT_EQ(LoadRuleFile(dir + "/missing.yml").status().code(),
            absl::StatusCode::kNotFound);
}

// The seed's rule file loads unchanged: alert names with spaces and
// parentheses are valid.
TEST(RuleFileTest, SeedRules) {
  std::string seed = testing::SharedDir("seed");
  if (seed.empty()) GTEST_SKIP() << "../shared/seed is absent";
  RuleFileOptions opts;
  opts.check_expr = CheckPromQLExpr;
  absl::StatusOr<RuleFile> f = LoadRuleFile(seed + "/prometheus.rules", opts);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->groups.size(), 2);
  EXPECT_EQ(f->groups[0].name, "container memory alert");
  EXPECT_EQ(f->groups[0].rules[0].alert,
            "container memory usage rate is very high( > 55%)");
  EXPECT_EQ(f->groups[0].rules[0].for_ms, 60000);
  EXPECT_EQ(f->groups[1].rules[0].labels[0].second, "fatal");
}

// model/rulefmt/testdata: good files load, bad ones fail with Prometheus's
// error text (README §5.2).
TEST(RuleFileTest, RulefmtConformance) {
  std::string dir = testing::SharedDir("conformance");
  if (dir.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  dir += "/rules/rulefmt";
  const std::map<std::string, std::string> bad = {
      {"duplicate_grp.bad.yaml", "groupname: \"yolo\" is repeated in the same file"},
      {"bad_expr.bad.yaml", "parse error"},
      {"record_and_alert.bad.yaml", "only one of 'record' and 'alert' must be set"},
      {"no_rec_alert.bad.yaml", "one of 'record' or 'alert' must be set"},
      {"noexpr.bad.yaml", "field 'expr' must be set in rule"},
      {"invalid_record_name.bad.yaml",
       "braces present in the recording rule name; should it be in expr?: "
       "strawberry{flavor=\"sweet\"}"},
      {"bad_field.bad.yaml", "field annotation not found"},
      {"invalid_label_name.bad.yaml", "invalid label name"},
      {"record_and_for.bad.yaml", "invalid field 'for' in recording rule"},
      {"record_and_keep_firing_for.bad.yaml",
       "invalid field 'keep_firing_for' in recording rule"},
      {"legacy_validation_annotation.bad.yaml",
       "invalid annotation name: ins-tance"},
  };
  RuleFileOptions utf8;
  utf8.check_expr = CheckPromQLExpr;
  RuleFileOptions legacy = utf8;
  legacy.name_validation = NameValidation::kLegacy;
  int checked = 0;
  for (const std::string& path : testing::ListFiles(dir, ".yaml")) {
    std::string name = path.substr(path.rfind('/') + 1);
    bool is_legacy = absl::StartsWith(name, "legacy_");
    const RuleFileOptions& opts = is_legacy ? legacy : utf8;
    absl::StatusOr<RuleFile> f = LoadRuleFile(path, opts);
    auto it = bad.find(name);
    if (it == bad.end()) {
      EXPECT_TRUE(f.ok()) << name << ": " << f.status();
    } else if (name == "bad_expr.bad.yaml" && !PromQLParserAvailable()) {
      continue;
    } else {
      ASSERT_FALSE(f.ok()) << name;
      EXPECT_THAT(f.status().message(), HasSubstr(it->second)) << name;
      if (is_legacy) {
        EXPECT_TRUE(LoadRuleFile(path, utf8).ok()) << name;
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

// rules/fixtures: all valid except invalid_rules.yaml; promtool/ check-rules
// inputs.
TEST(RuleFileTest, FixturesAndPromtoolInputs) {
  std::string dir = testing::SharedDir("conformance");
  if (dir.empty()) GTEST_SKIP() << "../shared/conformance is absent";
  RuleFileOptions opts;
  opts.check_expr = CheckPromQLExpr;
  int n = 0;
  for (const std::string& path :
       testing::ListFiles(dir + "/rules/fixtures", ".yaml")) {
    absl::StatusOr<RuleFile> f = LoadRuleFile(path, opts);
    if (absl::EndsWith(path, "invalid_rules.yaml")) {
      ASSERT_FALSE(f.ok());
      EXPECT_THAT(f.status().message(),
                  HasSubstr("field unexpected_field not found in type "
                            "rulefmt.RuleNode"));
    } else {
      EXPECT_TRUE(f.ok()) << path << ": " << f.status();
    }
    ++n;
  }
  EXPECT_EQ(n, 14);
  std::string p = dir + "/rules/promtool/";
  absl::StatusOr<RuleFile> good = LoadRuleFile(p + "rules.yml", opts);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_THAT(FindDuplicateRules(*good), ::testing::IsEmpty());
  absl::StatusOr<RuleFile> dups = LoadRuleFile(p + "rules_duplicates.yml", opts);
  ASSERT_TRUE(dups.ok()) << dups.status();
  EXPECT_THAT(FindDuplicateRules(*dups),
              ::testing::ElementsAre("job:test:count_over_time1m{}"));
  EXPECT_THAT(LoadRuleFile(p + "rules-bad.yml", opts).status().message(),
              HasSubstr("undefined variable \"$label\""));
  EXPECT_FALSE(LoadRuleFile(p + "rules_extrafields.yml", opts).ok());
  RuleFileOptions ignore = opts;
  ignore.ignore_unknown_fields = true;
  EXPECT_TRUE(LoadRuleFile(p + "rules_extrafields.yml", ignore).ok());
  EXPECT_EQ(FindDuplicateRules(
                *LoadRuleFile(p + "prometheus-rules.lint.yml", opts)),
            std::vector<std::string>{"HighRequestLatency{severity=\"page\"}"});
}

}  // namespace
}  // namespace vigil::rules
