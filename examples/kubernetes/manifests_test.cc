// Validates examples/kubernetes/: every manifest is well-formed YAML with
// apiVersion/kind/metadata.name; the ConfigMap's prometheus.yml loads with
// Vigil's strict config parser and its rules with librules; the Deployment's
// args are valid Vigil flags whose config and storage paths are mounted
// from the ConfigMap and an emptyDir; the Service selects the Deployment's
// pods and targets its container port; Grafana's provisioned data source
// points at the Service; the Dockerfile's default command parses.

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "examples/server/config.h"
#include "examples/server/flags.h"
#include "libweb/http/web_config.h"
#include "gtest/gtest.h"
#include "librules/rule_file.h"
#include "yaml-cpp/yaml.h"

namespace vigil::server {
namespace {

std::string Dir() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/vigil/examples/kubernetes/";
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ManifestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"namespace.yaml", "cluster-role.yaml", "config-map.yaml",
                          "deployment.yaml", "service.yaml", "node-exporter.yaml",
                          "grafana.yaml"}) {
      std::string text = Read(Dir() + f);
      ASSERT_FALSE(text.empty()) << f;
      std::vector<YAML::Node> docs;
      try {
        docs = YAML::LoadAll(text);
      } catch (const YAML::Exception& e) {
        FAIL() << f << ": " << e.what();
      }
      for (const YAML::Node& d : docs) {
        if (!d || d.IsNull()) continue;
        ASSERT_TRUE(d["apiVersion"] && d["kind"] && d["metadata"]["name"]) << f;
        objects_[d["kind"].as<std::string>() + "/" + d["metadata"]["name"].as<std::string>()] = d;
      }
    }
  }

  YAML::Node Get(const std::string& key) {
    EXPECT_TRUE(objects_.count(key)) << key;
    return objects_[key];
  }

  std::map<std::string, YAML::Node> objects_;
};

TEST_F(ManifestsTest, ObjectsPresent) {
  for (const char* k : {"Namespace/monitoring", "ClusterRole/vigil", "ClusterRoleBinding/vigil",
                        "ConfigMap/vigil-server-conf", "Deployment/vigil-deployment",
                        "Service/vigil-service", "DaemonSet/node-exporter",
                        "Service/node-exporter", "Deployment/grafana", "Service/grafana",
                        "ConfigMap/grafana-datasources"}) {
    EXPECT_TRUE(objects_.count(k)) << k;
  }
}

