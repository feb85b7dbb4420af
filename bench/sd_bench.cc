// Service discovery hot paths: turning Kubernetes watch events for 10k
// pods into target groups (JSON parse of the event line + role builder),
// and relabeling the resulting targets through the seed's kubernetes-pods
// rules end to end.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "libsd/kubernetes/internal/builders.h"
#include "libsd/relabel.h"
#include "libsd/target.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace {

namespace ki = vigil::sd::kubernetes_internal;
using json = nlohmann::json;

// 10k MODIFIED watch event lines, as the apiserver streams them.
std::vector<std::string> PodEvents(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i);
    json pod = {
        {"kind", "Pod"},
        {"apiVersion", "v1"},
        {"metadata",
         {{"name", "web-" + id},
          {"namespace", "ns" + std::to_string(i % 20)},
          {"uid", "0b6c-" + id},
          {"resourceVersion", std::to_string(1000 + i)},
          {"labels", {{"app", "web"}, {"pod-template-hash", "7d9f8b6c5"}, {"tier", "frontend"}}},
          {"annotations",
           {{"prometheus.io/scrape", i % 4 ? "true" : "false"},
            {"prometheus.io/port", "9102"},
            {"prometheus.io/path", "/metrics"}}},
          {"ownerReferences",
           json::array({{{"kind", "ReplicaSet"}, {"name", "web-7d9f8b6c5"}, {"controller", true}}})}}},
        {"spec",
         {{"nodeName", "node-" + std::to_string(i % 50)},
          {"containers",
           json::array({{{"name", "web"},
                         {"image", "example/web:1.2.3"},
                         {"ports", json::array({{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}},
                                                {{"name", "metrics"}, {"containerPort", 9102}, {"protocol", "TCP"}}})}},
                        {{"name", "proxy"}, {"image", "envoy:1"}}})}}},
        {"status",
         {{"phase", "Running"},
          {"podIP", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
          {"hostIP", "192.168.0." + std::to_string(i % 50)},
          {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
          {"containerStatuses",
           json::array({{{"name", "web"}, {"containerID", "containerd://a" + id}},
                        {{"name", "proxy"}, {"containerID", "containerd://b" + id}}})}}}};
    out.push_back(json{{"type", "MODIFIED"}, {"object", pod}}.dump());
  }
  return out;
}

void BM_Kubernetes_PodWatchEvents(benchmark::State& state) {
  std::vector<std::string> events = PodEvents(10000);
  size_t bytes = 0;
  for (const auto& e : events) bytes += e.size();
  size_t targets = 0;
  for (auto _ : state) {
    for (const std::string& line : events) {
      json ev = json::parse(line);
      vigil::sd::TargetGroup g = ki::BuildPod(ev["object"], ki::Lookups());
      targets += g.targets.size();
      benchmark::DoNotOptimize(g);
    }
  }
  state.SetItemsProcessed(state.iterations() * events.size());
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["targets_per_event"] =
      static_cast<double>(targets) / (state.iterations() * events.size());
}
BENCHMARK(BM_Kubernetes_PodWatchEvents)->Unit(benchmark::kMillisecond);

void BM_Kubernetes_BuildPodOnly(benchmark::State& state) {
  std::vector<std::string> events = PodEvents(1000);
  std::vector<json> pods;
  for (const auto& e : events) pods.push_back(json::parse(e)["object"]);
  for (auto _ : state) {
    for (const json& p : pods) {
      benchmark::DoNotOptimize(ki::BuildPod(p, ki::Lookups()));
    }
  }
  state.SetItemsProcessed(state.iterations() * pods.size());
}
BENCHMARK(BM_Kubernetes_BuildPodOnly);

// Discovered pod group -> target pipeline (defaults + seed pod relabeling
// + checks) for every target.
void BM_TargetPipeline_SeedPods(benchmark::State& state) {
  vigil::sd::TargetSettings s;
  s.job_name = "kubernetes-pods";
  s.scrape_interval = absl::Seconds(5);
  s.scrape_timeout = absl::Seconds(5);
  auto rules = vigil::sd::ParseRelabelConfigs(YAML::Load(R"(
- {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: true}
- {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], action: replace, target_label: __metrics_path__, regex: (.+)}
- {source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, regex: '([^:]+)(?::\d+)?;(\d+)', replacement: '$1:$2', target_label: __address__}
- {action: labelmap, regex: __meta_kubernetes_pod_label_(.+)}
- {source_labels: [__meta_kubernetes_namespace], action: replace, target_label: kubernetes_namespace}
- {source_labels: [__meta_kubernetes_pod_name], action: replace, target_label: kubernetes_pod_name}
)"));
  if (!rules.ok()) abort();
  s.relabel_configs = *rules;
  std::vector<vigil::sd::TargetGroup> groups;
  for (const auto& e : PodEvents(1000)) {
    groups.push_back(ki::BuildPod(json::parse(e)["object"], ki::Lookups()));
  }
  size_t n = 0;
  for (auto _ : state) {
    for (const auto& g : groups) {
      auto out = vigil::sd::TargetsFromGroup(s, g);
      n += out.size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_TargetPipeline_SeedPods);

}  // namespace
