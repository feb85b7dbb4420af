// Benchmarks of the shared model: label-set construction, hashing and
// matcher evaluation, which sit on every append and select.

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace vigil::model {
namespace {

Labels NodeSeries(int i) {
  return Labels::FromPairs({{"__name__", "node_cpu_seconds_total"},
                            {"cpu", std::to_string(i % 8)},
                            {"instance", "10.0.0." + std::to_string(i % 250) + ":9100"},
                            {"job", "node-exporter"},
                            {"mode", "idle"}});
}

void BM_Labels_Build(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(NodeSeries(i++));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Labels_Build);

void BM_Labels_BuilderSetBuild(benchmark::State& state) {
  Labels base = NodeSeries(1);
  LabelsBuilder b;
  for (auto _ : state) {
    b.Reset(base);
    b.Set("pod", "p-1").Del("mode");
    benchmark::DoNotOptimize(b.Build());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Labels_BuilderSetBuild);

void BM_Labels_Get(benchmark::State& state) {
  Labels l = NodeSeries(3);
  for (auto _ : state) benchmark::DoNotOptimize(l.Get("job"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Labels_Get);

void BM_Labels_EqualDistinctCopies(benchmark::State& state) {
  Labels a = NodeSeries(5), b = NodeSeries(5);
  for (auto _ : state) benchmark::DoNotOptimize(a == b);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Labels_EqualDistinctCopies);

void BM_Matcher(benchmark::State& state, MatchType type, const char* pattern) {
  Matcher m = *Matcher::Create(type, "instance", pattern);
  std::vector<std::string> values;
  for (int i = 0; i < 256; ++i) values.push_back("10.0.0." + std::to_string(i) + ":9100");
  size_t i = 0, hits = 0;
  for (auto _ : state) hits += m.Matches(values[i++ & 255]);
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Matcher, Equal, MatchType::kEqual, "10.0.0.7:9100");
BENCHMARK_CAPTURE(BM_Matcher, RegexPrefix, MatchType::kRegexMatch, "10.0.0.1.*");
BENCHMARK_CAPTURE(BM_Matcher, RegexSet, MatchType::kRegexMatch, "10.0.0.1:9100|10.0.0.2:9100");
BENCHMARK_CAPTURE(BM_Matcher, RegexGeneral, MatchType::kRegexMatch, "10\\.0\\.0\\.[0-9]+:91.*");

}  // namespace
}  // namespace vigil::model
