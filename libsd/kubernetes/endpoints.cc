// Role "endpoints": one target per address x port of every subset (ready
// and not ready), joined with the service of the same name and, for
// pod-backed addresses, the pod; plus the pods' unbound container ports.
#include "absl/strings/str_cat.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string EndpointsSource(const json& eps) {
  return absl::StrCat("endpoints/", Str(eps, {"metadata", "namespace"}), "/",
                      Str(eps, {"metadata", "name"}));
}

void SeenPods::Add(const json* pod, int64_t port) {
  std::string key = ObjectKey(*pod);
  auto it = pods.find(key);
  if (it == pods.end()) {
    order.push_back(key);
    it = pods.emplace(key, std::make_pair(pod, std::vector<int64_t>())).first;
  }
  it->second.second.push_back(port);
}

void AppendUnboundPodPorts(const SeenPods& seen, TargetGroup* tg) {
  for (const std::string& key : seen.order) {
    const auto& [pod, used] = seen.pods.at(key);
    std::string ip = Str(*pod, {"status", "podIP"});
    if (ip.empty()) continue;
    size_t n_regular;
    std::vector<const json*> containers = Containers(*pod, &n_regular);
    for (size_t i = 0; i < containers.size(); ++i) {
      const json& c = *containers[i];
      const json& ports = At(c, {"ports"});
      if (!ports.is_array()) continue;
      for (const json& p : ports) {
        const json& cp = At(p, {"containerPort"});
        int64_t num = cp.is_number() ? cp.get<int64_t>() : 0;
        bool bound = false;
        for (int64_t u : used) bound = bound || u == num;
        if (bound) continue;
        LabelMap t;
        AddPodLabels(*pod, &t);
        t["__address__"] = JoinHostPort(ip, absl::StrCat(num));
        t["__meta_kubernetes_pod_container_name"] = Str(c, {"name"});
        t["__meta_kubernetes_pod_container_image"] = Str(c, {"image"});
        t["__meta_kubernetes_pod_container_port_name"] = Str(p, {"name"});
        t["__meta_kubernetes_pod_container_port_number"] = absl::StrCat(num);
        t["__meta_kubernetes_pod_container_port_protocol"] = Str(p, {"protocol"});
        t["__meta_kubernetes_pod_container_init"] =
            i >= n_regular ? "true" : "false";
        tg->targets.push_back(ToLabels(t));
      }
    }
  }
}

namespace {

const json* ResolvePod(const Lookups& lookups, const json& ref,
                       const std::string& default_ns) {
  if (!ref.is_object() || Str(ref, {"kind"}) != "Pod" || !lookups.pod) {
    return nullptr;
  }
  std::string ns = Str(ref, {"namespace"});
  if (ns.empty()) ns = default_ns;
  return lookups.pod(absl::StrCat(ns, "/", Str(ref, {"name"})));
}

}  // namespace

TargetGroup BuildEndpoints(const json& eps, const Lookups& lookups) {
  TargetGroup tg;
  tg.source = EndpointsSource(eps);
  std::string ns = Str(eps, {"metadata", "namespace"});
  std::string name = Str(eps, {"metadata", "name"});
  LabelMap labels;
  labels[std::string(kNamespaceLabel)] = ns;
  if (lookups.service) {
    if (const json* svc = lookups.service(absl::StrCat(ns, "/", name))) {
      AddServiceLabels(*svc, &labels);
    }
  }
  AddObjectMetaLabels(eps, "endpoints", &labels);
  tg.labels = ToLabels(labels);

  SeenPods seen;
  auto add = [&](const json& addr, const json& port, const char* ready) {
    std::string num = Num(port, {"port"});
    LabelMap t;
    t["__address__"] = JoinHostPort(Str(addr, {"ip"}), num);
    t["__meta_kubernetes_endpoint_port_name"] = Str(port, {"name"});
    t["__meta_kubernetes_endpoint_port_protocol"] = Str(port, {"protocol"});
    t["__meta_kubernetes_endpoint_ready"] = ready;
    const json& ref = At(addr, {"targetRef"});
    if (ref.is_object()) {
      t["__meta_kubernetes_endpoint_address_target_kind"] = Str(ref, {"kind"});
      t["__meta_kubernetes_endpoint_address_target_name"] = Str(ref, {"name"});
    }
    std::string node_name = Str(addr, {"nodeName"});
    if (!node_name.empty()) t["__meta_kubernetes_endpoint_node_name"] = node_name;
    std::string hostname = Str(addr, {"hostname"});
    if (!hostname.empty()) t["__meta_kubernetes_endpoint_hostname"] = hostname;
    if (!node_name.empty()) {
      AddNodeMetadata(lookups, node_name, &t);
    } else if (ref.is_object() && Str(ref, {"kind"}) == "Node") {
      AddNodeMetadata(lookups, Str(ref, {"name"}), &t);
    }
    const json* pod = ResolvePod(lookups, ref, ns);
    if (pod == nullptr) {
      tg.targets.push_back(ToLabels(t));
      return;
    }
    AddPodLabels(*pod, &t);
    const json& pn = At(port, {"port"});
    int64_t pnum = pn.is_number() ? pn.get<int64_t>() : 0;
    size_t n_regular;
    std::vector<const json*> containers = Containers(*pod, &n_regular);
    bool matched = false;
    for (size_t i = 0; i < containers.size() && !matched; ++i) {
      const json& cports = At(*containers[i], {"ports"});
      if (!cports.is_array()) continue;
      for (const json& cp : cports) {
        const json& cn = At(cp, {"containerPort"});
        if (!cn.is_number() || cn.get<int64_t>() != pnum) continue;
        t["__meta_kubernetes_pod_container_name"] = Str(*containers[i], {"name"});
        t["__meta_kubernetes_pod_container_image"] = Str(*containers[i], {"image"});
        t["__meta_kubernetes_pod_container_port_name"] = Str(cp, {"name"});
        t["__meta_kubernetes_pod_container_port_number"] = num;
        t["__meta_kubernetes_pod_container_port_protocol"] = Str(port, {"protocol"});
        t["__meta_kubernetes_pod_container_init"] = i >= n_regular ? "true" : "false";
        matched = true;
        break;
      }
    }
    seen.Add(pod, pnum);
    tg.targets.push_back(ToLabels(t));
  };

  const json& subsets = At(eps, {"subsets"});
  if (subsets.is_array()) {
    for (const json& ss : subsets) {
      const json& ports = At(ss, {"ports"});
      if (!ports.is_array()) continue;
      for (const json& port : ports) {
        const json& ready = At(ss, {"addresses"});
        if (ready.is_array()) {
          for (const json& a : ready) add(a, port, "true");
        }
        const json& not_ready = At(ss, {"notReadyAddresses"});
        if (not_ready.is_array()) {
          for (const json& a : not_ready) add(a, port, "false");
        }
      }
    }
  }
  AppendUnboundPodPorts(seen, &tg);
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
