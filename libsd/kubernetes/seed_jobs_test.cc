// The Kubernetes jobs of the seed prometheus.yml discover a fake cluster
// (in-cluster config over HTTPS with a token) and, through the target
// label pipeline with the seed's relabel_configs, yield the targets
// Prometheus's documented semantics give. Skips when the seed or the
// openssl CLI is absent.
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libsd/kubernetes/fake_apiserver.h"
#include "libsd/kubernetes/kubernetes.h"
#include "libsd/relabel.h"
#include "libsd/target.h"
#include "libsd/testing/collector.h"
#include "model/duration.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using json = nlohmann::json;

std::string SeedPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string base = srcdir ? std::string(srcdir) + "/" : "";
  for (std::string p : {base + "vigil_shared/seed/prometheus.yml",
                        base + "vigil/external/vigil_shared/seed/prometheus.yml"}) {
    if (std::ifstream(p).good()) return p;
  }
  return "";
}

void Cluster(testing::FakeApiServer& api) {
  // The API server itself and another service's endpoints.
  api.Apply("services", json::parse(R"({"metadata": {"name": "kubernetes", "namespace": "default"},
      "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443}]}})"));
  api.Apply("endpoints", json::parse(R"({"metadata": {"name": "kubernetes", "namespace": "default"},
      "subsets": [{"addresses": [{"ip": "172.18.0.2"}],
                   "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})"));
  // An annotated service with two endpoints and a non-annotated one.
  api.Apply("services", json::parse(R"({"metadata": {"name": "api", "namespace": "shop",
      "labels": {"app": "api", "tier": "backend"},
      "annotations": {"prometheus.io/scrape": "true", "prometheus.io/scheme": "https",
                      "prometheus.io/port": "8443", "prometheus.io/path": "/stats"}},
      "spec": {"type": "ClusterIP", "ports": [{"name": "web", "port": 80}]}})"));
  api.Apply("endpoints", json::parse(R"({"metadata": {"name": "api", "namespace": "shop"},
      "subsets": [{"addresses": [{"ip": "10.1.0.7"}, {"ip": "10.1.0.8"}],
                   "ports": [{"name": "web", "port": 8080, "protocol": "TCP"}]}]})"));
  api.Apply("services", json::parse(R"({"metadata": {"name": "quiet", "namespace": "shop"},
      "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})"));
  api.Apply("endpoints", json::parse(R"({"metadata": {"name": "quiet", "namespace": "shop"},
      "subsets": [{"addresses": [{"ip": "10.1.0.9"}], "ports": [{"port": 80}]}]})"));
  // Two nodes.
  for (const char* n : {"node-a", "node-b"}) {
    json node = json::parse(R"({"metadata": {"labels": {"kubernetes.io/arch": "amd64"}},
        "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.10"}],
                   "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}})");
    node["metadata"]["name"] = n;
    api.Apply("nodes", node);
  }
  // One annotated pod, one without annotations.
  api.Apply("pods", json::parse(R"({"metadata": {"name": "web-0", "namespace": "shop",
      "labels": {"app": "web"},
      "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102",
                      "prometheus.io/path": "/custom"}},
      "spec": {"nodeName": "node-a", "containers": [{"name": "web", "image": "web:1",
               "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}]},
      "status": {"phase": "Running", "podIP": "10.1.0.5",
                 "containerStatuses": [{"name": "web", "containerID": "cri://w"}]}})"));
  api.Apply("pods", json::parse(R"({"metadata": {"name": "db-0", "namespace": "shop"},
      "spec": {"containers": [{"name": "db", "image": "db:1",
               "ports": [{"containerPort": 5432}]}]},
      "status": {"phase": "Running", "podIP": "10.1.0.6",
                 "containerStatuses": [{"name": "db", "containerID": "cri://d"}]}})"));
}

