// Exact __meta_kubernetes_* labels per role (contract §5) from objects
// shaped like the apiserver's.
#include <string>

#include "gtest/gtest.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {
namespace {

json Pod() {
  return json::parse(R"({
    "kind": "Pod",
    "metadata": {
      "name": "web-0", "namespace": "prod", "uid": "uid-1",
      "labels": {"app": "web", "app.kubernetes.io/name": "web"},
      "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"},
      "ownerReferences": [
        {"kind": "ReplicaSet", "name": "web-rs", "controller": true},
        {"kind": "Other", "name": "x"}
      ]
    },
    "spec": {
      "nodeName": "node-1",
      "containers": [
        {"name": "app", "image": "web:1", "ports": [
          {"name": "http", "containerPort": 8080, "protocol": "TCP"},
          {"name": "metrics", "containerPort": 9102, "protocol": "TCP"}]},
        {"name": "sidecar", "image": "side:2"},
        {"name": "nostatus", "image": "x:1", "ports": [{"containerPort": 1}]}
      ],
      "initContainers": [
        {"name": "init", "image": "init:1", "ports": [{"containerPort": 7000, "protocol": "UDP"}]}
      ]
    },
    "status": {
      "phase": "Running", "podIP": "10.0.0.5", "hostIP": "192.168.1.10",
      "conditions": [{"type": "Initialized", "status": "True"},
                     {"type": "Ready", "status": "True"}],
      "containerStatuses": [
        {"name": "app", "containerID": "containerd://aaa"},
        {"name": "sidecar", "containerID": "containerd://bbb"}],
      "initContainerStatuses": [{"name": "init", "containerID": "containerd://ccc"}]
    }
  })");
}

std::string PodGroupLabels() {
  return "{__meta_kubernetes_namespace=\"prod\", "
         "__meta_kubernetes_pod_annotation_prometheus_io_port=\"9102\", "
         "__meta_kubernetes_pod_annotation_prometheus_io_scrape=\"true\", "
         "__meta_kubernetes_pod_annotationpresent_prometheus_io_port=\"true\", "
         "__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape=\"true\", "
         "__meta_kubernetes_pod_controller_kind=\"ReplicaSet\", "
         "__meta_kubernetes_pod_controller_name=\"web-rs\", "
         "__meta_kubernetes_pod_host_ip=\"192.168.1.10\", "
         "__meta_kubernetes_pod_ip=\"10.0.0.5\", "
         "__meta_kubernetes_pod_label_app=\"web\", "
         "__meta_kubernetes_pod_label_app_kubernetes_io_name=\"web\", "
         "__meta_kubernetes_pod_labelpresent_app=\"true\", "
         "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name=\"true\", "
         "__meta_kubernetes_pod_name=\"web-0\", "
         "__meta_kubernetes_pod_node_name=\"node-1\", "
         "__meta_kubernetes_pod_phase=\"Running\", "
         "__meta_kubernetes_pod_ready=\"true\", "
         "__meta_kubernetes_pod_uid=\"uid-1\"}";
}

TEST(KubernetesBuildersTest, Pod) {
  TargetGroup tg = BuildPod(Pod(), Lookups());
  EXPECT_EQ(tg.source, "pod/prod/web-0");
  EXPECT_EQ(tg.labels.ToString(), PodGroupLabels());
  ASSERT_EQ(tg.targets.size(), 4u);  // 2 ports + portless sidecar + init
  EXPECT_EQ(tg.targets[0].ToString(),
            "{__address__=\"10.0.0.5:8080\", "
            "__meta_kubernetes_pod_container_id=\"containerd://aaa\", "
            "__meta_kubernetes_pod_container_image=\"web:1\", "
            "__meta_kubernetes_pod_container_init=\"false\", "
            "__meta_kubernetes_pod_container_name=\"app\", "
            "__meta_kubernetes_pod_container_port_name=\"http\", "
            "__meta_kubernetes_pod_container_port_number=\"8080\", "
            "__meta_kubernetes_pod_container_port_protocol=\"TCP\"}");
  EXPECT_EQ(tg.targets[1].Get("__address__"), "10.0.0.5:9102");
  EXPECT_EQ(tg.targets[2].ToString(),
            "{__address__=\"10.0.0.5\", "
            "__meta_kubernetes_pod_container_id=\"containerd://bbb\", "
            "__meta_kubernetes_pod_container_image=\"side:2\", "
            "__meta_kubernetes_pod_container_init=\"false\", "
            "__meta_kubernetes_pod_container_name=\"sidecar\"}");
  EXPECT_EQ(tg.targets[3].Get("__address__"), "10.0.0.5:7000");
  EXPECT_EQ(tg.targets[3].Get("__meta_kubernetes_pod_container_init"), "true");
  EXPECT_EQ(tg.targets[3].Get("__meta_kubernetes_pod_container_port_protocol"),
            "UDP");
}

