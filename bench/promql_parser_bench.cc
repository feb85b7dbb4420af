// PromQL parser throughput: expressions parsed (and type-checked) per
// second for small expressions and for typical dashboard queries, plus the
// printer. Run with: bazel run -c opt //bench:promql_parser_bench

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libpromql/parser/parser.h"
#include "libpromql/parser/printer.h"

namespace {

using vigil::promql::parser::Format;
using vigil::promql::parser::ParseExpr;

const std::vector<std::string>& SmallQueries() {
  static const auto* q = new std::vector<std::string>{
      "up",
      "x",
      "rate(x[5m])",
      "1 + 2",
      "foo{job=\"api\"}",
      "sum(x)",
      "x > 0",
      "-x",
  };
  return *q;
}

const std::vector<std::string>& DashboardQueries() {
  static const auto* q = new std::vector<std::string>{
      "sum by (job) (rate(http_requests_total{job=~\"api|web\", "
      "code!~\"5..\"}[5m]))",
      "histogram_quantile(0.99, sum by (le, handler) "
      "(rate(http_request_duration_seconds_bucket{job=\"api\"}[5m])))",
      "100 * (1 - avg by (instance) "
      "(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))",
      "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < 10",
      "sum(rate(http_requests_total{code=~\"5..\"}[5m])) / "
      "sum(rate(http_requests_total[5m])) > 0.05",
      "topk(10, sum by (pod) (container_memory_working_set_bytes{container!=\"\","
      "namespace=\"prod\"}))",
      "predict_linear(node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\"}"
      "[6h], 4 * 3600) < 0",
      "max_over_time(rate(process_cpu_seconds_total[1m])[1h:1m] offset 1d)",
      "kube_pod_container_status_restarts_total - "
      "kube_pod_container_status_restarts_total offset 1h > 3",
      "label_replace(up{job=\"node\"}, \"host\", \"$1\", \"instance\", "
      "\"(.*):.*\") * on (instance) group_left (version) node_uname_info",
      "absent(up{job=\"alertmanager\"} == 1)",
      "count by (version) (count_values without (instance) (\"version\", "
      "build_info))",
  };
  return *q;
}

void RunParse(benchmark::State& state, const std::vector<std::string>& qs) {
  int64_t bytes = 0;
  for (const auto& q : qs) bytes += static_cast<int64_t>(q.size());
  for (auto _ : state) {
    for (const auto& q : qs) {
      auto e = ParseExpr(q);
      if (!e.ok()) state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(e);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(qs.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_PromqlParser_SmallExpressions(benchmark::State& state) {
  RunParse(state, SmallQueries());
}
BENCHMARK(BM_PromqlParser_SmallExpressions);

void BM_PromqlParser_DashboardQueries(benchmark::State& state) {
  RunParse(state, DashboardQueries());
}
BENCHMARK(BM_PromqlParser_DashboardQueries);

void BM_PromqlParser_ErrorPath(benchmark::State& state) {
  const std::vector<std::string> bad = {"sum(rate(x[5m] foo))", "rate(x)",
                                        "foo{a=}", "1 and 1"};
  for (auto _ : state) {
    for (const auto& q : bad) {
      auto e = ParseExpr(q);
      benchmark::DoNotOptimize(e);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(bad.size()));
}
BENCHMARK(BM_PromqlParser_ErrorPath);

void BM_PromqlPrinter_DashboardQueries(benchmark::State& state) {
  std::vector<std::unique_ptr<vigil::promql::parser::Expr>> trees;
  for (const auto& q : DashboardQueries()) trees.push_back(*ParseExpr(q));
  for (auto _ : state) {
    for (const auto& t : trees) {
      std::string s = Format(*t);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(trees.size()));
}
BENCHMARK(BM_PromqlPrinter_DashboardQueries);

}  // namespace