TEST_F(ManifestsTest, ConfigMapLoadsWithVigilParsers) {
  YAML::Node cm = Get("ConfigMap/vigil-server-conf");
  std::string yml = cm["data"]["prometheus.yml"].as<std::string>();
  absl::StatusOr<Config> cfg = ParseConfig(yml, "/etc/prometheus/prometheus.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->scrape_configs.size(), 6u);
  ASSERT_EQ(cfg->rule_files.size(), 1u);
  EXPECT_EQ(cfg->rule_files[0], "/etc/prometheus/prometheus.rules");
  std::string rules = cm["data"]["prometheus.rules"].as<std::string>();
  absl::StatusOr<rules::RuleFile> rf = rules::ParseRuleFile(rules, "prometheus.rules");
  ASSERT_TRUE(rf.ok()) << rf.status();
  EXPECT_EQ(rf->groups.size(), 2u);
}

TEST_F(ManifestsTest, DeploymentServiceAndVolumesAgree) {
  YAML::Node dep = Get("Deployment/vigil-deployment");
  YAML::Node pod = dep["spec"]["template"];
  YAML::Node c = pod["spec"]["containers"][0];
  EXPECT_TRUE(absl::StartsWith(c["image"].as<std::string>(), "vigil"));
  std::vector<std::string> args = {"vigil"};
  for (const YAML::Node& a : c["args"]) args.push_back(a.as<std::string>());
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  absl::StatusOr<Flags> flags = ParseFlags(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(flags.ok()) << flags.status();

  // Config and storage paths are mounted from the right volumes.
  std::map<std::string, std::string> mounts;  // mountPath -> volume
  for (const YAML::Node& m : c["volumeMounts"]) {
    mounts[m["mountPath"].as<std::string>()] = m["name"].as<std::string>();
  }
  std::map<std::string, YAML::Node> volumes;
  for (const YAML::Node& v : pod["spec"]["volumes"]) volumes[v["name"].as<std::string>()] = v;
  auto volume_for = [&](const std::string& path) -> YAML::Node {
    for (const auto& [mp, name] : mounts) {
      if (absl::StartsWith(path, mp)) return volumes[name];
    }
    return YAML::Node();
  };
  YAML::Node cfg_vol = volume_for(flags->config_file);
  ASSERT_TRUE(cfg_vol && cfg_vol["configMap"]) << flags->config_file;
  EXPECT_EQ(cfg_vol["configMap"]["name"].as<std::string>(), "vigil-server-conf");
  YAML::Node data_vol = volume_for(flags->storage_path);
  ASSERT_TRUE(data_vol && data_vol["emptyDir"]) << flags->storage_path;

  // The Service selects these pods and targets the listening port.
  int container_port = c["ports"][0]["containerPort"].as<int>();
  std::vector<std::string> hp = absl::StrSplit(flags->listen_address, ':');
  int listen_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(hp.back(), &listen_port));
  EXPECT_EQ(container_port, listen_port);
  YAML::Node svc = Get("Service/vigil-service");
  for (const auto& kv : svc["spec"]["selector"]) {
    EXPECT_EQ(pod["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>(),
              kv.second.as<std::string>());
  }
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"].as<int>(), container_port);
  EXPECT_EQ(svc["spec"]["ports"][0]["nodePort"].as<int>(), 30001);
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/-/ready");

  // Grafana's data source points at the Service.
  YAML::Node ds = YAML::Load(
      Get("ConfigMap/grafana-datasources")["data"]["vigil.yaml"].as<std::string>());
  EXPECT_EQ(ds["datasources"][0]["type"].as<std::string>(), "prometheus");
  EXPECT_EQ(ds["datasources"][0]["url"].as<std::string>(),
            "http://vigil-service.monitoring.svc:" +
                std::to_string(svc["spec"]["ports"][0]["port"].as<int>()));
}

TEST_F(ManifestsTest, DockerfileDefaultCommandParses) {
  std::string df = Read(Dir() + "Dockerfile");
  ASSERT_NE(df.find("FROM debian:12"), std::string::npos);
  size_t cmd = df.find("\nCMD [");
  ASSERT_NE(cmd, std::string::npos);
  std::string line = df.substr(cmd + 5, df.find('\n', cmd + 1) - cmd - 5);
  YAML::Node args = YAML::Load(line);  // a JSON array is YAML
  std::vector<std::string> a = {"vigil"};
  for (const YAML::Node& x : args) a.push_back(x.as<std::string>());
  std::vector<const char*> argv;
  for (const std::string& s : a) argv.push_back(s.c_str());
  EXPECT_TRUE(ParseFlags(static_cast<int>(argv.size()), argv.data()).ok());
}

// The prometheus-operator objects: the Prometheus object runs Vigil's
// image with TLS from a Secret, the ServiceMonitors are well-formed and
// select what they name, and the standalone web config loads.
TEST(KubePrometheusManifestsTest, OperatorObjectsAndWebConfig) {
  const std::string dir = Dir() + "kube-prometheus/";
  YAML::Node prom = YAML::LoadFile(dir + "prometheus.yaml");
  EXPECT_EQ(prom["apiVersion"].as<std::string>(), "monitoring.coreos.com/v1");
  EXPECT_EQ(prom["kind"].as<std::string>(), "Prometheus");
  EXPECT_EQ(prom["spec"]["image"].as<std::string>(), "vigil:latest");
  EXPECT_TRUE(prom["spec"]["web"]["tlsConfig"]["keySecret"]["name"].IsDefined());
  for (const char* f : {"servicemonitor-node-exporter.yaml", "servicemonitor-vigil.yaml"}) {
    YAML::Node sm = YAML::LoadFile(dir + f);
    EXPECT_EQ(sm["kind"].as<std::string>(), "ServiceMonitor") << f;
    EXPECT_EQ(sm["metadata"]["namespace"].as<std::string>(), "monitoring") << f;
    // A ServiceMonitor selects the Services carrying its own name label.
    EXPECT_EQ(sm["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>(),
              sm["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>())
        << f;
    ASSERT_TRUE(sm["spec"]["endpoints"].IsSequence()) << f;
    EXPECT_TRUE(sm["spec"]["endpoints"][0]["port"].IsDefined()) << f;
  }
  YAML::Node secret = YAML::LoadFile(dir + "web-config-secret.yaml");
  std::string web = secret["stringData"]["web-config.yml"].as<std::string>();
  absl::StatusOr<web::WebConfig> wc = web::ParseWebConfig(web, "/etc/vigil-web/web-config.yml");
  ASSERT_TRUE(wc.ok()) << wc.status();
  ASSERT_NE(wc->tls, nullptr);
  EXPECT_EQ(wc->tls->cert_file, "/etc/vigil-tls/tls.crt");
  ASSERT_EQ(wc->basic_auth_users.count("admin"), 1u);
  EXPECT_TRUE(web::BcryptMatches("change-me", wc->basic_auth_users.at("admin")));
}

}  // namespace
}  // namespace vigil::server
