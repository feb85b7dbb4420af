// kubernetes_sd against a fake apiserver: list+watch, 410 re-lists,
// outages, malformed events, namespaces and selectors, in-cluster config
// over HTTPS with a bearer token, and config validation.
#include "libsd/kubernetes/kubernetes.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libsd/kubernetes/fake_apiserver.h"
#include "libsd/testing/collector.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

using json = nlohmann::json;
using testing::Collector;
using testing::FakeApiServer;

json Pod(const std::string& ns, const std::string& name, const std::string& ip,
         int port = 8080, const std::string& app = "web") {
  json p = {
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "u-" + name},
                    {"labels", {{"app", app}}}}},
      {"spec", {{"nodeName", "node-1"},
                {"containers", json::array({{{"name", "c"}, {"image", "img"},
                                             {"ports", json::array({{{"name", "http"},
                                                                     {"containerPort", port},
                                                                     {"protocol", "TCP"}}})}}})}}},
      {"status", {{"phase", "Running"}, {"podIP", ip}, {"hostIP", "192.168.0.1"},
                  {"containerStatuses", json::array({{{"name", "c"}, {"containerID", "cri://1"}}})}}}};
  return p;
}

std::shared_ptr<KubernetesSDConfig> Config(const std::string& yaml) {
  auto cfg = ParseKubernetesSDConfig(YAML::Load(yaml), "p.yml");
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  if (!cfg.ok()) return nullptr;
  (*cfg)->min_backoff = absl::Milliseconds(20);
  return *cfg;
}

class KubernetesSDTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetDiscoveryErrorLogger([this](absl::string_view, absl::string_view m) {
      absl::MutexLock l(&mu_);
      errors_.emplace_back(m);
    });
  }
  void TearDown() override { SetDiscoveryErrorLogger(nullptr); }
  size_t errors() {
    absl::MutexLock l(&mu_);
    return errors_.size();
  }
  absl::Mutex mu_;
  std::vector<std::string> errors_;
};

bool WaitUntil(const std::function<bool()>& pred) {
  absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

TEST_F(KubernetesSDTest, PodListThenWatchEvents) {
  FakeApiServer api;
  api.SetPageSize(1);  // forces continue-token paging
  api.Apply("pods", Pod("default", "a", "10.0.0.1"));
  api.Apply("pods", Pod("default", "b", "10.0.0.2"));
  auto cfg = Config(absl::StrCat("role: pod\napi_server: ", api.url()));
  Collector c(*cfg->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
  auto st = c.state();
  ASSERT_EQ(st.count("pod/default/a"), 1u);
  EXPECT_EQ(st["pod/default/a"].targets[0].Get("__address__"), "10.0.0.1:8080");
  EXPECT_EQ(st["pod/default/a"].labels.Get("__meta_kubernetes_pod_label_app"), "web");

  api.Apply("pods", Pod("default", "c", "10.0.0.3"));            // ADDED
  api.Apply("pods", Pod("default", "a", "10.0.0.9", 9000));      // MODIFIED
  api.Delete("pods", "default", "b");                            // DELETED
  api.Bookmark("pods");
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.size() == 2 && s.count("pod/default/c") && s.count("pod/default/a") &&
           s.at("pod/default/a").targets[0].Get("__address__") == "10.0.0.9:9000";
  }));
  EXPECT_EQ(api.lists("pods"), 2);  // one list, two pages
  // A pod losing its IP is removed.
  json noip = Pod("default", "c", "");
  api.Apply("pods", noip);
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
}

TEST_F(KubernetesSDTest, RelistsOn410StatusAndErrorEvent) {
  for (bool as_event : {false, true}) {
    FakeApiServer api;
    api.Apply("pods", Pod("default", "a", "10.0.0.1"));
    Collector c(*Config(absl::StrCat("role: pod\napi_server: ", api.url()))
                     ->NewDiscoverer());
    ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
    ASSERT_TRUE(WaitUntil([&] { return api.watches("pods") >= 1; }));
    // A change no watch reports, then the history is compacted: only a
    // re-list can bring it in.
    api.ApplySilently("pods", Pod("default", "hidden", "10.0.0.7"));
    api.Compact(as_event);
    ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.count("pod/default/hidden") == 1; }))
        << "as_event=" << as_event;
    EXPECT_GE(api.lists("pods"), 2);
    // And watching resumes after the re-list.
    api.Apply("pods", Pod("default", "later", "10.0.0.8"));
    ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 3; }));
  }
}

