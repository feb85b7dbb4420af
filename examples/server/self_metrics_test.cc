// The server's own /metrics against the Prometheus mixin as kube-prometheus
// ships it: every metric the `prometheus` rule group reads
// (../shared/conformance/kube-prometheus/rules/prometheus.rules.yml, read
// in place; the test skips without it) is on a running server's /metrics.
// Names come from the rules' expressions through the PromQL parser (the
// vector selectors' metric names); for `a or b` either side's names
// suffice, as the alert works with either.

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "examples/server/app.h"
#include "examples/server/self_metrics.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libpromql/parser/ast.h"
#include "libpromql/parser/parser.h"
#include "librules/rule_file.h"

namespace vigil::server {
namespace {

namespace parser = ::vigil::promql::parser;

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// ../shared/<part> through VIGIL_SHARED_DIR or the @vigil_shared runfiles.
std::string SharedPath(const std::string& part) {
  std::vector<std::string> bases;
  if (const char* env = std::getenv("VIGIL_SHARED_DIR")) bases.push_back(env);
  if (const char* src = std::getenv("TEST_SRCDIR")) {
    bases.push_back(absl::StrCat(src, "/vigil_shared"));
    bases.push_back(absl::StrCat(src, "/vigil/external/vigil_shared"));
  }
  for (const std::string& b : bases) {
    std::string p = absl::StrCat(b, "/", part);
    if (Exists(p)) return p;
  }
  return "";
}

void AllNames(const parser::Expr& e, std::set<std::string>* out) {
  if (e.kind == parser::NodeKind::kVectorSelector) {
    const auto& vs = e.As<parser::VectorSelector>();
    if (!vs.name.empty()) out->insert(vs.name);
  }
  for (const parser::Expr* c : parser::Children(e)) AllNames(*c, out);
}

// What an expression needs: names that must all exist, and choices where
// all names of one alternative must exist (the sides of an `or`).
struct Needs {
  std::set<std::string> all;
  std::vector<std::vector<std::set<std::string>>> any;
};

void Collect(const parser::Expr& e, Needs* n) {
  if (e.kind == parser::NodeKind::kBinary &&
      e.As<parser::BinaryExpr>().op == parser::BinaryOp::kOr) {
    const auto& b = e.As<parser::BinaryExpr>();
    std::set<std::string> lhs, rhs;
    AllNames(*b.lhs, &lhs);
    AllNames(*b.rhs, &rhs);
    n->any.push_back({lhs, rhs});
    return;
  }
  if (e.kind == parser::NodeKind::kVectorSelector) {
    const auto& vs = e.As<parser::VectorSelector>();
    if (!vs.name.empty()) n->all.insert(vs.name);
  }
  for (const parser::Expr* c : parser::Children(e)) Collect(*c, n);
}

// Metric names in a text exposition: sample names and # TYPE families.
std::set<std::string> ExposedNames(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (absl::StartsWith(line, "# TYPE ")) {
      std::string rest = line.substr(7);
      out.insert(rest.substr(0, rest.find(' ')));
      continue;
    }
    if (line[0] == '#') continue;
    out.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return out;
}

// The value of the first sample line starting with `prefix`, or -1.
double Value(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, prefix)) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return -1;
}

TEST(SelfMetricsTest, GoDurationString) {
  EXPECT_EQ(GoDurationString(absl::Seconds(15)), "15s");
  EXPECT_EQ(GoDurationString(absl::Minutes(1)), "1m0s");
  EXPECT_EQ(GoDurationString(absl::Seconds(90)), "1m30s");
  EXPECT_EQ(GoDurationString(absl::Hours(2)), "2h0m0s");
  EXPECT_EQ(GoDurationString(absl::Milliseconds(500)), "500ms");
}

class SelfMetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/self_metrics");
    std::system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str());
    // Itself through file_sd (its port is known after Start), an http_sd
    // and an Alertmanager and a remote_write endpoint that do not answer,
    // and one rule group: every family Prometheus labels per job, group,
    // Alertmanager or queue has a member.
    std::ofstream(dir_ + "/rules.yml")
        << "groups:\n- name: g\n  interval: 1s\n  rules:\n"
        << "  - record: job:up:sum\n    expr: sum by (job) (up)\n";
    std::ofstream(dir_ + "/prometheus.yml")
        << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        << "rule_files: [rules.yml]\n"
        << "alerting:\n  alertmanagers:\n  - static_configs: [{targets: ['127.0.0.1:1']}]\n"
        << "remote_write:\n- url: http://127.0.0.1:1/api/v1/write\n"
        << "scrape_configs:\n"
        << "- job_name: self\n"
        << "  file_sd_configs: [{files: [self.json], refresh_interval: 1s}]\n"
        << "- job_name: http\n"
        << "  http_sd_configs: [{url: 'http://127.0.0.1:1/sd', refresh_interval: 1s}]\n";
    Flags f;
    f.config_file = dir_ + "/prometheus.yml";
    f.storage_path = dir_ + "/data";
    f.listen_address = "127.0.0.1:0";
    f.remote_flush_deadline = "1s";  // the endpoint never answers
    absl::StatusOr<std::unique_ptr<App>> app = App::Create(f);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    ASSERT_TRUE(app_->Start().ok());
    std::ofstream(dir_ + "/self.json.tmp")
        << R"([{"targets": ["127.0.0.1:)" << app_->port() << R"("]}])";
    std::rename((dir_ + "/self.json.tmp").c_str(), (dir_ + "/self.json").c_str());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", app_->port());
    client_->set_read_timeout(10, 0);
  }

  std::string Metrics() {
    httplib::Result r = client_->Get("/metrics");
    return r && r->status == 200 ? r->body : "";
  }

  // Polls /metrics for up to 30 s (discovery syncs every 5 s) until
  // `pred` holds; returns the last text.
  template <typename Pred>
  std::string MetricsWhen(Pred pred) {
    std::string text;
    for (int i = 0; i < 300; ++i) {
      text = Metrics();
      if (pred(text)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return text;
  }

  std::string dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SelfMetricsServerTest, EveryMetricOfTheMixinPrometheusGroupIsExposed) {
  const std::string path =
      SharedPath("conformance/kube-prometheus/rules/prometheus.rules.yml");
  if (path.empty()) {
    GTEST_SKIP() << "../shared/conformance/kube-prometheus is not present";
  }
  absl::StatusOr<rules::RuleFile> file = rules::LoadRuleFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  Needs needs;
  int exprs = 0;
  for (const rules::RuleGroupNode& g : file->groups) {
    if (g.name != "prometheus") continue;
    for (const rules::RuleNode& r : g.rules) {
      absl::StatusOr<std::unique_ptr<parser::Expr>> e = parser::ParseExpr(r.expr);
      ASSERT_TRUE(e.ok()) << r.name() << ": " << e.status();
      Collect(**e, &needs);
      ++exprs;
    }
  }
  ASSERT_GT(exprs, 20);
  ASSERT_GT(needs.all.size(), 20u);

  // After the first scrape of itself and the first rule evaluation.
  std::string text = MetricsWhen([](const std::string& t) {
    return absl::StrContains(t, "prometheus_target_metadata_cache_entries{scrape_job=\"self\"}") &&
           absl::StrContains(t, "prometheus_rule_group_rules{") &&
           absl::StrContains(t, "prometheus_remote_storage_shards_max{");
  });
  std::set<std::string> exposed = ExposedNames(text);
  std::vector<std::string> missing;
  for (const std::string& n : needs.all) {
    if (exposed.count(n) == 0) missing.push_back(n);
  }
  for (const auto& choice : needs.any) {
    bool ok = false;
    for (const std::set<std::string>& alt : choice) {
      bool all = true;
      for (const std::string& n : alt) all = all && exposed.count(n) > 0;
      ok = ok || all;
    }
    if (!ok) missing.push_back(absl::StrJoin(choice[0], ",") + " | " + absl::StrJoin(choice[1], ","));
  }
  EXPECT_TRUE(missing.empty()) << "not on /metrics: " << absl::StrJoin(missing, " ");
  std::cout << "distinct metric names on /metrics: " << exposed.size() << "\n";
}

TEST_F(SelfMetricsServerTest, ValuesAreReal) {
  std::string text = MetricsWhen([](const std::string& t) {
    return Value(t, "prometheus_target_scrape_pool_targets{scrape_job=\"self\"}") == 1 &&
           Value(t, "prometheus_rule_evaluations_total{") > 0 &&
           Value(t, "prometheus_sd_refresh_failures_total{") > 0 &&
           Value(t, "prometheus_engine_query_samples_total ") > 0;
  });
  EXPECT_EQ(Value(text, "prometheus_target_scrape_pool_targets{scrape_job=\"self\"}"), 1);
  EXPECT_GT(Value(text, "prometheus_target_metadata_cache_entries{scrape_job=\"self\"}"), 10);
  EXPECT_GT(Value(text, "prometheus_target_scrape_pool_sync_total{scrape_job=\"self\"}"), 0);
  EXPECT_GT(Value(text, "prometheus_rule_evaluations_total{rule_group="), 0);
  EXPECT_EQ(Value(text, "prometheus_rule_group_rules{rule_group="), 1);
  EXPECT_EQ(Value(text, "prometheus_rule_group_interval_seconds{rule_group="), 1);
  EXPECT_GT(Value(text, "prometheus_sd_refresh_failures_total{"), 0);
  EXPECT_TRUE(absl::StrContains(
      text, "prometheus_sd_refresh_failures_total{config=\"http\",mechanism=\"http\"}"))
      << text;
  EXPECT_GT(Value(text, "prometheus_engine_query_samples_total "), 0);
  EXPECT_EQ(Value(text, "prometheus_engine_queries_concurrent_max "), 20);
  EXPECT_GT(Value(text, "process_resident_memory_bytes "), 1e6);
  EXPECT_GT(Value(text, "process_virtual_memory_bytes "), 1e6);
  EXPECT_GT(Value(text, "process_open_fds "), 3);
  EXPECT_GT(Value(text, "process_max_fds "), 3);
  EXPECT_GE(Value(text, "process_cpu_seconds_total "), 0);
  EXPECT_EQ(Value(text, "prometheus_remote_storage_shards_max{"), 50);
  EXPECT_TRUE(absl::StrContains(
      text, "prometheus_sd_discovered_targets{config=\"self\",name=\"scrape\"} 1"));
  // Summaries appear once something was observed.
  text = MetricsWhen([](const std::string& t) {
    return absl::StrContains(t, "prometheus_target_interval_length_seconds{interval=\"1s\"");
  });
  EXPECT_TRUE(absl::StrContains(
      text, "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.99\"}"));
  EXPECT_TRUE(absl::StrContains(text, "prometheus_engine_query_duration_seconds{slice=\"inner_eval\""));
  EXPECT_TRUE(absl::StrContains(text, "prometheus_rule_group_duration_seconds{quantile="));
}

}  // namespace
}  // namespace vigil::server
