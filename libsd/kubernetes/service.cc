// Role "service": one target per service port at <svc>.<ns>.svc:<port>.
#include "absl/strings/str_cat.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string ServiceSource(const json& svc) {
  return absl::StrCat("svc/", Str(svc, {"metadata", "namespace"}), "/",
                      Str(svc, {"metadata", "name"}));
}

void AddServiceLabels(const json& svc, LabelMap* out) {
  (*out)[std::string(kNamespaceLabel)] = Str(svc, {"metadata", "namespace"});
  AddObjectMetaLabels(svc, "service", out);
}

TargetGroup BuildService(const json& svc) {
  TargetGroup tg;
  tg.source = ServiceSource(svc);
  LabelMap labels;
  AddServiceLabels(svc, &labels);
  tg.labels = ToLabels(labels);
  std::string name = Str(svc, {"metadata", "name"});
  std::string ns = Str(svc, {"metadata", "namespace"});
  std::string type = Str(svc, {"spec", "type"});
  const json& ports = At(svc, {"spec", "ports"});
  if (!ports.is_array()) return tg;
  for (const json& p : ports) {
    std::string num = Num(p, {"port"});
    LabelMap t;
    t["__address__"] = JoinHostPort(absl::StrCat(name, ".", ns, ".svc"), num);
    t["__meta_kubernetes_service_port_name"] = Str(p, {"name"});
    t["__meta_kubernetes_service_port_number"] = num;
    t["__meta_kubernetes_service_port_protocol"] = Str(p, {"protocol"});
    t["__meta_kubernetes_service_type"] = type;
    if (type == "ExternalName") {
      t["__meta_kubernetes_service_external_name"] =
          Str(svc, {"spec", "externalName"});
    } else {
      t["__meta_kubernetes_service_cluster_ip"] = Str(svc, {"spec", "clusterIP"});
    }
    if (type == "LoadBalancer") {
      t["__meta_kubernetes_service_loadbalancer_ip"] =
          Str(svc, {"spec", "loadBalancerIP"});
    }
    tg.targets.push_back(ToLabels(t));
  }
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
