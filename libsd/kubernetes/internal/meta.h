// Shared pieces of the Kubernetes role builders: the __meta_kubernetes_*
// label names, label-name sanitising, object-metadata labels, pod labels
// and host:port joining, following discovery/kubernetes in Prometheus 3.x.
//
// Thread safety: pure functions.

#ifndef VIGIL_LIBSD_KUBERNETES_INTERNAL_META_H_
#define VIGIL_LIBSD_KUBERNETES_INTERNAL_META_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <vector>
#include <string>

#include "absl/strings/string_view.h"
#include "model/labels.h"
#include "nlohmann/json.hpp"

namespace vigil::sd::kubernetes_internal {

using json = nlohmann::json;
// A label set under construction (name -> value; empty values dropped at
// the end).
using LabelMap = std::map<std::string, std::string>;

inline constexpr absl::string_view kMetaPrefix = "__meta_kubernetes_";
inline constexpr absl::string_view kNamespaceLabel =
    "__meta_kubernetes_namespace";

// Every character outside [a-zA-Z0-9_] becomes '_' (strutil.SanitizeLabelName).
std::string SanitizeLabelName(absl::string_view s);

// net.JoinHostPort: IPv6 literals get brackets.
std::string JoinHostPort(absl::string_view host, absl::string_view port);

// A string field of `obj` (nested by `path`), "" when absent or not a
// string.
std::string Str(const json& obj, std::initializer_list<const char*> path);
// A numeric field as decimal text, "" when absent.
std::string Num(const json& obj, std::initializer_list<const char*> path);
// The sub-object at `path`, or a null json.
const json& At(const json& obj, std::initializer_list<const char*> path);

// "<ns>/<name>" (or "<name>" for cluster-scoped objects).
std::string ObjectKey(const json& obj);

// __meta_kubernetes_<role>_name, _label_*, _labelpresent_*,
// _annotation_*, _annotationpresent_* (addObjectMetaLabels).
void AddObjectMetaLabels(const json& obj, absl::string_view role,
                         LabelMap* out);

// The pod-level labels: pod_ip, pod_ready, pod_phase, pod_node_name,
// pod_host_ip, pod_uid, pod_name and metadata, controller kind/name.
void AddPodLabels(const json& pod, LabelMap* out);

// The container list with init containers after regular ones; `*n_regular`
// receives the number of regular containers.
std::vector<const json*> Containers(const json& pod, size_t* n_regular);

model::Labels ToLabels(const LabelMap& m);

}  // namespace vigil::sd::kubernetes_internal

#endif  // VIGIL_LIBSD_KUBERNETES_INTERNAL_META_H_
