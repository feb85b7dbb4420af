// Role "endpointslice" (discovery.k8s.io/v1): one target per endpoint
// address x port, joined with the service named by the
// kubernetes.io/service-name label and with backing pods; plus the pods'
// unbound container ports.
#include "absl/strings/str_cat.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string EndpointSliceSource(const json& eps) {
  return absl::StrCat("endpointslice/", Str(eps, {"metadata", "namespace"}),
                      "/", Str(eps, {"metadata", "name"}));
}

namespace {

void SetBool(const json& v, const char* label, LabelMap* t) {
  if (v.is_boolean()) (*t)[label] = v.get<bool>() ? "true" : "false";
}

}  // namespace

TargetGroup BuildEndpointSlice(const json& eps, const Lookups& lookups) {
  TargetGroup tg;
  tg.source = EndpointSliceSource(eps);
  std::string ns = Str(eps, {"metadata", "namespace"});
  LabelMap labels;
  labels[std::string(kNamespaceLabel)] = ns;
  labels["__meta_kubernetes_endpointslice_address_type"] = Str(eps, {"addressType"});
  AddObjectMetaLabels(eps, "endpointslice", &labels);
  std::string svc_name =
      Str(eps, {"metadata", "labels", "kubernetes.io/service-name"});
  if (lookups.service && !svc_name.empty()) {
    if (const json* svc = lookups.service(absl::StrCat(ns, "/", svc_name))) {
      AddServiceLabels(*svc, &labels);
    }
  }
  tg.labels = ToLabels(labels);

  SeenPods seen;
  const json& endpoints = At(eps, {"endpoints"});
  const json& ports = At(eps, {"ports"});
  if (!endpoints.is_array() || !ports.is_array()) return tg;
  for (const json& ep : endpoints) {
    for (const json& port : ports) {
      const json& addrs = At(ep, {"addresses"});
      if (!addrs.is_array()) continue;
      for (const json& addr_j : addrs) {
        if (!addr_j.is_string()) continue;
        std::string addr = addr_j.get<std::string>();
        const json& pn = At(port, {"port"});
        bool has_port = pn.is_number();
        std::string num = Num(port, {"port"});
        LabelMap t;
        t["__address__"] = has_port ? JoinHostPort(addr, num) : addr;
        if (At(port, {"name"}).is_string()) {
          t["__meta_kubernetes_endpointslice_port_name"] = Str(port, {"name"});
        }
        if (At(port, {"protocol"}).is_string()) {
          t["__meta_kubernetes_endpointslice_port_protocol"] =
              Str(port, {"protocol"});
        }
        if (has_port) t["__meta_kubernetes_endpointslice_port"] = num;
        if (At(port, {"appProtocol"}).is_string()) {
          t["__meta_kubernetes_endpointslice_port_app_protocol"] =
              Str(port, {"appProtocol"});
        }
        SetBool(At(ep, {"conditions", "ready"}),
                "__meta_kubernetes_endpointslice_endpoint_conditions_ready", &t);
        SetBool(At(ep, {"conditions", "serving"}),
                "__meta_kubernetes_endpointslice_endpoint_conditions_serving", &t);
        SetBool(At(ep, {"conditions", "terminating"}),
                "__meta_kubernetes_endpointslice_endpoint_conditions_terminating",
                &t);
        if (At(ep, {"hostname"}).is_string()) {
          t["__meta_kubernetes_endpointslice_endpoint_hostname"] =
              Str(ep, {"hostname"});
        }
        const json& ref = At(ep, {"targetRef"});
        if (ref.is_object()) {
          t["__meta_kubernetes_endpointslice_address_target_kind"] = Str(ref, {"kind"});
          t["__meta_kubernetes_endpointslice_address_target_name"] = Str(ref, {"name"});
        }
        std::string node_name = Str(ep, {"nodeName"});
        if (At(ep, {"nodeName"}).is_string()) {
          t["__meta_kubernetes_endpointslice_endpoint_node_name"] = node_name;
        }
        if (At(ep, {"zone"}).is_string()) {
          t["__meta_kubernetes_endpointslice_endpoint_zone"] = Str(ep, {"zone"});
        }
        const json& topo = At(ep, {"deprecatedTopology"});
        if (topo.is_object()) {
          for (auto it = topo.begin(); it != topo.end(); ++it) {
            if (!it->is_string()) continue;
            std::string ln = SanitizeLabelName(it.key());
            t["__meta_kubernetes_endpointslice_endpoint_topology_" + ln] =
                it->get<std::string>();
            t["__meta_kubernetes_endpointslice_endpoint_topology_present_" + ln] =
                "true";
          }
        }
        if (!node_name.empty()) {
          AddNodeMetadata(lookups, node_name, &t);
        } else if (ref.is_object() && Str(ref, {"kind"}) == "Node") {
          AddNodeMetadata(lookups, Str(ref, {"name"}), &t);
        }
        const json* pod = nullptr;
        if (ref.is_object() && Str(ref, {"kind"}) == "Pod" && lookups.pod) {
          std::string pns = Str(ref, {"namespace"});
          pod = lookups.pod(absl::StrCat(pns.empty() ? ns : pns, "/",
                                         Str(ref, {"name"})));
        }
        if (pod == nullptr) {
          tg.targets.push_back(ToLabels(t));
          continue;
        }
        AddPodLabels(*pod, &t);
        int64_t pnum = has_port ? pn.get<int64_t>() : -1;
        size_t n_regular;
        std::vector<const json*> containers = Containers(*pod, &n_regular);
        bool matched = false;
        for (size_t i = 0; i < containers.size() && !matched && has_port; ++i) {
          const json& cports = At(*containers[i], {"ports"});
          if (!cports.is_array()) continue;
          for (const json& cp : cports) {
            const json& cn = At(cp, {"containerPort"});
            if (!cn.is_number() || cn.get<int64_t>() != pnum) continue;
            t["__meta_kubernetes_pod_container_name"] = Str(*containers[i], {"name"});
            t["__meta_kubernetes_pod_container_image"] = Str(*containers[i], {"image"});
            t["__meta_kubernetes_pod_container_port_name"] = Str(cp, {"name"});
            t["__meta_kubernetes_pod_container_port_number"] = num;
            t["__meta_kubernetes_pod_container_port_protocol"] = Str(cp, {"protocol"});
            t["__meta_kubernetes_pod_container_init"] =
                i >= n_regular ? "true" : "false";
            matched = true;
            break;
          }
        }
        seen.Add(pod, pnum);
        tg.targets.push_back(ToLabels(t));
      }
    }
  }
  AppendUnboundPodPorts(seen, &tg);
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