TEST(KubernetesBuildersTest, PodWithoutIpHasNoTargets) {
  json p = Pod();
  p["status"].erase("podIP");
  TargetGroup tg = BuildPod(p, Lookups());
  EXPECT_EQ(tg.source, "pod/prod/web-0");
  EXPECT_TRUE(tg.targets.empty());
}

TEST(KubernetesBuildersTest, PodReadyUnknownAndIpv6) {
  json p = Pod();
  p["status"]["conditions"] = json::array();
  p["status"]["podIP"] = "fd00::5";
  TargetGroup tg = BuildPod(p, Lookups());
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_pod_ready"), "unknown");
  EXPECT_EQ(tg.targets[0].Get("__address__"), "[fd00::5]:8080");
}

TEST(KubernetesBuildersTest, PodAttachNodeMetadata) {
  json node = json::parse(R"({"metadata": {"name": "node-1", "labels": {"zone": "a"}}})");
  Lookups l;
  l.node = [&](const std::string& n) { return n == "node-1" ? &node : nullptr; };
  TargetGroup tg = BuildPod(Pod(), l);
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_node_name"), "node-1");
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_node_label_zone"), "a");
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_node_labelpresent_zone"), "true");
}

TEST(KubernetesBuildersTest, Node) {
  json n = json::parse(R"({
    "metadata": {"name": "node-1", "labels": {"kubernetes.io/os": "linux"},
                 "annotations": {"a": "b"}},
    "spec": {"providerID": "aws:///i-1"},
    "status": {
      "addresses": [{"type": "Hostname", "address": "node-1"},
                    {"type": "ExternalIP", "address": "1.2.3.4"},
                    {"type": "InternalIP", "address": "10.1.0.1"}],
      "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
      "conditions": [{"type": "Ready", "status": "True"},
                     {"type": "DiskPressure", "status": "False"}]
    }
  })");
  TargetGroup tg = BuildNode(n);
  EXPECT_EQ(tg.source, "node/node-1");
  EXPECT_EQ(tg.labels.ToString(),
            "{__meta_kubernetes_node_annotation_a=\"b\", "
            "__meta_kubernetes_node_annotationpresent_a=\"true\", "
            "__meta_kubernetes_node_condition_diskpressure=\"false\", "
            "__meta_kubernetes_node_condition_ready=\"true\", "
            "__meta_kubernetes_node_label_kubernetes_io_os=\"linux\", "
            "__meta_kubernetes_node_labelpresent_kubernetes_io_os=\"true\", "
            "__meta_kubernetes_node_name=\"node-1\", "
            "__meta_kubernetes_node_provider_id=\"aws:///i-1\"}");
  ASSERT_EQ(tg.targets.size(), 1u);
  EXPECT_EQ(tg.targets[0].ToString(),
            "{__address__=\"10.1.0.1:10250\", "
            "__meta_kubernetes_node_address_ExternalIP=\"1.2.3.4\", "
            "__meta_kubernetes_node_address_Hostname=\"node-1\", "
            "__meta_kubernetes_node_address_InternalIP=\"10.1.0.1\", "
            "instance=\"node-1\"}");
  // Without InternalIP, ExternalIP is next; without any address no target.
  n["status"]["addresses"] = json::parse(
      R"([{"type": "Hostname", "address": "h"}, {"type": "ExternalIP", "address": "1.2.3.4"}])");
  EXPECT_EQ(BuildNode(n).targets[0].Get("__address__"), "1.2.3.4:10250");
  n["status"]["addresses"] = json::array();
  EXPECT_TRUE(BuildNode(n).targets.empty());
}

