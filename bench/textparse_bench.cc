// Parser benchmarks on the same input bytes as Prometheus's own textparse
// benchmarks (../shared/conformance/textparse/*.txt), plus a generated
// 10k-series cAdvisor-like payload. Reports bytes/s (MB/s) and series/s.
//
//   bazel run -c opt //bench:textparse_bench

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/shared_fixture.h"
#include "benchmark/benchmark.h"
#include "libscrape/textparse/openmetrics_parser.h"
#include "libscrape/textparse/prom_parser.h"

namespace {

using vigil::scrape::textparse::Entry;
using vigil::scrape::textparse::NewOpenMetricsParser;
using vigil::scrape::textparse::NewPromParser;
using vigil::scrape::textparse::Parser;

// A cAdvisor-like payload: 10k series, long label sets.
std::string CAdvisorLike() {
  std::string out;
  const char* metrics[] = {"container_cpu_usage_seconds_total",
                           "container_memory_working_set_bytes",
                           "container_network_receive_bytes_total",
                           "container_fs_reads_bytes_total"};
  for (const char* m : metrics) {
    absl::StrAppend(&out, "# HELP ", m, " Some help text.\n# TYPE ", m,
                    " counter\n");
    for (int i = 0; i < 2500; ++i) {
      absl::StrAppend(
          &out, m, "{container=\"app-", i % 50, "\",id=\"/kubepods/burstable/pod",
          i, "/0123456789abcdef\",image=\"registry.example.com/team/app:v1.",
          i % 7, "\",name=\"k8s_app_pod-", i, "_default_", i * 7919,
          "\",namespace=\"default\",pod=\"app-", i, "\"} ", i * 1.25 + 0.5,
          " 1700000000000\n");
    }
  }
  return out;
}

enum Mode { kSeriesOnly, kBuildLabels };

template <bool kOpenMetrics>
void RunParse(benchmark::State& state, const std::string& body, Mode mode) {
  if (body.empty()) {
    state.SkipWithError("input absent (../shared/conformance/textparse)");
    return;
  }
  int64_t series = 0;
  vigil::model::Labels l;
  for (auto _ : state) {
    std::unique_ptr<Parser> p =
        kOpenMetrics ? NewOpenMetricsParser(body) : NewPromParser(body);
    for (Entry e = p->Next(); e != Entry::kEOF; e = p->Next()) {
      if (e == Entry::kError) {
        state.SkipWithError(std::string(p->status().message()).c_str());
        return;
      }
      if (e == Entry::kSeries) {
        ++series;
        benchmark::DoNotOptimize(p->Series().data());
        benchmark::DoNotOptimize(p->Value());
        if (mode == kBuildLabels) {
          if (!p->BuildLabels(&l).ok()) std::abort();
          benchmark::DoNotOptimize(l);
        }
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.SetItemsProcessed(series);
  state.counters["series/s"] =
      benchmark::Counter(series, benchmark::Counter::kIsRate);
}

const std::string& Input(const char* name) {
  static auto* cache = new std::map<std::string, std::string>();
  auto it = cache->find(name);
  if (it == cache->end()) it = cache->emplace(name, vigil::bench::ReadSharedTextparse(name)).first;
  return it->second;
}

void BM_PromParser_AllTypes237(benchmark::State& s) {
  RunParse<false>(s, Input("alltypes.237mfs.prom.txt"), kSeriesOnly);
}
void BM_PromParser_AllTypes237_Labels(benchmark::State& s) {
  RunParse<false>(s, Input("alltypes.237mfs.prom.txt"), kBuildLabels);
}
void BM_PromParser_AllTypes237NoMeta(benchmark::State& s) {
  RunParse<false>(s, Input("alltypes.237mfs.nometa.prom.txt"), kSeriesOnly);
}
void BM_OpenMetricsParser_AllTypes5(benchmark::State& s) {
  RunParse<true>(s, Input("alltypes.5mfs.om.txt"), kSeriesOnly);
}
void BM_OpenMetricsParser_1Histogram(benchmark::State& s) {
  RunParse<true>(s, Input("1histogram.om.txt"), kSeriesOnly);
}
void BM_PromParser_CAdvisor10k(benchmark::State& s) {
  static const std::string body = CAdvisorLike();
  RunParse<false>(s, body, kSeriesOnly);
}
void BM_PromParser_CAdvisor10k_Labels(benchmark::State& s) {
  static const std::string body = CAdvisorLike();
  RunParse<false>(s, body, kBuildLabels);
}

BENCHMARK(BM_PromParser_AllTypes237);
BENCHMARK(BM_PromParser_AllTypes237_Labels);
BENCHMARK(BM_PromParser_AllTypes237NoMeta);
BENCHMARK(BM_OpenMetricsParser_AllTypes5);
BENCHMARK(BM_OpenMetricsParser_1Histogram);
BENCHMARK(BM_PromParser_CAdvisor10k);
BENCHMARK(BM_PromParser_CAdvisor10k_Labels);

}  // namespace