TEST_F(KubernetesSDTest, OutageKeepsTargetsAndRecovers) {
  FakeApiServer api;
  api.Apply("pods", Pod("default", "a", "10.0.0.1"));
  Collector c(*Config(absl::StrCat("role: pod\napi_server: ", api.url()))
                   ->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
  api.SetDown(true);
  api.CloseWatches();
  ASSERT_TRUE(WaitUntil([&] { return errors() >= 2; }));
  EXPECT_EQ(c.state().size(), 1u);  // last targets kept
  EXPECT_GE(c.discoverer().metrics()->failures.load(), 2u);
  api.Apply("pods", Pod("default", "b", "10.0.0.2"));
  api.SetDown(false);
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
}

TEST_F(KubernetesSDTest, MalformedEventTriggersRelist) {
  FakeApiServer api;
  api.Apply("pods", Pod("default", "a", "10.0.0.1"));
  Collector c(*Config(absl::StrCat("role: pod\napi_server: ", api.url()))
                   ->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
  ASSERT_TRUE(WaitUntil([&] { return api.watches("pods") >= 1; }));
  api.InjectGarbage("pods");
  api.Apply("pods", Pod("default", "b", "10.0.0.2"));
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
  ASSERT_TRUE(WaitUntil([&] { return api.lists("pods") >= 2; }));
  EXPECT_GE(errors(), 1u);
}

TEST_F(KubernetesSDTest, NamespacesAndSelectors) {
  FakeApiServer api;
  api.Apply("pods", Pod("a", "p1", "10.0.0.1"));
  api.Apply("pods", Pod("b", "p2", "10.0.0.2"));
  api.Apply("pods", Pod("c", "p3", "10.0.0.3"));
  auto cfg = Config(absl::StrCat(
      "role: pod\napi_server: ", api.url(),
      "\nnamespaces: {names: [a, b]}\n"
      "selectors: [{role: pod, label: 'app=web,tier in (x)', field: 'status.phase=Running'}]"));
  Collector c(*cfg->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 2; }));
  EXPECT_EQ(c.state().count("pod/c/p3"), 0u);
  bool saw_a = false, saw_selector = false;
  for (const std::string& p : api.paths()) {
    saw_a = saw_a || p.find("/api/v1/namespaces/a/pods") == 0;
    saw_selector = saw_selector || p.find("labelSelector=app=web,tier in (x)") !=
                                       std::string::npos;
  }
  EXPECT_TRUE(saw_a);
  EXPECT_TRUE(saw_selector);
}

