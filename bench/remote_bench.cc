// libremote's sending path: samples into snappy-compressed remote-write
// 1.0 requests (the shard's encoder), compared with building the same
// request through the generated prompb classes; and QueueManager::Append
// (external labels + write relabeling, cached per series, then enqueue).
//
//   bazel run -c opt //bench:remote_bench

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libremote/queue_manager.h"
#include "libremote/write_request.h"
#include "model/proto/remote.pb.h"
#include "snappy.h"
#include "yaml-cpp/yaml.h"

namespace vigil::remote {
namespace {

// `series` cAdvisor-like series (7 labels), `per_series` samples each,
// interleaved by time as a scrape produces them.
std::vector<PendingSample> MakeBatch(int series, int per_series) {
  std::vector<model::Labels> labels;
  for (int s = 0; s < series; ++s) {
    labels.push_back(model::Labels::FromPairs(
        {{"__name__", "container_cpu_usage_seconds_total"},
         {"container", absl::StrCat("app-", s % 13)},
         {"cpu", absl::StrCat("cpu", s % 8)},
         {"image", "registry.example.com/team/app:1.2.3"},
         {"instance", absl::StrCat("10.0.", s % 250, ".", s % 7, ":10250")},
         {"job", "kubernetes-cadvisor"},
         {"pod", absl::StrCat("app-", s, "-7d9f8c6b5-x2x9z")}}));
  }
  std::vector<PendingSample> out;
  for (int i = 0; i < per_series; ++i) {
    for (int s = 0; s < series; ++s) {
      out.push_back({labels[s], 1700000000000 + i * 15000, 12345.678 + s + i * 0.25});
    }
  }
  return out;
}

void BM_RemoteWrite_Encode(benchmark::State& state) {
  std::vector<PendingSample> batch = MakeBatch(static_cast<int>(state.range(0)), 1);
  WriteRequestEncoder enc;
  size_t bytes = 0;
  for (auto _ : state) {
    absl::string_view body = enc.Encode(batch);
    bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["compressed_bytes_per_sample"] = double(bytes) / batch.size();
  state.counters["raw_bytes_per_sample"] =
      double(enc.last_uncompressed().size()) / batch.size();
}
BENCHMARK(BM_RemoteWrite_Encode)->Arg(500)->Arg(2000);

// Several samples per series in one request share one TimeSeries.
void BM_RemoteWrite_EncodeGrouped(benchmark::State& state) {
  std::vector<PendingSample> batch = MakeBatch(400, 5);
  WriteRequestEncoder enc;
  for (auto _ : state) benchmark::DoNotOptimize(enc.Encode(batch).data());
  state.SetItemsProcessed(state.iterations() * batch.size());
}
BENCHMARK(BM_RemoteWrite_EncodeGrouped);

// Baseline: the generated classes, then snappy.
void BM_RemoteWrite_EncodeGeneratedProto(benchmark::State& state) {
  std::vector<PendingSample> batch = MakeBatch(static_cast<int>(state.range(0)), 1);
  std::string pb, out;
  for (auto _ : state) {
    prometheus::WriteRequest req;
    for (const PendingSample& s : batch) {
      prometheus::TimeSeries* ts = req.add_timeseries();
      for (model::LabelView l : s.labels) {
        prometheus::Label* pl = ts->add_labels();
        pl->set_name(std::string(l.name));
        pl->set_value(std::string(l.value));
      }
      prometheus::Sample* smp = ts->add_samples();
      smp->set_timestamp(s.t_ms);
      smp->set_value(s.value);
    }
    pb.clear();
    req.SerializeToString(&pb);
    out.clear();
    snappy::Compress(pb.data(), pb.size(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
}
BENCHMARK(BM_RemoteWrite_EncodeGeneratedProto)->Arg(2000);

// Append path of a queue: external labels + one write relabel rule
// (cached per series) and the enqueue. Nothing is sent: the batch
// deadline is an hour and batches are larger than the run.
void BM_RemoteWrite_QueueAppend(benchmark::State& state) {
  RemoteWriteConfig c;
  c.url = "http://127.0.0.1:1/write";
  c.queue_config.capacity = 1 << 22;
  c.queue_config.max_samples_per_send = 1 << 30;
  c.queue_config.batch_send_deadline = absl::Hours(1);
  c.queue_config.min_shards = 4;
  c.queue_config.max_shards = 4;
  auto rules = sd::ParseRelabelConfigs(YAML::Load(
      "- source_labels: [__name__]\n  regex: go_.*\n  action: drop\n"));
  c.write_relabel_configs = *rules;
  QueueManagerOptions o;
  o.external_labels = model::Labels::FromPairs({{"cluster", "eu-1"}});
  o.reshard_interval = absl::ZeroDuration();
  auto qm = std::move(*QueueManager::Create(c, o));
  qm->Start();
  std::vector<PendingSample> batch = MakeBatch(2000, 1);
  int64_t t = 0;
  for (auto _ : state) {
    ++t;
    for (const PendingSample& s : batch) qm->Append(s.labels, t, s.value);
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
  qm->Stop(absl::ZeroDuration());
}
BENCHMARK(BM_RemoteWrite_QueueAppend);

}  // namespace
}  // namespace vigil::remote
