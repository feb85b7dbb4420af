// Rule evaluation benchmarks: template expansion, alert state updates for
// many series, and whole evaluation cycles (1,000 rules over 10k series)
// through the PromQL engine and in-memory storage.
//
//   bazel run -c opt //bench:rules_bench

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libpromql/engine.h"
#include "librules/alerting_rule.h"
#include "librules/engine_query_func.h"
#include "librules/group.h"
#include "librules/manager.h"
#include "librules/recording_rule.h"
#include "librules/template/template.h"
#include "libtsdb/storage/memory_storage.h"

// Counts heap allocations so cycles can report allocations per cycle.
static std::atomic<int64_t> g_allocs{0};
void* operator new(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too: the library's default ones would pair with our
// free() (std::stable_sort's temporary buffer uses them).
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace vigil::rules {
namespace {

const model::Labels kLabels = model::Labels::FromPairs(
    {{"__name__", "node_load1"}, {"instance", "host-17.example.com:9100"},
     {"job", "node"}, {"severity", "page"}});
const model::Labels kExternal = model::Labels::FromPairs({{"cluster", "eu1"}});

void BM_Template_Expand(benchmark::State& state, const char* text) {
  auto t = tmpl::AlertTemplate::Parse("__alert_X", text);
  if (!t.ok()) {
    state.SkipWithError(std::string(t.status().message()).c_str());
    return;
  }
  tmpl::ExecOptions opts;
  size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> s = t->Expand(kLabels, kExternal, 1234.5678, opts);
    bytes += s->size();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK_CAPTURE(BM_Template_Expand, plain, "High memory usage");
BENCHMARK_CAPTURE(BM_Template_Expand, label_value,
                  "{{ $labels.instance }} load is {{ $value | humanize }}");
BENCHMARK_CAPTURE(BM_Template_Expand, control,
                  "{{ if gt $value 100.0 }}{{ $labels.instance | stripPort | "
                  "toUpper }} at {{ printf \"%.2f\" $value }}{{ else }}ok{{ end "
                  "}} ({{ $externalLabels.cluster }})");
BENCHMARK_CAPTURE(BM_Template_Expand, range_labels,
                  "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}");

void BM_Template_Parse(benchmark::State& state) {
  const char* text =
      "{{ if gt $value 100.0 }}{{ $labels.instance | stripPort | toUpper }} "
      "at {{ printf \"%.2f\" $value }}{{ else }}ok{{ end }}";
  for (auto _ : state) {
    auto t = tmpl::AlertTemplate::Parse("__alert_X", text);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Template_Parse);

// One alerting rule whose expression returns `n` series every evaluation:
// the per-series cost of alert state tracking, template expansion and the
// ALERTS/ALERTS_FOR_STATE output.
void BM_AlertingRule_Eval(benchmark::State& state) {
  const int n = state.range(0);
  promql::Vector vec;
  for (int i = 0; i < n; ++i) {
    promql::Sample s;
    s.metric = model::Labels::FromPairs(
        {{"__name__", "up"}, {"instance", absl::StrCat("host-", i, ":9100")},
         {"job", "node"}});
    s.v = 0;
    vec.push_back(std::move(s));
  }
  QueryFunc q = [&vec](absl::string_view, int64_t t) -> absl::StatusOr<promql::Vector> {
    promql::Vector v = vec;
    for (auto& s : v) s.t = t;
    return v;
  };
  AlertingRuleOptions o;
  o.name = "InstanceDown";
  o.expr = "up == 0";
  o.hold_ms = 60000;
  o.labels = model::Labels::FromPairs({{"severity", "page"}});
  o.annotations = {{"summary", "{{ $labels.instance }} of {{ $labels.job }} is down"}};
  auto rule = *AlertingRule::Create(o);
  int64_t t = 0;
  int64_t allocs0 = g_allocs.load();
  for (auto _ : state) {
    auto out = rule->Eval(t, 0, q, 0);
    benchmark::DoNotOptimize(out);
    t += 15000;
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["allocs/series"] = benchmark::Counter(
      static_cast<double>(g_allocs.load() - allocs0) / (state.iterations() * n));
}
BENCHMARK(BM_AlertingRule_Eval)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// 10k series in 100 metrics x 100 instances (10 jobs), 20 samples each;
// 1,000 rules (10 per metric: recording aggregations and alerts) in 10
// groups, evaluated through the engine. Time per full cycle.
void BM_Rules_Cycle(benchmark::State& state) {
  const int metrics = 100, instances = 100, rules_per_metric = 10;
  storage::MemoryStorage db;
  const int64_t step = 15000, t_end = 20 * step;
  {
    auto app = db.NewAppender();
    for (int m = 0; m < metrics; ++m) {
      for (int i = 0; i < instances; ++i) {
        model::Labels l = model::Labels::FromPairs(
            {{"__name__", absl::StrCat("metric_", m, "_total")},
             {"instance", absl::StrCat("host-", i)},
             {"job", absl::StrCat("job-", i % 10)}});
        storage::SeriesRef ref = 0;
        for (int64_t t = 0; t < t_end; t += step) {
          ref = *app->Append(ref, l, t, (t / step) * (i + 1));
        }
      }
    }
    (void)app->Commit();
  }
  promql::Engine engine(promql::EngineOptions{});
  GroupOptions go;
  go.query = EngineQueryFunc(&engine, &db);
  go.appendable = nullptr;  // measure evaluation, not our own appends
  std::vector<std::unique_ptr<Group>> groups;
  int nrules = 0;
  for (int g = 0; g < 10; ++g) {
    std::vector<std::unique_ptr<Rule>> rules;
    for (int m = g * 10; m < g * 10 + 10; ++m) {
      std::string name = absl::StrCat("metric_", m, "_total");
      for (int r = 0; r < rules_per_metric; ++r) {
        switch (r % 5) {
          case 0:
            rules.push_back(std::make_unique<RecordingRule>(
                absl::StrCat("job:", name, ":rate", r),
                absl::StrCat("sum by (job) (rate(", name, "[1m]))"), model::Labels()));
            break;
          case 1:
            rules.push_back(std::make_unique<RecordingRule>(
                absl::StrCat("instance:", name, ":irate", r),
                absl::StrCat("irate(", name, "[1m])"), model::Labels()));
            break;
          case 2:
            rules.push_back(std::make_unique<RecordingRule>(
                absl::StrCat("job:", name, ":max", r),
                absl::StrCat("max by (job) (", name, ")"), model::Labels()));
            break;
          case 3: {
            AlertingRuleOptions o;
            o.name = absl::StrCat("High_", name, "_", r);
            o.expr = absl::StrCat(name, " > 1500");
            o.hold_ms = 60000;
            o.annotations = {{"summary", "{{ $labels.instance }} at {{ $value }}"}};
            rules.push_back(std::move(*AlertingRule::Create(o)));
            break;
          }
          default:
            rules.push_back(std::make_unique<RecordingRule>(
                absl::StrCat("job:", name, ":count", r),
                absl::StrCat("count by (job) (", name, " > 100)"), model::Labels()));
        }
        ++nrules;
      }
    }
    groups.push_back(std::make_unique<Group>(absl::StrCat("g", g), "bench.rules",
                                             step, 0, 0, std::move(rules), go));
  }
  int64_t t = t_end - step;
  int64_t allocs0 = g_allocs.load();
  for (auto _ : state) {
    for (auto& g : groups) g->Eval(t);
  }
  for (auto& g : groups) {
    for (auto& r : g->rules()) {
      if (r->health() != RuleHealth::kGood) {
        state.SkipWithError(absl::StrCat(r->name(), ": ", r->last_error()).c_str());
        return;
      }
    }
  }
  state.counters["rules"] = nrules;
  state.counters["series"] = metrics * instances;
  state.counters["allocs/cycle"] = benchmark::Counter(
      static_cast<double>(g_allocs.load() - allocs0) / state.iterations());
  state.SetItemsProcessed(state.iterations() * nrules);
}
BENCHMARK(BM_Rules_Cycle)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::rules
