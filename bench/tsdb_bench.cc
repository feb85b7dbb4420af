// libtsdb benchmarks: XOR encode/decode, head append (cached refs and
// label lookup, with and without the WAL), select+iterate, bytes per
// sample on disk, head heap per series, CRC32C.
//
//   bazel run -c opt //bench:tsdb_bench

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/node_exporter_replay.h"
#include "benchmark/benchmark.h"
#include "libtsdb/chunkenc/xor_chunk.h"
#include "libtsdb/db.h"
#include "libtsdb/encoding/crc32c.h"
#include "libtsdb/fileutil/fileutil.h"
#include "libtsdb/head.h"
#include "libtsdb/storage/sample_reader.h"
#include "libtsdb/wal/wal.h"

namespace vigil::tsdb {
namespace {

using model::Labels;

constexpr int64_t kInterval = 15000;
// 2h-aligned start, so whole blocks fill as they do in a running server.
constexpr int64_t kBlockAlignedStart = 1700006400000;

// Realistic values: counters, gauges with few distinct values, random
// walks; timestamps at 15s with a little scrape jitter.
// splitmix64: cheap, so benchmarks measure the TSDB.
struct Rng {
  uint64_t s;
  uint64_t operator()() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// Scrape-like data: timestamps exactly 15s apart (Prometheus aligns scrape
// timestamps within its 2ms tolerance); 40% counters with small integer
// increments, 30% gauges that change now and then, 30% integer random
// walks.
struct Gen {
  explicit Gen(uint64_t seed, int kind) : rng{seed * 7919 + 1}, kind(kind) {}
  double Next() {
    switch (kind % 10) {
      case 0: case 1: case 2: case 3:
        v += static_cast<double>(rng() % 20);  // counter
        break;
      case 4: case 5: case 6:
        if (rng() % 10 == 0) v = static_cast<double>(rng() % 1000) * 1024;
        break;  // gauge, e.g. bytes in use
      default:
        v += static_cast<double>(rng() % 21) - 10;  // random walk
    }
    return v;
  }
  int64_t NextT() {
    t += kInterval;
    return t;
  }
  Rng rng;
  int kind;
  double v = 0;
  int64_t t = 1700000000000;
};

Labels SeriesLabels(int i) {
  return Labels::FromPairs({{"__name__", "metric_" + std::to_string(i % 50)},
                            {"job", "node"},
                            {"instance", "host-" + std::to_string(i / 50) + ":9100"},
                            {"cpu", std::to_string(i % 8)},
                            {"mode", i % 2 ? "user" : "system"},
                            {"region", "eu-west-1"},
                            {"zone", "eu-west-1a"},
                            {"env", "prod"}});
}

void BM_XorChunk_Encode(benchmark::State& state) {
  Gen g(1, 2);
  std::vector<std::pair<int64_t, double>> s(120);
  for (auto& x : s) x = {g.NextT(), g.Next()};
  for (auto _ : state) {
    chunkenc::XorChunk c;
    for (const auto& x : s) c.Append(x.first, x.second);
    benchmark::DoNotOptimize(c.bytes().data());
  }
  state.SetItemsProcessed(state.iterations() * s.size());
}
BENCHMARK(BM_XorChunk_Encode);

// XorChunk::Encode, the whole-chunk encoding blocks are written with, on
// chunks of range(0) samples of the three kinds of data.
void BM_XorChunk_EncodeWhole(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::vector<int64_t>> ts(3);
  std::vector<std::vector<double>> vs(3);
  int k = 0;
  for (int kind : {0, 4, 7}) {
    Gen g(1, kind);
    for (int i = 0; i < n; ++i) {
      ts[k].push_back(g.NextT());
      vs[k].push_back(g.Next());
    }
    ++k;
  }
  for (auto _ : state) {
    for (int i = 0; i < 3; ++i) {
      auto c = chunkenc::XorChunk::Encode(ts[i].data(), vs[i].data(), n);
      benchmark::DoNotOptimize(c->bytes().data());
    }
  }
  state.SetItemsProcessed(state.iterations() * 3 * n);
}
BENCHMARK(BM_XorChunk_EncodeWhole)->Arg(120)->Arg(480);

// The cost of longer chunks for queries: reaching the last sample of a
// chunk of range(0) samples (a Seek into a compacted block's chunk decodes
// everything before the point), averaged over the three kinds of data.
void BM_XorChunk_SeekToEnd(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::string> chunks;
  std::vector<int64_t> last;
  for (int kind : {0, 4, 7}) {
    Gen g(1, kind);
    chunkenc::XorChunk c;
    for (int i = 0; i < n; ++i) c.Append(g.NextT(), g.Next());
    chunks.push_back(c.bytes());
    last.push_back(c.last_t());
  }
  for (auto _ : state) {
    for (size_t k = 0; k < chunks.size(); ++k) {
      chunkenc::XorIterator it(chunks[k]);
      benchmark::DoNotOptimize(it.Seek(last[k]));
      benchmark::DoNotOptimize(it.v());
    }
  }
  state.SetItemsProcessed(state.iterations() * chunks.size());
}
BENCHMARK(BM_XorChunk_SeekToEnd)->Arg(120)->Arg(240)->Arg(480)->Arg(960);

// One 120-sample chunk of each kind of data: 0 counter, 4 gauge, 7 random
// walk (see Gen); appended sample by sample as the head does, or encoded
// whole as blocks are written.
std::string ChunkOfKind(int kind, bool whole = false) {
  Gen g(1, kind);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 120; ++i) {
    ts.push_back(g.NextT());
    vs.push_back(g.Next());
  }
  if (whole) return chunkenc::XorChunk::Encode(ts.data(), vs.data(), 120)->bytes();
  chunkenc::XorChunk c;
  for (int i = 0; i < 120; ++i) c.Append(ts[i], vs[i]);
  return c.bytes();
}

void BM_XorChunk_Decode(benchmark::State& state) {
  std::string bytes = ChunkOfKind(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    chunkenc::XorIterator it(bytes);
    double sum = 0;
    while (it.Next()) sum += it.v();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 120);
}
BENCHMARK(BM_XorChunk_Decode)->Arg(0)->Arg(4)->Arg(7);

// The query path's decoder: batches of 32 samples.
void DecodeInBatches(benchmark::State& state, const std::string& bytes) {
  int64_t ts[32];
  double vs[32];
  for (auto _ : state) {
    chunkenc::XorIterator it(bytes);
    while (int n = it.NextBatch(ts, vs, 32)) {
      benchmark::DoNotOptimize(ts);
      benchmark::DoNotOptimize(vs);
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * 120);
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

void BM_XorChunk_DecodeBatch(benchmark::State& state) {
  DecodeInBatches(state, ChunkOfKind(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_XorChunk_DecodeBatch)->Arg(0)->Arg(4)->Arg(7);

// The same over what blocks hold: chunks encoded whole.
void BM_XorChunk_DecodeBatchEncodedWhole(benchmark::State& state) {
  DecodeInBatches(state, ChunkOfKind(static_cast<int>(state.range(0)), true));
}
BENCHMARK(BM_XorChunk_DecodeBatchEncodedWhole)->Arg(0)->Arg(4)->Arg(7);

void BM_Crc32c(benchmark::State& state) {
  std::string data(32 * 1024, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(data));
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32c);

// One scrape of `series` samples per iteration, committed together.
void AppendScrapes(benchmark::State& state, storage::Appendable* app_able,
                   bool cached) {
  const int n = state.range(0);
  std::vector<Labels> labels;
  for (int i = 0; i < n; ++i) labels.push_back(SeriesLabels(i));
  std::vector<storage::SeriesRef> refs(n, 0);
  int64_t t = 1700000000000;
  std::vector<Gen> gens;
  for (int i = 0; i < n; ++i) gens.emplace_back(i, i);
  for (auto _ : state) {
    auto app = app_able->NewAppender();
    for (int i = 0; i < n; ++i) {
      auto r = app->Append(cached ? refs[i] : 0, labels[i], t, gens[i].Next());
      if (r.ok()) refs[i] = *r;
    }
    (void)app->Commit();
    t += kInterval;
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_Head_AppendCachedRef(benchmark::State& state) {
  Head h;
  AppendScrapes(state, &h, true);
}
BENCHMARK(BM_Head_AppendCachedRef)->Arg(10000);

void BM_Head_AppendLabels(benchmark::State& state) {
  Head h;
  AppendScrapes(state, &h, false);
}
BENCHMARK(BM_Head_AppendLabels)->Arg(10000);

std::string BenchDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string d = fileutil::JoinPath(tmp ? tmp : "/tmp", name);
  (void)fileutil::RemoveAll(d);
  return d;
}

void BM_DB_AppendCachedRefWithWal(benchmark::State& state) {
  Options o;
  o.background_compaction = false;
  std::string dir = BenchDir("tsdb_bench_wal");
  auto db = *DB::Open(dir, o);
  AppendScrapes(state, db.get(), true);
  state.counters["wal_bytes_per_sample"] = benchmark::Counter(
      static_cast<double>(db->Stats().wal_bytes) /
      std::max<double>(1, state.iterations() * state.range(0)));
  (void)db->Close();
  (void)fileutil::RemoveAll(dir);
}
BENCHMARK(BM_DB_AppendCachedRefWithWal)->Arg(10000);

// Wal::Log alone (the commit path's disk write) for records of
// state.range(0) bytes: 200 (a few samples), 12 KiB (a 1000-series
// scrape), 120 KiB (a 10k-series scrape, spanning pages).
void BM_Wal_Log(benchmark::State& state) {
  std::string dir = BenchDir("tsdb_bench_wal_log");
  auto w = *wal::Wal::Create(dir, wal::WalOptions());
  std::string rec(state.range(0), '\0');
  std::mt19937_64 rng(1);
  for (char& c : rec) c = static_cast<char>(rng());
  int64_t n = 0;
  for (auto _ : state) {
    if (!w->Log(rec).ok()) state.SkipWithError("Log failed");
    // Bounded disk use: a fresh segment every 64 MiB.
    if ((n += state.range(0)) > (64 << 20)) {
      state.PauseTiming();
      (void)w->Close();
      (void)fileutil::RemoveAll(dir);
      w = *wal::Wal::Create(dir, wal::WalOptions());
      n = 0;
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  (void)w->Close();
  (void)fileutil::RemoveAll(dir);
}
BENCHMARK(BM_Wal_Log)->Arg(200)->Arg(12 << 10)->Arg(120 << 10);

// 10k series x 2h at 15s, in a head.
// Appends 10k series of the synthetic mix (SeriesLabels, Gen) x 2h at 15s
// (4.8M samples), one commit per scrape: what the select and replay
// benchmarks read.
void AppendSelectFixture(storage::Appendable& db) {
  constexpr int kSeries = 10000;
  std::vector<Gen> gens;
  std::vector<Labels> labels;
  for (int i = 0; i < kSeries; ++i) {
    gens.emplace_back(i, i);
    labels.push_back(SeriesLabels(i));
  }
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  for (int s = 0; s < 480; ++s) {
    auto app = db.NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      refs[i] = *app->Append(refs[i], labels[i],
                             kBlockAlignedStart + s * kInterval, gens[i].Next());
    }
    (void)app->Commit();
  }
}

struct QueryFixture {
  QueryFixture() { AppendSelectFixture(head); }
  Head head;
};

QueryFixture& Fixture() {
  static QueryFixture* f = new QueryFixture();
  return *f;
}

// Selects every series of job "node" and reads all their samples, as the
// benchmark's iteration: a batch at a time (SampleIterator::NextBatch), or
// a sample at a time through SampleReader, as PromQL's selectors read.
enum class ReadMode { kBatch, kSampleReader };

void SelectIterateAll(benchmark::State& state, storage::Queryable& q,
                      ReadMode mode = ReadMode::kBatch) {
  size_t samples = 0;
  for (auto _ : state) {
    auto querier = *q.NewQuerier(INT64_MIN, INT64_MAX);
    auto set = querier->Select(true, nullptr,
                               {model::Matcher::Equal("job", "node")});
    samples = 0;
    double sum = 0;
    int64_t ts[64];
    double vs[64];
    while (set->Next()) {
      auto it = set->NewIterator();
      if (mode == ReadMode::kBatch) {
        while (int n = it->NextBatch(ts, vs, 64)) {
          for (int k = 0; k < n; ++k) sum += vs[k];
          samples += n;
        }
      } else {
        storage::SampleReader r(it.get());
        while (r.Next()) {
          sum += r.value();
          ++samples;
        }
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * samples);
  state.counters["samples"] = samples;
}

void BM_Head_SelectIterate10kSeries2h(benchmark::State& state) {
  SelectIterateAll(state, Fixture().head);
}
BENCHMARK(BM_Head_SelectIterate10kSeries2h)->Unit(benchmark::kMillisecond);

// The same through a DB, whose full head chunks live in memory-mapped
// files (the server's configuration).
DB& SelectDB() {
  static DB* db = [] {
    Options o;
    o.background_compaction = false;
    o.retention_ms = 0;
    DB* d = DB::Open(BenchDir("tsdb_bench_select"), o)->release();
    AppendSelectFixture(*d);
    return d;
  }();
  return *db;
}

void BM_DB_SelectIterate10kSeries2h(benchmark::State& state) {
  SelectIterateAll(state, SelectDB());
  state.counters["mmapped_chunks"] = SelectDB().Stats().head.mmapped_chunks;
}
BENCHMARK(BM_DB_SelectIterate10kSeries2h)->Unit(benchmark::kMillisecond);

void BM_DB_SelectRead10kSeries2h_SampleReader(benchmark::State& state) {
  SelectIterateAll(state, SelectDB(), ReadMode::kSampleReader);
}
BENCHMARK(BM_DB_SelectRead10kSeries2h_SampleReader)->Unit(benchmark::kMillisecond);

double ProcessCpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Restart time: DB::Open replaying a WAL of 10k series x 2h (4.8M
// samples, no checkpoint), as after a crash or a restart mid-block.
void BM_DB_OpenReplayWal10kSeries2h(benchmark::State& state) {
  static const std::string* dir = [] {
    auto* d = new std::string(BenchDir("tsdb_bench_replay"));
    Options o;
    o.background_compaction = false;
    auto db = *DB::Open(*d, o);
    AppendSelectFixture(*db);
    (void)db->Close();
    return d;
  }();
  Options o;
  o.background_compaction = false;
  o.replay_threads = static_cast<int>(state.range(0));
  uint64_t series = 0;
  double cpu_s = 0;  // all threads' CPU time
  for (auto _ : state) {
    double before = ProcessCpuSeconds();
    auto db = *DB::Open(*dir, o);
    cpu_s += ProcessCpuSeconds() - before;
    series = db->Stats().head.num_series;
    (void)db->Close();
  }
  state.SetItemsProcessed(state.iterations() * 10000 * 480);  // samples
  state.counters["series"] = series;
  state.counters["process_cpu_ms"] = 1000 * cpu_s / state.iterations();
}
// Arg: Options::replay_threads.
BENCHMARK(BM_DB_OpenReplayWal10kSeries2h)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_Head_SelectRegexOneMetric(benchmark::State& state) {
  QueryFixture& f = Fixture();
  auto m = *model::Matcher::Create(model::MatchType::kRegexMatch, "instance",
                                   "host-1.*");
  for (auto _ : state) {
    auto q = *f.head.NewQuerier(INT64_MIN, INT64_MAX);
    auto set = q->Select(true, nullptr,
                         {model::Matcher::Equal("__name__", "metric_7"), m});
    int n = 0;
    while (set->Next()) ++n;
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_Head_SelectRegexOneMetric);

// Bytes per sample of the blocks in `db`, total and chunk files only.
void ReportBlockBytes(benchmark::State& state, DB* db) {
  int64_t total = 0, chunk_bytes = 0;
  uint64_t samples = 0;
  for (const auto& b : db->Blocks()) {
    samples += b.num_samples;
    std::string bdir = fileutil::JoinPath(db->dir(), b.ulid);
    total += fileutil::DirSize(bdir);
    chunk_bytes += fileutil::DirSize(fileutil::JoinPath(bdir, "chunks"));
  }
  if (samples == 0) return;
  state.counters["bytes_per_sample"] = static_cast<double>(total) / samples;
  state.counters["chunk_bytes_per_sample"] =
      static_cast<double>(chunk_bytes) / samples;
  state.counters["blocks"] = static_cast<double>(db->Blocks().size());
  state.counters["samples"] = static_cast<double>(samples);
}


// Bytes per sample on disk for the node-exporter replay
// (bench/node_exporter_replay.h) over `hours` of 4 hosts: 2h is one
// freshly cut block; longer runs are compacted as Prometheus would (2h ->
// 6h -> 18h blocks), into chunks of `samples_per_chunk` (-1: the default
// Options).
void ReplayBlockBytes(benchmark::State& state, int hours,
                      int samples_per_chunk) {
  for (auto _ : state) {
    auto replay = bench::NodeExporterReplay::Load(
        "bench/testdata/node_exporter_15s.tsv", 4);
    if (!replay.ok()) {
      state.SkipWithError(std::string(replay.status().message()).c_str());
      return;
    }
    std::string dir = BenchDir("tsdb_bench_block");
    Options o;
    o.background_compaction = false;
    if (samples_per_chunk >= 0) o.block_samples_per_chunk = samples_per_chunk;
    auto db = *DB::Open(dir, o);
    std::vector<storage::SeriesRef> refs(replay->series().size(), 0);
    for (int s = 0; s < hours * 240; ++s) {
      replay->NextScrape();
      auto app = db->NewAppender();
      for (size_t i = 0; i < refs.size(); ++i) {
        const auto& r = replay->series()[i];
        refs[i] = *app->Append(refs[i], r.labels,
                               kBlockAlignedStart + s * kInterval, r.value);
      }
      (void)app->Commit();
    }
    (void)db->FlushHead();
    for (int i = 0; i < 5; ++i) (void)db->Compact();
    ReportBlockBytes(state, db.get());
    state.counters["series"] = static_cast<double>(refs.size());
    (void)db->Close();
    db.reset();
    (void)fileutil::RemoveAll(dir);
  }
}
void BM_Block_BytesPerSample(benchmark::State& state) {
  ReplayBlockBytes(state, static_cast<int>(state.range(0)), -1);
}
BENCHMARK(BM_Block_BytesPerSample)
    ->Arg(2)
    ->Arg(24)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The worst case: the synthetic mix above where every series changes on
// every scrape (Gen: counters, gauges, random walks), 1000 series over
// `hours`: 2h is one block, 24h is compacted (as the replay above).
void AllChangingBlockBytes(benchmark::State& state, int hours,
                           int samples_per_chunk) {
  for (auto _ : state) {
    std::string dir = BenchDir("tsdb_bench_block");
    Options o;
    o.background_compaction = false;
    if (samples_per_chunk >= 0) o.block_samples_per_chunk = samples_per_chunk;
    auto db = *DB::Open(dir, o);
    const int n = 1000, scrapes = hours * 240;  // at 15s
    std::vector<Gen> gens;
    for (int i = 0; i < n; ++i) gens.emplace_back(i, i);
    std::vector<storage::SeriesRef> refs(n, 0);
    for (int s = 0; s < scrapes; ++s) {
      auto app = db->NewAppender();
      for (int i = 0; i < n; ++i) {
        refs[i] = *app->Append(refs[i], SeriesLabels(i),
                               kBlockAlignedStart + s * kInterval,
                               gens[i].Next());
      }
      (void)app->Commit();
    }
    (void)db->FlushHead();
    for (int i = 0; i < 5; ++i) (void)db->Compact();
    ReportBlockBytes(state, db.get());
    (void)db->Close();
    db.reset();
    (void)fileutil::RemoveAll(dir);
  }
}

void BM_Block_BytesPerSample_AllChanging(benchmark::State& state) {
  AllChangingBlockBytes(state, static_cast<int>(state.range(0)), -1);
}
BENCHMARK(BM_Block_BytesPerSample_AllChanging)
    ->Arg(2)
    ->Arg(24)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// 24h compacted into chunks of range(1) samples (0: copied, 120 each), for
// Options::block_samples_per_chunk: range(0) 0 is the replay, 1 the
// synthetic mix.
void BM_Block_BytesPerSample_CompactedChunkSize(benchmark::State& state) {
  int n = static_cast<int>(state.range(1));
  if (state.range(0) == 0) {
    ReplayBlockBytes(state, 24, n);
  } else {
    AllChangingBlockBytes(state, 24, n);
  }
}
BENCHMARK(BM_Block_BytesPerSample_CompactedChunkSize)
    ->ArgsProduct({{0, 1}, {0, 240, 480, 960}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Heap growth per active series: 8 labels, one open chunk with a few
// samples.
void BM_Head_HeapPerSeries(benchmark::State& state) {
  double per = 0;
  for (auto _ : state) {
    const int n = 20000;
    std::vector<Labels> labels;
    for (int i = 0; i < n; ++i) labels.push_back(SeriesLabels(i + 1000000));
    struct mallinfo2 before = mallinfo2();
    auto h = std::make_unique<Head>();
    std::vector<storage::SeriesRef> refs(n, 0);
    for (int s = 0; s < 4; ++s) {
      auto app = h->NewAppender();
      for (int i = 0; i < n; ++i) {
        refs[i] = *app->Append(refs[i], labels[i], s * kInterval, s * 1.5);
      }
      (void)app->Commit();
    }
    labels.clear();
    labels.shrink_to_fit();
    struct mallinfo2 after = mallinfo2();
    per = (static_cast<double>(after.uordblks) - before.uordblks) / n;
    benchmark::DoNotOptimize(h.get());
  }
  state.counters["heap_bytes_per_series"] = per;
}
BENCHMARK(BM_Head_HeapPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::tsdb
