// Relabeling throughput: 10k Kubernetes pod targets through the seed's
// `kubernetes-pods` relabel_configs (issue target: >= 500k targets/s),
// plus single-action cases.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libsd/relabel.h"
#include "model/labels.h"
#include "yaml-cpp/yaml.h"

namespace {

using vigil::model::Labels;
using vigil::sd::RelabelConfig;

constexpr char kPodRules[] = R"(
- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
  action: keep
  regex: true
- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
  action: replace
  target_label: __metrics_path__
  regex: (.+)
- source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
  action: replace
  regex: ([^:]+)(?::\d+)?;(\d+)
  replacement: $1:$2
  target_label: __address__
- action: labelmap
  regex: __meta_kubernetes_pod_label_(.+)
- source_labels: [__meta_kubernetes_namespace]
  action: replace
  target_label: kubernetes_namespace
- source_labels: [__meta_kubernetes_pod_name]
  action: replace
  target_label: kubernetes_pod_name
)";

std::vector<RelabelConfig> Rules(const char* yaml) {
  auto cfgs = vigil::sd::ParseRelabelConfigs(YAML::Load(yaml));
  if (!cfgs.ok()) abort();
  return *cfgs;
}

// Pod targets shaped like the kubernetes SD's: ~30 labels each; 3 of 4
// are annotated for scraping.
std::vector<Labels> PodTargets(int n) {
  std::vector<Labels> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i);
    std::string ip = "10.1." + std::to_string(i / 250) + "." +
                     std::to_string(i % 250);
    std::vector<std::pair<std::string, std::string>> p = {
        {"__address__", ip + ":8080"},
        {"__meta_kubernetes_namespace", "ns" + std::to_string(i % 20)},
        {"__meta_kubernetes_pod_name", "web-7d9f8b6c5-" + id},
        {"__meta_kubernetes_pod_ip", ip},
        {"__meta_kubernetes_pod_uid", "5f0c2b1e-aaaa-bbbb-cccc-" + id},
        {"__meta_kubernetes_pod_node_name", "node-" + std::to_string(i % 50)},
        {"__meta_kubernetes_pod_host_ip", "192.168.0." + std::to_string(i % 50)},
        {"__meta_kubernetes_pod_phase", "Running"},
        {"__meta_kubernetes_pod_ready", "true"},
        {"__meta_kubernetes_pod_controller_kind", "ReplicaSet"},
        {"__meta_kubernetes_pod_controller_name", "web-7d9f8b6c5"},
        {"__meta_kubernetes_pod_container_name", "web"},
        {"__meta_kubernetes_pod_container_image", "example/web:1.2.3"},
        {"__meta_kubernetes_pod_container_init", "false"},
        {"__meta_kubernetes_pod_container_port_name", "http"},
        {"__meta_kubernetes_pod_container_port_number", "8080"},
        {"__meta_kubernetes_pod_container_port_protocol", "TCP"},
        {"__meta_kubernetes_pod_label_app", "web"},
        {"__meta_kubernetes_pod_labelpresent_app", "true"},
        {"__meta_kubernetes_pod_label_pod_template_hash", "7d9f8b6c5"},
        {"__meta_kubernetes_pod_labelpresent_pod_template_hash", "true"},
        {"__meta_kubernetes_pod_label_tier", "frontend"},
        {"__meta_kubernetes_pod_labelpresent_tier", "true"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"},
        {"__meta_kubernetes_pod_annotationpresent_prometheus_io_port", "true"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_path", "/metrics"},
        {"__meta_kubernetes_pod_annotationpresent_prometheus_io_path", "true"},
        {"job", "kubernetes-pods"},
    };
    if (i % 4 != 0) {
      p.emplace_back("__meta_kubernetes_pod_annotation_prometheus_io_scrape",
                     "true");
      p.emplace_back(
          "__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape",
          "true");
    }
    out.push_back(Labels::FromPairs(p));
  }
  return out;
}

void BM_Relabel_SeedKubernetesPods(benchmark::State& state) {
  std::vector<RelabelConfig> rules = Rules(kPodRules);
  std::vector<Labels> targets = PodTargets(10000);
  size_t kept = 0;
  for (auto _ : state) {
    for (const Labels& t : targets) {
      auto out = vigil::sd::Process(t, rules);
      kept += out.has_value();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * targets.size());
  state.counters["kept_frac"] =
      static_cast<double>(kept) / (state.iterations() * targets.size());
}
BENCHMARK(BM_Relabel_SeedKubernetesPods)->Unit(benchmark::kMillisecond);

void BM_Relabel_ProcessBuilderSeedPods(benchmark::State& state) {
  std::vector<RelabelConfig> rules = Rules(kPodRules);
  std::vector<Labels> targets = PodTargets(1000);
  vigil::model::LabelsBuilder b;
  for (auto _ : state) {
    for (const Labels& t : targets) {
      b.Reset(t);
      bool keep = vigil::sd::ProcessBuilder(&b, rules);
      benchmark::DoNotOptimize(keep);
      if (keep) benchmark::DoNotOptimize(b.Build());
    }
  }
  state.SetItemsProcessed(state.iterations() * targets.size());
}
BENCHMARK(BM_Relabel_ProcessBuilderSeedPods);

void BM_Relabel_KeepOnly(benchmark::State& state) {
  std::vector<RelabelConfig> rules = Rules(
      "- {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape],"
      " action: keep, regex: 'true'}");
  std::vector<Labels> targets = PodTargets(1000);
  for (auto _ : state) {
    for (const Labels& t : targets) {
      benchmark::DoNotOptimize(vigil::sd::Process(t, rules));
    }
  }
  state.SetItemsProcessed(state.iterations() * targets.size());
}
BENCHMARK(BM_Relabel_KeepOnly);

void BM_Relabel_HashMod(benchmark::State& state) {
  std::vector<RelabelConfig> rules = Rules(
      "- {source_labels: [__address__], action: hashmod, modulus: 8, "
      "target_label: __tmp_hash}\n"
      "- {source_labels: [__tmp_hash], action: keep, regex: '3'}");
  std::vector<Labels> targets = PodTargets(1000);
  for (auto _ : state) {
    for (const Labels& t : targets) {
      benchmark::DoNotOptimize(vigil::sd::Process(t, rules));
    }
  }
  state.SetItemsProcessed(state.iterations() * targets.size());
}
BENCHMARK(BM_Relabel_HashMod);

void BM_Relabel_MetricDropRegex(benchmark::State& state) {
  // A typical metric_relabel_configs rule on a sample's labels.
  std::vector<RelabelConfig> rules = Rules(
      "- {source_labels: [__name__], action: drop, "
      "regex: 'go_(gc|memstats)_.*|process_.*'}");
  std::vector<Labels> series;
  for (int i = 0; i < 1000; ++i) {
    series.push_back(Labels::FromPairs(
        {{"__name__", i % 3 == 0 ? "go_memstats_alloc_bytes"
                                 : "http_requests_total"},
         {"instance", "10.0.0.1:9100"},
         {"job", "node"},
         {"code", std::to_string(200 + i % 5)}}));
  }
  for (auto _ : state) {
    for (const Labels& s : series) {
      benchmark::DoNotOptimize(vigil::sd::Process(s, rules));
    }
  }
  state.SetItemsProcessed(state.iterations() * series.size());
}
BENCHMARK(BM_Relabel_MetricDropRegex);

}  // namespace
