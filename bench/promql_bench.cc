// PromQL engine benchmarks over storage::MemoryStorage.
//
//   bazel run -c opt //bench:promql_bench
//
// Data is built once per process: counters x_total{job, instance} sampled
// every 15 s, and classic histograms b_bucket{le, instance} with 12
// buckets.

#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "libpromql/engine.h"
#include "libtsdb/storage/memory_storage.h"

namespace vigil {
namespace {

constexpr int64_t kStep = 15000;
constexpr int64_t kHour = 3600 * 1000;
// Samples cover [0, kEnd]; queries look at the last hour.
constexpr int64_t kEnd = kHour + 10 * 60 * 1000;

storage::MemoryStorage* Counters(int n) {
  static auto* by_n = new std::map<int, std::unique_ptr<storage::MemoryStorage>>();
  auto& s = (*by_n)[n];
  if (s) return s.get();
  s = std::make_unique<storage::MemoryStorage>();
  auto app = s->NewAppender();
  for (int i = 0; i < n; ++i) {
    model::Labels l = model::Labels::FromPairs(
        {{"__name__", "x_total"},
         {"job", "job" + std::to_string(i % 10)},
         {"instance", "i" + std::to_string(i)}});
    storage::SeriesRef ref = 0;
    for (int64_t t = 0; t <= kEnd; t += kStep) {
      ref = *app->Append(ref, l, t, static_cast<double>(t / 1000 * (i % 7 + 1)));
    }
  }
  (void)app->Commit();
  return s.get();
}

storage::MemoryStorage* Histograms() {
  static storage::MemoryStorage* s = [] {
    auto* st = new storage::MemoryStorage();
    const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                         "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
    auto app = st->NewAppender();
    for (int i = 0; i < 1000; ++i) {
      for (int b = 0; b < 12; ++b) {
        model::Labels l = model::Labels::FromPairs(
            {{"__name__", "b_bucket"},
             {"le", les[b]},
             {"instance", "i" + std::to_string(i)}});
        storage::SeriesRef ref = 0;
        for (int64_t t = 0; t <= kEnd; t += kStep) {
          ref = *app->Append(ref, l, t, static_cast<double>(t / 1000 * (b + 1)));
        }
      }
    }
    (void)app->Commit();
    return st;
  }();
  return s;
}

void RunRange(benchmark::State& state, storage::Queryable* st,
              const char* query, int64_t start, int64_t end, int64_t step) {
  promql::Engine engine(promql::EngineOptions{});
  int64_t samples = 0, points = 0;
  for (auto _ : state) {
    auto r = engine.RangeQuery(st, query, start, end, step);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    samples += r->stats.total_samples;
    for (const auto& s : std::get<promql::Matrix>(r->value)) points += s.points.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["out_points"] = benchmark::Counter(
      static_cast<double>(points), benchmark::Counter::kAvgIterations);
}

// sum by (job) (rate(x[5m])) over 10k series, 1h range at 15s step.
void BM_SumByRate10kSeries1h(benchmark::State& state) {
  RunRange(state, Counters(static_cast<int>(state.range(0))),
           "sum by (job) (rate(x_total[5m]))", kEnd - kHour, kEnd, kStep);
}
BENCHMARK(BM_SumByRate10kSeries1h)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// rate over 10k series, instant query.
void BM_RateInstant10kSeries(benchmark::State& state) {
  storage::MemoryStorage* st = Counters(10000);
  promql::Engine engine(promql::EngineOptions{});
  for (auto _ : state) {
    auto r = engine.InstantQuery(st, "rate(x_total[5m])", kEnd);
    if (!r.ok() || std::get<promql::Vector>(r->value).size() != 10000) {
      state.SkipWithError("unexpected result");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_RateInstant10kSeries)->Unit(benchmark::kMillisecond);

// Plain selector range query: 10k series, 1h at 15s.
void BM_SelectorRange10kSeries1h(benchmark::State& state) {
  RunRange(state, Counters(10000), "x_total", kEnd - kHour, kEnd, kStep);
}
BENCHMARK(BM_SelectorRange10kSeries1h)->Unit(benchmark::kMillisecond);

// histogram_quantile over 1k classic histograms x 12 buckets.
void BM_HistogramQuantileInstant(benchmark::State& state) {
  storage::MemoryStorage* st = Histograms();
  promql::Engine engine(promql::EngineOptions{});
  for (auto _ : state) {
    auto r = engine.InstantQuery(
        st, "histogram_quantile(0.9, sum by (le) (rate(b_bucket[5m])))", kEnd);
    if (!r.ok() || std::get<promql::Vector>(r->value).size() != 1) {
      state.SkipWithError("unexpected result");
      return;
    }
  }
}
BENCHMARK(BM_HistogramQuantileInstant)->Unit(benchmark::kMillisecond);

void BM_HistogramQuantileRange1h(benchmark::State& state) {
  RunRange(state, Histograms(),
           "histogram_quantile(0.9, sum by (le) (rate(b_bucket[5m])))",
           kEnd - kHour, kEnd, kStep);
}
BENCHMARK(BM_HistogramQuantileRange1h)->Unit(benchmark::kMillisecond);

// A hostile query (every sample of 10k series for every step) under a
// 1M-sample limit: it must fail fast with ResourceExhausted while the
// peak held stays at the limit.
void BM_HostileQueryBounded(benchmark::State& state) {
  storage::MemoryStorage* st = Counters(10000);
  promql::EngineOptions o;
  o.max_samples = 1000000;
  promql::Engine engine(o);
  for (auto _ : state) {
    auto r = engine.RangeQuery(st, "x_total", 0, kEnd, 1000);
    if (r.ok() || r.status().code() != absl::StatusCode::kResourceExhausted) {
      state.SkipWithError("expected ResourceExhausted");
      return;
    }
  }
  state.counters["limit"] = 1000000;
}
BENCHMARK(BM_HostileQueryBounded)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil
