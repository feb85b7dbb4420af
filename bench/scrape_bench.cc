// Scrape-path benchmarks: a scrape body through the loop (parse, series
// cache, target labels, append) into a storage that only counts (the
// scraper's own overhead), into MemoryStorage, and a whole HTTP scrape of
// a local server (per-scrape overhead).
//
//   bazel run -c opt //bench:scrape_bench

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/shared_fixture.h"
#include "benchmark/benchmark.h"
#include "libscrape/internal/test_server.h"
#include "libscrape/scrape_loop.h"
#include "libtsdb/storage/memory_storage.h"

namespace {

using vigil::scrape::ScrapeLoop;
using vigil::scrape::ScrapeLoopOptions;
using vigil::scrape::ScrapeStats;

std::string CAdvisorLike() {
  std::string out;
  for (const char* m : {"container_cpu_usage_seconds_total",
                        "container_memory_working_set_bytes",
                        "container_network_receive_bytes_total",
                        "container_fs_reads_bytes_total"}) {
    absl::StrAppend(&out, "# TYPE ", m, " counter\n");
    for (int i = 0; i < 2500; ++i) {
      absl::StrAppend(&out, m, "{container=\"app-", i % 50,
                      "\",id=\"/kubepods/burstable/pod", i,
                      "/0123456789abcdef\",namespace=\"default\",pod=\"app-", i,
                      "\"} ", i * 1.25 + 0.5, "\n");
    }
  }
  return out;
}

// Counts appends; refs are handed out once per new label set.
class NullAppendable final : public vigil::storage::Appendable {
 public:
  class App final : public vigil::storage::Appender {
   public:
    explicit App(NullAppendable* p) : p_(p) {}
    absl::StatusOr<vigil::storage::SeriesRef> Append(
        vigil::storage::SeriesRef ref, const vigil::model::Labels& l, int64_t,
        double v) override {
      benchmark::DoNotOptimize(v);
      ++p_->appends;
      return ref != 0 ? ref : ++p_->next_ref;
    }
    absl::Status Commit() override { return absl::OkStatus(); }
    absl::Status Rollback() override { return absl::OkStatus(); }

   private:
    NullAppendable* p_;
  };
  std::unique_ptr<vigil::storage::Appender> NewAppender() override {
    return std::make_unique<App>(this);
  }
  uint64_t appends = 0;
  uint64_t next_ref = 0;
};

const vigil::model::Labels& Target() {
  static const auto* l = new vigil::model::Labels(vigil::model::Labels::FromPairs(
      {{"job", "node"}, {"instance", "10.0.0.1:9100"}}));
  return *l;
}

void RunWarm(benchmark::State& state, const std::string& body,
             vigil::storage::Appendable* app) {
  if (body.empty()) {
    state.SkipWithError("input absent");
    return;
  }
  ScrapeLoop loop(Target(), nullptr, app, ScrapeLoopOptions{});
  ScrapeStats st;
  int64_t t = 1000;
  if (!loop.AppendBody(body, "text/plain; version=0.0.4", t, &st).ok()) {
    state.SkipWithError("first scrape failed");
    return;
  }
  uint64_t samples = 0;
  for (auto _ : state) {
    t += 15000;
    ScrapeStats s;
    if (!loop.AppendBody(body, "text/plain; version=0.0.4", t, &s).ok()) {
      state.SkipWithError("scrape failed");
      return;
    }
    samples += s.samples_scraped;
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.SetItemsProcessed(samples);
  state.counters["samples/s"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate);
}

void BM_ScrapeLoop_Warm_AllTypes237_NullStorage(benchmark::State& s) {
  static const std::string body = vigil::bench::ReadSharedTextparse("alltypes.237mfs.prom.txt");
  NullAppendable app;
  RunWarm(s, body, &app);
}
void BM_ScrapeLoop_Warm_CAdvisor10k_NullStorage(benchmark::State& s) {
  static const std::string body = CAdvisorLike();
  NullAppendable app;
  RunWarm(s, body, &app);
}
void BM_ScrapeLoop_Warm_CAdvisor10k_MemoryStorage(benchmark::State& s) {
  static const std::string body = CAdvisorLike();
  vigil::storage::MemoryStorage app;
  RunWarm(s, body, &app);
}

// First scrape of a target: every series misses the cache (labels built,
// target labels merged, validated).
void BM_ScrapeLoop_Cold_CAdvisor10k_NullStorage(benchmark::State& state) {
  static const std::string body = CAdvisorLike();
  NullAppendable app;
  uint64_t samples = 0;
  for (auto _ : state) {
    ScrapeLoop loop(Target(), nullptr, &app, ScrapeLoopOptions{});
    ScrapeStats s;
    (void)loop.AppendBody(body, "text/plain; version=0.0.4", 1000, &s);
    samples += s.samples_scraped;
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.counters["samples/s"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate);
}

// A whole scrape over HTTP on loopback (server, curl, parse, append,
// report), per scrape.
void BM_ScrapeLoop_HttpScrape_AllTypes237(benchmark::State& state) {
  static const std::string body = vigil::bench::ReadSharedTextparse("alltypes.237mfs.prom.txt");
  if (body.empty()) {
    state.SkipWithError("input absent");
    return;
  }
  auto srv = vigil::scrape::testing::TestServer::Start();
  vigil::scrape::testing::Reply r;
  r.body = body;
  srv->Set("/metrics", r);
  auto scraper = vigil::scrape::NewHttpTargetScraper(
      srv->Url("/metrics"), {},
      vigil::scrape::textparse::DefaultScrapeProtocols(), true, 0);
  NullAppendable app;
  ScrapeLoopOptions o;
  o.timeout = absl::Seconds(5);
  ScrapeLoop loop(Target(), std::move(*scraper), &app, o);
  int64_t t = 1000;
  uint64_t samples = 0;
  for (auto _ : state) {
    ScrapeStats s;
    if (!loop.ScrapeAndReport(t += 15000, &s).ok()) {
      state.SkipWithError("scrape failed");
      return;
    }
    samples += s.samples_scraped;
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.counters["samples/s"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate);
  srv->Stop();
}

BENCHMARK(BM_ScrapeLoop_Warm_AllTypes237_NullStorage);
BENCHMARK(BM_ScrapeLoop_Warm_CAdvisor10k_NullStorage);
BENCHMARK(BM_ScrapeLoop_Warm_CAdvisor10k_MemoryStorage)->Iterations(50);
BENCHMARK(BM_ScrapeLoop_Cold_CAdvisor10k_NullStorage);
BENCHMARK(BM_ScrapeLoop_HttpScrape_AllTypes237)->UseRealTime();

}  // namespace
