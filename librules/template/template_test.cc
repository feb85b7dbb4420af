#include "librules/template/template.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vigil::rules::tmpl {
namespace {

using ::testing::HasSubstr;

std::string Expand(absl::string_view text, const model::Labels& labels,
                   double value, const ExecOptions& opts = {}) {
  absl::StatusOr<AlertTemplate> t = AlertTemplate::Parse("__alert_Test", text);
  if (!t.ok()) return "PARSE: " + std::string(t.status().message());
  absl::StatusOr<std::string> out = t->Expand(
      labels, model::Labels::FromPairs({{"cluster", "eu1"}}), value, opts);
  if (!out.ok()) return "EXEC: " + std::string(out.status().message());
  return *out;
}

const model::Labels kLabels = model::Labels::FromPairs(
    {{"instance", "host1:9100"}, {"job", "node"}, {"severity", "page"}});

TEST(TemplateTest, VariablesAndFields) {
  EXPECT_EQ(Expand("plain text", kLabels, 1), "plain text");
  EXPECT_EQ(Expand("{{ $labels.instance }} down", kLabels, 1),
            "host1:9100 down");
  EXPECT_EQ(Expand("{{ .Labels.job }}/{{ .Value }}", kLabels, 0.5),
            "node/0.5");
  EXPECT_EQ(Expand("{{ $value }}", kLabels, 1e6), "1e+06");
  EXPECT_EQ(Expand("{{ $externalLabels.cluster }}", kLabels, 1), "eu1");
  EXPECT_EQ(Expand("[{{ $labels.missing }}]", kLabels, 1), "[]");
  EXPECT_EQ(Expand("{{ $labels }}", kLabels, 1),
            "map[instance:host1:9100 job:node severity:page]");
  EXPECT_EQ(Expand("{{ $.Labels.job }}", kLabels, 1), "node");
  EXPECT_EQ(Expand("{{ \"lit\" }} {{ 42 }} {{ 1.5 }} {{ true }}", kLabels, 1),
            "lit 42 1.5 true");
}

TEST(TemplateTest, Pipelines) {
  EXPECT_EQ(Expand("{{ $value | humanize }}", kLabels, 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ $value | printf \"%.2f\" }}", kLabels, 3.14159),
            "3.14");
  EXPECT_EQ(Expand("{{ printf \"%.1f%%\" $value }}", kLabels, 55.55), "55.5%");
  EXPECT_EQ(Expand("{{ $labels.job | toUpper | printf \"<%s>\" }}", kLabels, 1),
            "<NODE>");
  EXPECT_EQ(Expand("{{ (printf \"%s-%s\" \"a\" \"b\") | title }}", kLabels, 1),
            "A-B");
  EXPECT_EQ(Expand("{{ $labels.instance | stripPort }}", kLabels, 1), "host1");
  EXPECT_EQ(Expand("{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}",
                   kLabels, 1),
            "host1");
  EXPECT_EQ(Expand("{{ humanizePercentage 0.25 }}", kLabels, 1), "25%");
  EXPECT_EQ(Expand("{{ \"90\" | humanizeDuration }}", kLabels, 1), "1m 30s");
  EXPECT_EQ(Expand("{{ humanize1024 2048.0 }}", kLabels, 1), "2ki");
  EXPECT_EQ(Expand("{{ humanizeTimestamp 0 }}", kLabels, 1),
            "1970-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(Expand("{{ with $x := args 1 \"b\" }}{{ $x.arg1 }}{{ end }}",
                   kLabels, 1),
            "b");
  EXPECT_EQ(Expand("{{ safeHtml \"<b>\" }}", kLabels, 1), "<b>");
  EXPECT_EQ(Expand("{{ 3661 | toDuration }} {{ 90.5 | toDuration }} "
                   "{{ 0.25 | toDuration }}",
                   kLabels, 1),
            "1h1m1s 1m30.5s 250ms");
  ExecOptions at;
  at.time_ms = 1500;
  EXPECT_EQ(Expand("{{ now }}", kLabels, 1, at), "1.5");
}

TEST(TemplateTest, Control) {
  const char* t =
      "{{ if gt $value 80.0 }}critical{{ else if gt $value 50.0 }}warning"
      "{{ else }}ok{{ end }}";
  EXPECT_EQ(Expand(t, kLabels, 90), "critical");
  EXPECT_EQ(Expand(t, kLabels, 60), "warning");
  EXPECT_EQ(Expand(t, kLabels, 10), "ok");
  EXPECT_EQ(Expand("{{ with $labels.job }}job={{ . }}{{ else }}none{{ end }}",
                   kLabels, 1),
            "job=node");
  EXPECT_EQ(Expand("{{ with $labels.nope }}x{{ else }}none{{ end }}", kLabels,
                   1),
            "none");
  EXPECT_EQ(Expand("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
                   kLabels, 1),
            "instance=host1:9100;job=node;severity=page;");
  EXPECT_EQ(Expand("{{ range $labels }}{{ . }},{{ end }}", kLabels, 1),
            "host1:9100,node,page,");
  EXPECT_EQ(Expand("{{ if and (eq $labels.job \"node\") (ne $labels.severity "
                   "\"info\") }}yes{{ end }}",
                   kLabels, 1),
            "yes");
  EXPECT_EQ(Expand("{{ if or false 0 \"\" }}x{{ else }}y{{ end }}", kLabels, 1),
            "y");
  EXPECT_EQ(Expand("{{ if not (match \"^host\" $labels.instance) }}a{{ else "
                   "}}b{{ end }}",
                   kLabels, 1),
            "b");
  EXPECT_EQ(Expand("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
                   kLabels, 1),
            "2");
  EXPECT_EQ(Expand("a  {{- \" b \" -}}  c", kLabels, 1), "a b c");
  EXPECT_EQ(Expand("a{{/* comment */}}b", kLabels, 1), "ab");
  EXPECT_EQ(Expand("{{ len $labels }}", kLabels, 1), "3");
  EXPECT_EQ(Expand("{{ index $labels \"job\" }}", kLabels, 1), "node");
  EXPECT_EQ(Expand("{{ range $k, $v := $labels }}{{ if eq $k \"job\" }}"
                   "{{ continue }}{{ end }}{{ $v }};{{ end }}",
                   kLabels, 1),
            "host1:9100;page;");
  EXPECT_EQ(Expand("{{ range $k, $v := $labels }}{{ if eq $k \"job\" }}"
                   "{{ break }}{{ end }}{{ $v }};{{ end }}",
                   kLabels, 1),
            "host1:9100;");
}

TEST(TemplateTest, QueryFunctions) {
  ExecOptions opts;
  opts.query = [](absl::string_view q)
      -> absl::StatusOr<std::vector<QuerySample>> {
    if (q == "boom") return absl::InvalidArgumentError("bad query");
    return std::vector<QuerySample>{
        {model::Labels::FromPairs({{"instance", "b"}, {"__name__", "up"}}), 0},
        {model::Labels::FromPairs({{"instance", "a"}, {"__name__", "up"}}), 1},
    };
  };
  EXPECT_EQ(Expand("{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
                   kLabels, 1, opts),
            "0");
  EXPECT_EQ(Expand("{{ query \"up\" | first | label \"instance\" }}", kLabels,
                   1, opts),
            "b");
  EXPECT_EQ(Expand("{{ range query \"up\" | sortByLabel \"instance\" }}"
                   "{{ .Labels.instance }}={{ .Value }} {{ end }}",
                   kLabels, 1, opts),
            "a=1 b=0 ");
  EXPECT_THAT(Expand("{{ query \"boom\" }}", kLabels, 1, opts),
              HasSubstr("error calling query: bad query"));
  EXPECT_THAT(Expand("{{ query \"up\" }}", kLabels, 1),
              HasSubstr("query is not available"));
}

TEST(TemplateTest, ParseErrors) {
  EXPECT_EQ(Expand("{{ $label.instance }}", kLabels, 1),
            "PARSE: template: __alert_Test:1: undefined variable \"$label\"");
  EXPECT_EQ(Expand("line1\n{{ nosuchfunc 1 }}", kLabels, 1),
            "PARSE: template: __alert_Test:2: function \"nosuchfunc\" not "
            "defined");
  EXPECT_THAT(Expand("{{ if true }}x", kLabels, 1), HasSubstr("unexpected EOF"));
  EXPECT_THAT(Expand("{{ end }}", kLabels, 1), HasSubstr("unexpected {{end}}"));
  EXPECT_THAT(Expand("{{ $labels.x", kLabels, 1), HasSubstr("unclosed action"));
  EXPECT_THAT(Expand("{{ \"abc }}", kLabels, 1),
              HasSubstr("unterminated quoted string"));
  EXPECT_THAT(Expand("{{ template \"x\" }}", kLabels, 1),
              HasSubstr("not supported"));
  EXPECT_THAT(Expand("{{ }}", kLabels, 1), HasSubstr("missing value"));
  EXPECT_THAT(Expand("{{ $labels.a | }}", kLabels, 1),
              HasSubstr("missing value for command"));
  EXPECT_THAT(Expand("{{ break }}", kLabels, 1), HasSubstr("outside {{range}}"));
  EXPECT_THAT(Expand("{{ if }}{{ end }}", kLabels, 1),
              HasSubstr("missing value for if"));
  EXPECT_THAT(Expand("{{ $v := 1 }}{{ $v }}{{ with 1 }}{{ $w := 2 }}{{ end }}"
                     "{{ $w }}",
                     kLabels, 1),
              HasSubstr("undefined variable \"$w\""));
}

TEST(TemplateTest, ExecErrors) {
  EXPECT_EQ(Expand("{{ humanize \"abc\" }}", kLabels, 1),
            "EXEC: template: __alert_Test:1:4: executing \"__alert_Test\" at "
            "<humanize \"abc\">: error calling humanize: strconv.ParseFloat: "
            "parsing \"abc\": invalid syntax");
  EXPECT_THAT(Expand("{{ humanize 1 2 }}", kLabels, 1),
              HasSubstr("wrong number of args for humanize: want 1 got 2"));
  EXPECT_THAT(Expand("{{ .Nope }}", kLabels, 1),
              HasSubstr("can't evaluate field Nope in type "
                        "template.AlertTemplateData"));
  EXPECT_THAT(Expand("{{ $value.x }}", kLabels, 1),
              HasSubstr("can't evaluate field x in type float64"));
  EXPECT_THAT(Expand("{{ gt $value 1 }}", kLabels, 1),
              HasSubstr("incompatible types for comparison"));
  EXPECT_THAT(Expand("{{ toUpper $value }}", kLabels, 1),
              HasSubstr("wrong type for value; expected string; got float64"));
  EXPECT_THAT(Expand("{{ first (args) }}", kLabels, 1),
              HasSubstr("wrong type for value"));
}

TEST(TemplateTest, OutputLimit) {
  ExecOptions opts;
  opts.max_output_bytes = 100;
  EXPECT_THAT(Expand("{{ range $i := 1000 }}xxxxxxxxxx{{ end }}", kLabels, 1,
                     opts),
              HasSubstr("output exceeds 100 bytes"));
}

}  // namespace
}  // namespace vigil::rules::tmpl
