// Role "node": one target per node at its kubelet port.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string NodeSource(const json& node) {
  return absl::StrCat("node/", Str(node, {"metadata", "name"}));
}

void AddNodeMetadata(const Lookups& lookups, const std::string& node_name,
                     LabelMap* out) {
  if (!lookups.node || node_name.empty()) return;
  const json* node = lookups.node(node_name);
  if (node == nullptr) return;
  AddObjectMetaLabels(*node, "node", out);
}

void AddNamespaceMetadata(const json& ns, LabelMap* out) {
  LabelMap meta;
  AddObjectMetaLabels(ns, "namespace", &meta);
  meta.erase("__meta_kubernetes_namespace_name");
  for (auto& [k, v] : meta) (*out)[k] = std::move(v);
}

TargetGroup BuildNode(const json& node) {
  TargetGroup tg;
  tg.source = NodeSource(node);
  LabelMap labels;
  labels["__meta_kubernetes_node_provider_id"] = Str(node, {"spec", "providerID"});
  AddObjectMetaLabels(node, "node", &labels);
  const json& conds = At(node, {"status", "conditions"});
  if (conds.is_array()) {
    for (const json& c : conds) {
      std::string type = Str(c, {"type"});
      if (type.empty()) continue;
      labels[absl::StrCat("__meta_kubernetes_node_condition_",
                          SanitizeLabelName(absl::AsciiStrToLower(type)))] =
          absl::AsciiStrToLower(Str(c, {"status"}));
    }
  }
  tg.labels = ToLabels(labels);

  // Addresses by type, first one of each type kept.
  std::map<std::string, std::string> by_type;
  const json& addrs = At(node, {"status", "addresses"});
  if (addrs.is_array()) {
    for (const json& a : addrs) {
      by_type.emplace(Str(a, {"type"}), Str(a, {"address"}));
    }
  }
  std::string addr;
  for (const char* t : {"InternalIP", "ExternalIP", "LegacyHostIP", "Hostname"}) {
    auto it = by_type.find(t);
    if (it != by_type.end()) {
      addr = it->second;
      break;
    }
  }
  if (addr.empty()) return tg;  // "No node address found"
  std::string port = Num(node, {"status", "daemonEndpoints", "kubeletEndpoint", "Port"});
  if (port.empty()) port = "0";
  LabelMap t;
  t["__address__"] = JoinHostPort(addr, port);
  t["instance"] = Str(node, {"metadata", "name"});
  for (const auto& [type, a] : by_type) {
    t[SanitizeLabelName(absl::StrCat("__meta_kubernetes_node_address_", type))] = a;
  }
  tg.targets.push_back(ToLabels(t));
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
