// Target-group builders, one per role (node.cc, pod.cc, service.cc,
// endpoints.cc, endpointslice.cc, ingress.cc): from Kubernetes API objects
// (JSON as the apiserver sends them) to the target groups and
// __meta_kubernetes_* labels Prometheus 3.x produces.
//
// Thread safety: pure functions; lookups must be safe to call.

#ifndef VIGIL_LIBSD_KUBERNETES_INTERNAL_BUILDERS_H_
#define VIGIL_LIBSD_KUBERNETES_INTERNAL_BUILDERS_H_

#include <functional>
#include <map>
#include <utility>
#include <vector>
#include <string>

#include "libsd/kubernetes/internal/meta.h"
#include "libsd/target_group.h"

namespace vigil::sd::kubernetes_internal {

// Reads into the other resources a role joins with; each returns nullptr
// when the object is unknown. Keys are "<ns>/<name>" (nodes: "<name>").
struct Lookups {
  std::function<const json*(const std::string& key)> pod;
  std::function<const json*(const std::string& key)> service;
  std::function<const json*(const std::string& name)> node;  // null: off
};

std::string NodeSource(const json& node);           // node/<name>
std::string PodSource(const json& pod);             // pod/<ns>/<name>
std::string ServiceSource(const json& svc);         // svc/<ns>/<name>
std::string EndpointsSource(const json& eps);       // endpoints/<ns>/<name>
std::string EndpointSliceSource(const json& eps);   // endpointslice/<ns>/<name>
std::string IngressSource(const json& ing);         // ingress/<ns>/<name>

// A group with no targets means "nothing to scrape" (a pod without IP, a
// node without address), which also removes earlier targets.
TargetGroup BuildNode(const json& node);
TargetGroup BuildPod(const json& pod, const Lookups& lookups);
TargetGroup BuildService(const json& svc);
TargetGroup BuildEndpoints(const json& eps, const Lookups& lookups);
TargetGroup BuildEndpointSlice(const json& eps, const Lookups& lookups);
TargetGroup BuildIngress(const json& ing);

// Node metadata labels (attach_metadata.node) for `node_name` merged into
// `out`, when lookups.node is set and knows the node.
void AddNodeMetadata(const Lookups& lookups, const std::string& node_name,
                     LabelMap* out);

// The namespace's labels and annotations (attach_metadata.namespace):
// __meta_kubernetes_namespace_label_*, _labelpresent_*, _annotation_*,
// _annotationpresent_*, merged into `out` (addNamespaceMetaLabels; the
// namespace name is already there).
void AddNamespaceMetadata(const json& ns, LabelMap* out);

// Pods seen behind an endpoints/endpointslice object and the ports
// already turned into targets, for the "unbound container ports" targets.
struct SeenPods {
  std::vector<std::string> order;  // keys in first-seen order
  std::map<std::string, std::pair<const json*, std::vector<int64_t>>> pods;
  void Add(const json* pod, int64_t port);
};
// Appends a target per container port of each seen pod (with an IP) that
// no endpoint port covered, carrying the pod labels.
void AppendUnboundPodPorts(const SeenPods& seen, TargetGroup* tg);

// The service labels (namespace, name, labels, annotations).
void AddServiceLabels(const json& svc, LabelMap* out);

}  // namespace vigil::sd::kubernetes_internal

#endif  // VIGIL_LIBSD_KUBERNETES_INTERNAL_BUILDERS_H_
