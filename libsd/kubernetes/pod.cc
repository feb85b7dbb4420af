// Role "pod": one target per declared container port (podIP:port), or
// per container without ports (podIP), init containers included.
#include "absl/strings/str_cat.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string PodSource(const json& pod) {
  return absl::StrCat("pod/", Str(pod, {"metadata", "namespace"}), "/",
                      Str(pod, {"metadata", "name"}));
}

namespace {

// The container's status ID, or nullopt when the pod has no status for it
// (Prometheus skips such containers).
bool FindContainerID(const json& pod, bool init, const std::string& name,
                     std::string* id) {
  const json& statuses =
      At(pod, {"status", init ? "initContainerStatuses" : "containerStatuses"});
  if (!statuses.is_array()) return false;
  for (const json& s : statuses) {
    if (Str(s, {"name"}) == name) {
      *id = Str(s, {"containerID"});
      return true;
    }
  }
  return false;
}

}  // namespace

TargetGroup BuildPod(const json& pod, const Lookups& lookups) {
  TargetGroup tg;
  tg.source = PodSource(pod);
  std::string ip = Str(pod, {"status", "podIP"});
  if (ip.empty()) return tg;  // starting or evicted
  LabelMap labels;
  AddPodLabels(pod, &labels);
  labels[std::string(kNamespaceLabel)] = Str(pod, {"metadata", "namespace"});
  AddNodeMetadata(lookups, Str(pod, {"spec", "nodeName"}), &labels);
  tg.labels = ToLabels(labels);

  size_t n_regular;
  std::vector<const json*> containers = Containers(pod, &n_regular);
  for (size_t i = 0; i < containers.size(); ++i) {
    const json& c = *containers[i];
    bool init = i >= n_regular;
    std::string name = Str(c, {"name"});
    std::string id;
    if (!FindContainerID(pod, init, name, &id)) continue;
    LabelMap base;
    base["__meta_kubernetes_pod_container_name"] = name;
    base["__meta_kubernetes_pod_container_id"] = id;
    base["__meta_kubernetes_pod_container_image"] = Str(c, {"image"});
    base["__meta_kubernetes_pod_container_init"] = init ? "true" : "false";
    const json& ports = At(c, {"ports"});
    if (!ports.is_array() || ports.empty()) {
      base["__address__"] = ip;
      tg.targets.push_back(ToLabels(base));
      continue;
    }
    for (const json& p : ports) {
      LabelMap t = base;
      std::string num = Num(p, {"containerPort"});
      t["__address__"] = JoinHostPort(ip, num);
      t["__meta_kubernetes_pod_container_port_number"] = num;
      t["__meta_kubernetes_pod_container_port_name"] = Str(p, {"name"});
      t["__meta_kubernetes_pod_container_port_protocol"] = Str(p, {"protocol"});
      tg.targets.push_back(ToLabels(t));
    }
  }
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