// attach_metadata as prometheus-operator writes it for PodMonitors and
// ServiceMonitors: node labels on each target, namespace labels on the
// group; both follow changes of the node or namespace.
TEST_F(KubernetesSDTest, AttachMetadataNodeAndNamespace) {
  FakeApiServer api;
  api.Apply("pods", Pod("default", "web-0", "10.0.0.5", 9102));
  api.Apply("pods", Pod("other", "db-0", "10.0.0.6", 5432));
  api.Apply("services", json::parse(R"({"metadata": {"name": "web", "namespace": "default"},
                                        "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})"));
  api.Apply("endpointslices", json::parse(R"({
      "metadata": {"name": "web-abc", "namespace": "default",
                   "labels": {"kubernetes.io/service-name": "web"}},
      "addressType": "IPv4",
      "endpoints": [{"addresses": ["10.0.0.5"], "conditions": {"ready": true},
                     "nodeName": "node-1",
                     "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "default"}}],
      "ports": [{"name": "m", "port": 9102, "protocol": "TCP"}]})"));
  api.Apply("nodes", json::parse(R"({"metadata": {"name": "node-1",
      "labels": {"topology.kubernetes.io/zone": "eu-1a"}}})"));
  api.Apply("namespaces", json::parse(R"({"metadata": {"name": "default",
      "labels": {"team": "blue"}, "annotations": {"owner": "ops"}}})"));
  api.Apply("namespaces", json::parse(R"({"metadata": {"name": "other",
      "labels": {"team": "red"}}})"));

  Collector c(*Config(absl::StrCat("role: endpointslice\napi_server: ", api.url(),
                                   "\nnamespaces: {names: [default]}\n"
                                   "attach_metadata: {node: true, namespace: true}"))
                   ->NewDiscoverer());
  const std::string key = "endpointslice/default/web-abc";
  ASSERT_TRUE(c.WaitFor([&](const auto& s) {
    return s.count(key) && s.at(key).targets.size() == 1;
  }));
  TargetGroup g = c.state()[key];
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_namespace"), "default");
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_namespace_label_team"), "blue");
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_namespace_labelpresent_team"), "true");
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_namespace_annotation_owner"), "ops");
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_namespace_annotationpresent_owner"), "true");
  EXPECT_FALSE(g.labels.Has("__meta_kubernetes_namespace_name"));
  EXPECT_EQ(g.labels.Get("__meta_kubernetes_service_name"), "web");
  EXPECT_EQ(g.targets[0].Get("__meta_kubernetes_node_label_topology_kubernetes_io_zone"),
            "eu-1a");
  EXPECT_EQ(g.targets[0].Get("__meta_kubernetes_node_name"), "node-1");

  // Relabelling the namespace re-emits its groups.
  api.Apply("namespaces", json::parse(R"({"metadata": {"name": "default",
      "labels": {"team": "green"}}})"));
  ASSERT_TRUE(c.WaitFor([&](const auto& s) {
    return s.count(key) &&
           s.at(key).labels.Get("__meta_kubernetes_namespace_label_team") == "green" &&
           !s.at(key).labels.Has("__meta_kubernetes_namespace_annotation_owner");
  }));
  // Namespaces are watched cluster-wide, as Prometheus does.
  bool all_namespaces = false;
  for (const std::string& p : api.paths()) {
    all_namespaces = all_namespaces || absl::StartsWith(p, "/api/v1/namespaces?");
  }
  EXPECT_TRUE(all_namespaces);
}

TEST_F(KubernetesSDTest, PodRoleNamespaceMetadataAndNodeSelector) {
  FakeApiServer api;
  api.Apply("pods", Pod("default", "web-0", "10.0.0.5", 9102));
  api.Apply("namespaces", json::parse(R"({"metadata": {"name": "default",
      "labels": {"team": "blue"}}})"));
  api.Apply("nodes", json::parse(R"({"metadata": {"name": "node-1", "labels": {"a": "b"}}})"));
  Collector c(*Config(absl::StrCat(
                          "role: pod\napi_server: ", api.url(),
                          "\nattach_metadata: {node: true, namespace: true}\n"
                          "selectors: [{role: pod, field: 'spec.nodeName=node-1'},\n"
                          "            {role: node, label: 'a=b', field: 'metadata.name=node-1'}]"))
                   ->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.count("pod/default/web-0") &&
           s.at("pod/default/web-0").labels.Get("__meta_kubernetes_namespace_label_team") ==
               "blue" &&
           s.at("pod/default/web-0").labels.Get("__meta_kubernetes_node_label_a") == "b";
  }));
  bool pod_sel = false, node_sel = false;
  for (const std::string& p : api.paths()) {
    pod_sel = pod_sel || p == "/api/v1/pods?fieldSelector=spec.nodeName=node-1";
    node_sel = node_sel || p == "/api/v1/nodes?labelSelector=a=b&fieldSelector=metadata.name=node-1";
  }
  EXPECT_TRUE(pod_sel);
  EXPECT_TRUE(node_sel);
}

TEST_F(KubernetesSDTest, EndpointsFollowServiceAndPodChanges) {
  FakeApiServer api;
  api.Apply("pods", Pod("default", "web-0", "10.0.0.5", 9102));
  api.Apply("services",
            json::parse(R"({"metadata": {"name": "web", "namespace": "default"},
                            "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})"));
  api.Apply("endpoints", json::parse(R"({
      "metadata": {"name": "web", "namespace": "default"},
      "subsets": [{"addresses": [{"ip": "10.0.0.5",
                                  "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "default"}}],
                   "ports": [{"name": "m", "port": 9102, "protocol": "TCP"}]}]})"));
  Collector c(*Config(absl::StrCat("role: endpoints\napi_server: ", api.url()))
                   ->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.count("endpoints/default/web") &&
           s.at("endpoints/default/web").labels.Has("__meta_kubernetes_service_name") &&
           s.at("endpoints/default/web").targets[0].Has("__meta_kubernetes_pod_name");
  }));
  // Annotating the service re-emits the endpoints group.
  api.Apply("services",
            json::parse(R"({"metadata": {"name": "web", "namespace": "default",
                                         "annotations": {"prometheus.io/scrape": "true"}},
                            "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})"));
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.at("endpoints/default/web").labels.Get(
               "__meta_kubernetes_service_annotation_prometheus_io_scrape") == "true";
  }));
  // Relabeling the pod re-emits it too.
  api.Apply("pods", Pod("default", "web-0", "10.0.0.5", 9102, "web2"));
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.at("endpoints/default/web").targets[0].Get(
               "__meta_kubernetes_pod_label_app") == "web2";
  }));
  api.Delete("endpoints", "default", "web");
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.empty(); }));
}

// Writes the result of an openssl command; false when openssl is missing.
bool MakeCert(const std::string& dir) {
  std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout ", dir, "/key.pem -out ", dir,
      "/ca.crt >/dev/null 2>&1");
  return std::system(cmd.c_str()) == 0;
}

TEST_F(KubernetesSDTest, InClusterHttpsWithToken) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/sa");
  ::mkdir(dir.c_str(), 0755);
  if (!MakeCert(dir)) GTEST_SKIP() << "openssl CLI not available";
  std::ofstream(dir + "/token") << "tok-123\n";
  std::ofstream(dir + "/namespace") << "monitoring\n";
  FakeApiServer api(dir + "/ca.crt", dir + "/key.pem");
  api.RequireToken("tok-123");
  api.Apply("pods", Pod("monitoring", "m", "10.0.0.1"));
  api.Apply("pods", Pod("other", "o", "10.0.0.2"));
  ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(api.port()).c_str(), 1);
  auto cfg = Config("role: pod\nnamespaces: {own_namespace: true}");
  cfg->service_account_dir = dir;
  auto d = cfg->NewDiscoverer();
  ASSERT_TRUE(d.ok()) << d.status();
  Collector c(*std::move(d));
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
  EXPECT_EQ(c.state().count("pod/monitoring/m"), 1u);
  EXPECT_EQ(api.unauthorized(), 0);
  c.Stop();
  // A wrong token is refused: nothing discovered, errors logged.
  std::ofstream(dir + "/token", std::ios::trunc) << "wrong";
  Collector bad(*cfg->NewDiscoverer());
  ASSERT_TRUE(WaitUntil([&] { return api.unauthorized() >= 1; }));
  EXPECT_TRUE(bad.state().empty());
  bad.Stop();
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  auto missing = Config("role: pod")->NewDiscoverer();
  EXPECT_EQ(std::string(missing.status().message()),
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
            "and KUBERNETES_SERVICE_PORT must be defined");
}