json Service() {
  return json::parse(R"({
    "metadata": {"name": "web", "namespace": "prod", "labels": {"team": "a"},
                 "annotations": {"prometheus.io/scrape": "true"}},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10",
             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                       {"name": "metrics", "port": 9102, "protocol": "TCP"}]}
  })");
}

TEST(KubernetesBuildersTest, Service) {
  TargetGroup tg = BuildService(Service());
  EXPECT_EQ(tg.source, "svc/prod/web");
  EXPECT_EQ(tg.labels.ToString(),
            "{__meta_kubernetes_namespace=\"prod\", "
            "__meta_kubernetes_service_annotation_prometheus_io_scrape=\"true\", "
            "__meta_kubernetes_service_annotationpresent_prometheus_io_scrape=\"true\", "
            "__meta_kubernetes_service_label_team=\"a\", "
            "__meta_kubernetes_service_labelpresent_team=\"true\", "
            "__meta_kubernetes_service_name=\"web\"}");
  ASSERT_EQ(tg.targets.size(), 2u);
  EXPECT_EQ(tg.targets[0].ToString(),
            "{__address__=\"web.prod.svc:80\", "
            "__meta_kubernetes_service_cluster_ip=\"10.96.0.10\", "
            "__meta_kubernetes_service_port_name=\"http\", "
            "__meta_kubernetes_service_port_number=\"80\", "
            "__meta_kubernetes_service_port_protocol=\"TCP\", "
            "__meta_kubernetes_service_type=\"ClusterIP\"}");
  json ext = Service();
  ext["spec"]["type"] = "ExternalName";
  ext["spec"]["externalName"] = "db.example.com";
  TargetGroup e = BuildService(ext);
  EXPECT_EQ(e.targets[0].Get("__meta_kubernetes_service_external_name"),
            "db.example.com");
  EXPECT_FALSE(e.targets[0].Has("__meta_kubernetes_service_cluster_ip"));
  json lb = Service();
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["loadBalancerIP"] = "5.6.7.8";
  EXPECT_EQ(BuildService(lb).targets[0].Get("__meta_kubernetes_service_loadbalancer_ip"),
            "5.6.7.8");
}

