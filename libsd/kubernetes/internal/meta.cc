#include "libsd/kubernetes/internal/meta.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace vigil::sd::kubernetes_internal {

std::string SanitizeLabelName(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return out;
}

std::string JoinHostPort(absl::string_view host, absl::string_view port) {
  if (host.find(':') != absl::string_view::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

const json& At(const json& obj, std::initializer_list<const char*> path) {
  static const json* const kNull = new json();
  const json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object()) return *kNull;
    auto it = cur->find(p);
    if (it == cur->end()) return *kNull;
    cur = &*it;
  }
  return *cur;
}

std::string Str(const json& obj, std::initializer_list<const char*> path) {
  const json& v = At(obj, path);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::string Num(const json& obj, std::initializer_list<const char*> path) {
  const json& v = At(obj, path);
  if (v.is_number_integer()) return absl::StrCat(v.get<int64_t>());
  if (v.is_number_unsigned()) return absl::StrCat(v.get<uint64_t>());
  return std::string();
}

std::string ObjectKey(const json& obj) {
  std::string ns = Str(obj, {"metadata", "namespace"});
  std::string name = Str(obj, {"metadata", "name"});
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

namespace {

// JSON scalars as Go would have decoded them into map[string]string
// (Kubernetes only sends strings here; anything else is skipped).
void ForEachStringEntry(const json& m,
                        const std::function<void(const std::string&,
                                                 const std::string&)>& fn) {
  if (!m.is_object()) return;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it->is_string()) fn(it.key(), it->get<std::string>());
  }
}

}  // namespace

void AddObjectMetaLabels(const json& obj, absl::string_view role,
                         LabelMap* out) {
  std::string p = absl::StrCat(kMetaPrefix, role);
  (*out)[absl::StrCat(p, "_name")] = Str(obj, {"metadata", "name"});
  ForEachStringEntry(At(obj, {"metadata", "labels"}),
                     [&](const std::string& k, const std::string& v) {
                       std::string ln = SanitizeLabelName(k);
                       (*out)[absl::StrCat(p, "_label_", ln)] = v;
                       (*out)[absl::StrCat(p, "_labelpresent_", ln)] = "true";
                     });
  ForEachStringEntry(At(obj, {"metadata", "annotations"}),
                     [&](const std::string& k, const std::string& v) {
                       std::string ln = SanitizeLabelName(k);
                       (*out)[absl::StrCat(p, "_annotation_", ln)] = v;
                       (*out)[absl::StrCat(p, "_annotationpresent_", ln)] =
                           "true";
                     });
}

void AddPodLabels(const json& pod, LabelMap* out) {
  (*out)["__meta_kubernetes_pod_ip"] = Str(pod, {"status", "podIP"});
  std::string ready = "unknown";
  const json& conds = At(pod, {"status", "conditions"});
  if (conds.is_array()) {
    for (const json& c : conds) {
      if (Str(c, {"type"}) == "Ready") {
        ready = absl::AsciiStrToLower(Str(c, {"status"}));
        break;
      }
    }
  }
  (*out)["__meta_kubernetes_pod_ready"] = ready;
  (*out)["__meta_kubernetes_pod_phase"] = Str(pod, {"status", "phase"});
  (*out)["__meta_kubernetes_pod_node_name"] = Str(pod, {"spec", "nodeName"});
  (*out)["__meta_kubernetes_pod_host_ip"] = Str(pod, {"status", "hostIP"});
  (*out)["__meta_kubernetes_pod_uid"] = Str(pod, {"metadata", "uid"});
  AddObjectMetaLabels(pod, "pod", out);
  const json& owners = At(pod, {"metadata", "ownerReferences"});
  if (owners.is_array()) {
    for (const json& o : owners) {
      const json& ctrl = At(o, {"controller"});
      if (ctrl.is_boolean() && ctrl.get<bool>()) {
        std::string kind = Str(o, {"kind"}), name = Str(o, {"name"});
        if (!kind.empty()) (*out)["__meta_kubernetes_pod_controller_kind"] = kind;
        if (!name.empty()) (*out)["__meta_kubernetes_pod_controller_name"] = name;
        break;
      }
    }
  }
}

std::vector<const json*> Containers(const json& pod, size_t* n_regular) {
  std::vector<const json*> out;
  const json& cs = At(pod, {"spec", "containers"});
  if (cs.is_array()) {
    for (const json& c : cs) out.push_back(&c);
  }
  *n_regular = out.size();
  const json& init = At(pod, {"spec", "initContainers"});
  if (init.is_array()) {
    for (const json& c : init) out.push_back(&c);
  }
  return out;
}

model::Labels ToLabels(const LabelMap& m) {
  // The map is sorted with unique names already; only empty values go.
  std::vector<model::LabelView> views;
  views.reserve(m.size());
  for (const auto& [name, value] : m) {
    if (!value.empty()) views.push_back(model::LabelView{name, value});
  }
  return model::Labels::FromSortedViews(views);
}

}  // namespace vigil::sd::kubernetes_internal