TEST_F(KubernetesSDTest, KubeconfigFile) {
  FakeApiServer api;
  api.RequireToken("kc-token");
  api.Apply("nodes", json::parse(R"({"metadata": {"name": "n1"},
      "status": {"addresses": [{"type": "InternalIP", "address": "10.1.0.1"}],
                 "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}})"));
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/kubeconfig");
  std::ofstream(path) << "apiVersion: v1\ncurrent-context: c\n"
                      << "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
                      << "clusters: [{name: k, cluster: {server: '" << api.url()
                      << "'}}]\nusers: [{name: u, user: {token: kc-token}}]\n";
  Collector c(*Config("role: node\nkubeconfig_file: " + path)->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
  EXPECT_EQ(c.state()["node/n1"].targets[0].Get("__address__"), "10.1.0.1:10250");
}

TEST_F(KubernetesSDTest, ApiServerWithoutScheme) {
  FakeApiServer api;
  api.Apply("nodes", {{"kind", "Node"},
                      {"metadata", {{"name", "n1"}, {"uid", "n1"}}},
                      {"status", {{"addresses", json::array({{{"type", "InternalIP"},
                                                              {"address", "10.1.0.1"}}})}}}});
  Collector c(*Config(absl::StrCat("role: node\napi_server: localhost:", api.port()))
                   ->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
}

TEST(KubernetesSDConfigTest, Validation) {
  auto err = [](const std::string& yaml) {
    return std::string(
        ParseKubernetesSDConfig(YAML::Load(yaml), "p.yml").status().message());
  };
  EXPECT_EQ(err("api_server: http://x"),
            "p.yml:1:1: role missing (one of: pod, service, endpoints, "
            "endpointslice, node, ingress)");
  EXPECT_EQ(err("role: foo"), "p.yml:1:7: unknown Kubernetes SD role \"foo\"");
  EXPECT_EQ(err("role: pod\napi_server: http://x\nkubeconfig_file: /k"),
            "p.yml:1:1: cannot use 'kubeconfig_file' and 'api_server' "
            "simultaneously");
  EXPECT_EQ(err("role: pod\nbearer_token: x"),
            "p.yml:1:1: to use custom HTTP client configuration please provide "
            "the 'api_server' URL explicitly");
  EXPECT_EQ(err("role: pod\napi_server: http://x\nnamespaces: {own_namespace: true}"),
            "p.yml:1:1: cannot use 'api_server' and 'namespaces.own_namespace' "
            "simultaneously");
  EXPECT_EQ(err("role: endpoints\nselectors: [{role: node}]"),
            "p.yml:2:13: endpoints role supports only pod, service, endpoints "
            "selectors");
  EXPECT_EQ(err("role: pod\nselectors: [{role: pod}, {role: pod}]"),
            "p.yml:2:26: duplicated selector role: pod");
  EXPECT_EQ(err("role: pod\nfoo: 1"),
            "p.yml:2:1: field foo not found in type kubernetes.plain");
  // Without a scheme, as client-go reads rest.Config.Host: http:// in front.
  // A host:port starting with a digit is already refused by Go's url.Parse.
  EXPECT_EQ(err("role: pod\napi_server: ftp://x"),
            "p.yml:2:13: invalid api_server URL \"ftp://x\": scheme must be http or https");
  EXPECT_EQ(err("role: pod\napi_server: 10.0.0.1:6443"),
            "p.yml:2:13: invalid api_server URL \"10.0.0.1:6443\": first path "
            "segment in URL cannot contain colon");
  for (const auto& [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"example.com", "http://example.com"},
           {"localhost:6443", "http://localhost:6443"},
           {"k8s.local/prefix", "http://k8s.local/prefix"},
           {"https://k:6443", "https://k:6443"}}) {
    auto c = ParseKubernetesSDConfig(YAML::Load("role: node\napi_server: " + in));
    ASSERT_TRUE(c.ok()) << in << ": " << c.status();
    EXPECT_EQ((*c)->api_server, out);
  }
  // Prometheus 3.x lets the pod role select the nodes it attaches.
  EXPECT_TRUE(ParseKubernetesSDConfig(YAML::Load(
                  "role: pod\nselectors: [{role: pod, label: a=b}, {role: node, "
                  "field: metadata.name=n1}]"))
                  .ok());
  EXPECT_EQ(err("role: pod\nselectors: [{role: service}]"),
            "p.yml:2:13: pod role supports only pod, node selectors");
  auto ok = ParseKubernetesSDConfig(YAML::Load(
      "role: endpointslice\napi_server: https://k:6443\nbearer_token_file: /t\n"
      "tls_config: {ca_file: /ca}\nattach_metadata: {node: true}"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->role, KubernetesRole::kEndpointSlice);
  EXPECT_TRUE((*ok)->attach_node);
  EXPECT_EQ((*ok)->http.credentials_file, "/t");
}

}  // namespace
}  // namespace vigil::sd