TEST(KubernetesBuildersTest, EndpointsJoinServiceAndPod) {
  json eps = json::parse(R"({
    "metadata": {"name": "web", "namespace": "prod", "labels": {"l": "v"}},
    "subsets": [{
      "addresses": [{"ip": "10.0.0.5", "nodeName": "node-1",
                     "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "prod"}}],
      "notReadyAddresses": [{"ip": "10.0.0.9", "hostname": "h9"}],
      "ports": [{"name": "metrics", "port": 9102, "protocol": "TCP"}]
    }]
  })");
  json pod = Pod();
  json svc = Service();
  Lookups l;
  l.pod = [&](const std::string& k) { return k == "prod/web-0" ? &pod : nullptr; };
  l.service = [&](const std::string& k) { return k == "prod/web" ? &svc : nullptr; };
  TargetGroup tg = BuildEndpoints(eps, l);
  EXPECT_EQ(tg.source, "endpoints/prod/web");
  EXPECT_EQ(tg.labels.ToString(),
            "{__meta_kubernetes_endpoints_label_l=\"v\", "
            "__meta_kubernetes_endpoints_labelpresent_l=\"true\", "
            "__meta_kubernetes_endpoints_name=\"web\", "
            "__meta_kubernetes_namespace=\"prod\", "
            "__meta_kubernetes_service_annotation_prometheus_io_scrape=\"true\", "
            "__meta_kubernetes_service_annotationpresent_prometheus_io_scrape=\"true\", "
            "__meta_kubernetes_service_label_team=\"a\", "
            "__meta_kubernetes_service_labelpresent_team=\"true\", "
            "__meta_kubernetes_service_name=\"web\"}");
  // 1 ready pod-backed + 1 not-ready + pod's unbound ports (8080, 1? no:
  // "nostatus" still counts for unbound ports, and 7000 of the init one).
  ASSERT_EQ(tg.targets.size(), 5u);
  const model::Labels& t0 = tg.targets[0];
  EXPECT_EQ(t0.Get("__address__"), "10.0.0.5:9102");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_ready"), "true");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_port_name"), "metrics");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_port_protocol"), "TCP");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_node_name"), "node-1");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_address_target_kind"), "Pod");
  EXPECT_EQ(t0.Get("__meta_kubernetes_endpoint_address_target_name"), "web-0");
  EXPECT_EQ(t0.Get("__meta_kubernetes_pod_name"), "web-0");
  EXPECT_EQ(t0.Get("__meta_kubernetes_pod_container_name"), "app");
  EXPECT_EQ(t0.Get("__meta_kubernetes_pod_container_port_name"), "metrics");
  EXPECT_EQ(t0.Get("__meta_kubernetes_pod_container_port_number"), "9102");
  EXPECT_FALSE(t0.Has("__meta_kubernetes_pod_container_id"));
  const model::Labels& t1 = tg.targets[1];
  EXPECT_EQ(t1.ToString(),
            "{__address__=\"10.0.0.9:9102\", "
            "__meta_kubernetes_endpoint_hostname=\"h9\", "
            "__meta_kubernetes_endpoint_port_name=\"metrics\", "
            "__meta_kubernetes_endpoint_port_protocol=\"TCP\", "
            "__meta_kubernetes_endpoint_ready=\"false\"}");
  EXPECT_EQ(tg.targets[2].Get("__address__"), "10.0.0.5:8080");
  EXPECT_EQ(tg.targets[2].Get("__meta_kubernetes_pod_container_port_name"), "http");
  EXPECT_FALSE(tg.targets[2].Has("__meta_kubernetes_endpoint_ready"));
  EXPECT_EQ(tg.targets[3].Get("__address__"), "10.0.0.5:1");
  EXPECT_EQ(tg.targets[4].Get("__address__"), "10.0.0.5:7000");
  EXPECT_EQ(tg.targets[4].Get("__meta_kubernetes_pod_container_init"), "true");
}