// "<scheme>://<address><path> <series labels>" per final target, sorted.
std::set<std::string> RunJob(const YAML::Node& job, const YAML::Node& global,
                             const std::string& sa_dir, size_t want_groups) {
  TargetSettings s;
  s.job_name = job["job_name"].as<std::string>();
  if (job["scheme"]) s.scheme = job["scheme"].as<std::string>();
  if (job["metrics_path"]) s.metrics_path = job["metrics_path"].as<std::string>();
  s.scrape_interval = *model::ParseDuration(global["scrape_interval"].as<std::string>());
  s.scrape_timeout = std::min(absl::Seconds(10), s.scrape_interval);
  auto rc = ParseRelabelConfigs(job["relabel_configs"]);
  EXPECT_TRUE(rc.ok()) << rc.status();
  s.relabel_configs = *rc;
  auto cfg = ParseKubernetesSDConfig(job["kubernetes_sd_configs"][0]);
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  (*cfg)->service_account_dir = sa_dir;
  auto d = (*cfg)->NewDiscoverer();
  EXPECT_TRUE(d.ok()) << d.status();
  testing::Collector c(*std::move(d));
  EXPECT_TRUE(c.WaitFor([&](const auto& st) { return st.size() == want_groups; }))
      << s.job_name;
  std::set<std::string> out;
  for (const auto& [src, g] : c.state()) {
    for (const PipelineTarget& t : TargetsFromGroup(s, g)) {
      EXPECT_TRUE(t.status.ok()) << t.status;
      if (!t.labels) continue;
      const model::Labels& l = *t.labels;
      out.insert(absl::StrCat(l.Get("__scheme__"), "://", l.Get("__address__"),
                              l.Get("__metrics_path__"), " ",
                              TargetSeriesLabels(l).ToString()));
    }
  }
  return out;
}

TEST(SeedJobsTest, KubernetesJobsYieldPrometheusTargets) {
  std::string seed = SeedPath();
  if (seed.empty()) GTEST_SKIP() << "shared/seed/prometheus.yml not present";
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/seed_sa");
  ::mkdir(dir.c_str(), 0755);
  std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout ", dir, "/key.pem -out ", dir,
      "/ca.crt >/dev/null 2>&1");
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl CLI not available";
  std::ofstream(dir + "/token") << "seed-token";
  testing::FakeApiServer api(dir + "/ca.crt", dir + "/key.pem");
  api.RequireToken("seed-token");
  Cluster(api);
  ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(api.port()).c_str(), 1);

  YAML::Node root = YAML::LoadFile(seed);
  std::map<std::string, YAML::Node> jobs;
  for (const YAML::Node& j : root["scrape_configs"]) {
    jobs[j["job_name"].as<std::string>()] = j;
  }

  EXPECT_EQ(RunJob(jobs["kubernetes-apiservers"], root["global"], dir, 3),
            (std::set<std::string>{
                "https://172.18.0.2:6443/metrics {instance=\"172.18.0.2:6443\", "
                "job=\"kubernetes-apiservers\"}"}));

  EXPECT_EQ(RunJob(jobs["kubernetes-nodes"], root["global"], dir, 2),
            (std::set<std::string>{
                "https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics "
                "{instance=\"node-a\", job=\"kubernetes-nodes\", "
                "kubernetes_io_arch=\"amd64\"}",
                "https://kubernetes.default.svc:443/api/v1/nodes/node-b/proxy/metrics "
                "{instance=\"node-b\", job=\"kubernetes-nodes\", "
                "kubernetes_io_arch=\"amd64\"}"}));

  EXPECT_EQ(RunJob(jobs["kubernetes-cadvisor"], root["global"], dir, 2),
            (std::set<std::string>{
                "https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics/cadvisor "
                "{instance=\"node-a\", job=\"kubernetes-cadvisor\", "
                "kubernetes_io_arch=\"amd64\"}",
                "https://kubernetes.default.svc:443/api/v1/nodes/node-b/proxy/metrics/cadvisor "
                "{instance=\"node-b\", job=\"kubernetes-cadvisor\", "
                "kubernetes_io_arch=\"amd64\"}"}));

  EXPECT_EQ(RunJob(jobs["kubernetes-pods"], root["global"], dir, 2),
            (std::set<std::string>{
                "http://10.1.0.5:9102/custom {app=\"web\", instance=\"10.1.0.5:9102\", "
                "job=\"kubernetes-pods\", kubernetes_namespace=\"shop\", "
                "kubernetes_pod_name=\"web-0\"}"}));

  EXPECT_EQ(RunJob(jobs["kubernetes-service-endpoints"], root["global"], dir, 3),
            (std::set<std::string>{
                "https://10.1.0.7:8443/stats {app=\"api\", instance=\"10.1.0.7:8443\", "
                "job=\"kubernetes-service-endpoints\", kubernetes_name=\"api\", "
                "kubernetes_namespace=\"shop\", tier=\"backend\"}",
                "https://10.1.0.8:8443/stats {app=\"api\", instance=\"10.1.0.8:8443\", "
                "job=\"kubernetes-service-endpoints\", kubernetes_name=\"api\", "
                "kubernetes_namespace=\"shop\", tier=\"backend\"}"}));
  EXPECT_EQ(api.unauthorized(), 0);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
}

}  // namespace
}  // namespace vigil::sd