TEST(KubernetesBuildersTest, EndpointSlice) {
  json eps = json::parse(R"({
    "metadata": {"name": "web-abc", "namespace": "prod",
                 "labels": {"kubernetes.io/service-name": "web"}},
    "addressType": "IPv4",
    "endpoints": [{
      "addresses": ["10.0.0.5"],
      "conditions": {"ready": true, "serving": true, "terminating": false},
      "hostname": "web-0", "nodeName": "node-1", "zone": "z1",
      "deprecatedTopology": {"kubernetes.io/hostname": "node-1"},
      "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "prod"}
    }],
    "ports": [{"name": "metrics", "port": 9102, "protocol": "TCP", "appProtocol": "http"}]
  })");
  json pod = Pod();
  json svc = Service();
  Lookups l;
  l.pod = [&](const std::string& k) { return k == "prod/web-0" ? &pod : nullptr; };
  l.service = [&](const std::string& k) { return k == "prod/web" ? &svc : nullptr; };
  TargetGroup tg = BuildEndpointSlice(eps, l);
  EXPECT_EQ(tg.source, "endpointslice/prod/web-abc");
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_endpointslice_address_type"), "IPv4");
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_endpointslice_name"), "web-abc");
  EXPECT_EQ(tg.labels.Get(
                "__meta_kubernetes_endpointslice_label_kubernetes_io_service_name"),
            "web");
  EXPECT_EQ(tg.labels.Get("__meta_kubernetes_service_name"), "web");
  ASSERT_EQ(tg.targets.size(), 4u);  // + unbound 8080, 1, 7000
  const model::Labels& t = tg.targets[0];
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"__address__", "10.0.0.5:9102"},
           {"__meta_kubernetes_endpointslice_port", "9102"},
           {"__meta_kubernetes_endpointslice_port_name", "metrics"},
           {"__meta_kubernetes_endpointslice_port_protocol", "TCP"},
           {"__meta_kubernetes_endpointslice_port_app_protocol", "http"},
           {"__meta_kubernetes_endpointslice_endpoint_conditions_ready", "true"},
           {"__meta_kubernetes_endpointslice_endpoint_conditions_serving", "true"},
           {"__meta_kubernetes_endpointslice_endpoint_conditions_terminating", "false"},
           {"__meta_kubernetes_endpointslice_endpoint_hostname", "web-0"},
           {"__meta_kubernetes_endpointslice_endpoint_node_name", "node-1"},
           {"__meta_kubernetes_endpointslice_endpoint_zone", "z1"},
           {"__meta_kubernetes_endpointslice_endpoint_topology_kubernetes_io_hostname", "node-1"},
           {"__meta_kubernetes_endpointslice_endpoint_topology_present_kubernetes_io_hostname", "true"},
           {"__meta_kubernetes_endpointslice_address_target_kind", "Pod"},
           {"__meta_kubernetes_endpointslice_address_target_name", "web-0"},
           {"__meta_kubernetes_pod_name", "web-0"},
           {"__meta_kubernetes_pod_container_name", "app"}}) {
    EXPECT_EQ(t.Get(k), v) << k;
  }
}

TEST(KubernetesBuildersTest, Ingress) {
  json ing = json::parse(R"({
    "metadata": {"name": "web", "namespace": "prod"},
    "spec": {
      "ingressClassName": "nginx",
      "tls": [{"hosts": ["*.example.com"]}],
      "rules": [
        {"host": "a.example.com", "http": {"paths": [{"path": "/api"}, {"path": ""}]}},
        {"host": "b.other.org"},
        {"host": "x.y.example.com", "http": {"paths": [{"path": "/"}]}}
      ]
    }
  })");
  TargetGroup tg = BuildIngress(ing);
  EXPECT_EQ(tg.source, "ingress/prod/web");
  EXPECT_EQ(tg.labels.ToString(),
            "{__meta_kubernetes_ingress_class_name=\"nginx\", "
            "__meta_kubernetes_ingress_name=\"web\", "
            "__meta_kubernetes_namespace=\"prod\"}");
  ASSERT_EQ(tg.targets.size(), 4u);
  EXPECT_EQ(tg.targets[0].ToString(),
            "{__address__=\"a.example.com\", "
            "__meta_kubernetes_ingress_host=\"a.example.com\", "
            "__meta_kubernetes_ingress_path=\"/api\", "
            "__meta_kubernetes_ingress_scheme=\"https\"}");
  EXPECT_EQ(tg.targets[1].Get("__meta_kubernetes_ingress_path"), "/");
  EXPECT_EQ(tg.targets[2].Get("__meta_kubernetes_ingress_scheme"), "http");
  EXPECT_EQ(tg.targets[2].Get("__meta_kubernetes_ingress_path"), "/");
  // The wildcard covers one label only.
  EXPECT_EQ(tg.targets[3].Get("__meta_kubernetes_ingress_scheme"), "http");
}

TEST(KubernetesBuildersTest, SanitizeAndJoin) {
  EXPECT_EQ(SanitizeLabelName("app.kubernetes.io/name"), "app_kubernetes_io_name");
  EXPECT_EQ(SanitizeLabelName("a-b c"), "a_b_c");
  EXPECT_EQ(JoinHostPort("10.0.0.1", "80"), "10.0.0.1:80");
  EXPECT_EQ(JoinHostPort("::1", "80"), "[::1]:80");
}

}  // namespace
}  // namespace vigil::sd::kubernetes_internal
