// Role "ingress": one target per rule host and path.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libsd/kubernetes/internal/builders.h"

namespace vigil::sd::kubernetes_internal {

std::string IngressSource(const json& ing) {
  return absl::StrCat("ingress/", Str(ing, {"metadata", "namespace"}), "/",
                      Str(ing, {"metadata", "name"}));
}

namespace {

// A TLS host pattern ("*.example.com") against a rule host.
bool MatchesHostnamePattern(const std::string& pattern,
                            const std::string& host) {
  if (pattern == host) return true;
  std::vector<std::string> pp = absl::StrSplit(pattern, '.');
  std::vector<std::string> hp = absl::StrSplit(host, '.');
  if (pp.empty() || pp[0] != "*") return false;
  if (pp.size() != hp.size()) return false;
  for (size_t i = 1; i < pp.size(); ++i) {
    if (pp[i] != hp[i]) return false;
  }
  return true;
}

}  // namespace

TargetGroup BuildIngress(const json& ing) {
  TargetGroup tg;
  tg.source = IngressSource(ing);
  LabelMap labels;
  labels[std::string(kNamespaceLabel)] = Str(ing, {"metadata", "namespace"});
  const json& cls = At(ing, {"spec", "ingressClassName"});
  if (cls.is_string()) {
    labels["__meta_kubernetes_ingress_class_name"] = cls.get<std::string>();
  }
  AddObjectMetaLabels(ing, "ingress", &labels);
  tg.labels = ToLabels(labels);

  std::vector<std::string> tls_hosts;
  const json& tls = At(ing, {"spec", "tls"});
  if (tls.is_array()) {
    for (const json& t : tls) {
      const json& hosts = At(t, {"hosts"});
      if (!hosts.is_array()) continue;
      for (const json& h : hosts) {
        if (h.is_string()) tls_hosts.push_back(h.get<std::string>());
      }
    }
  }
  const json& rules = At(ing, {"spec", "rules"});
  if (!rules.is_array()) return tg;
  for (const json& rule : rules) {
    std::string host = Str(rule, {"host"});
    std::string scheme = "http";
    for (const std::string& p : tls_hosts) {
      if (MatchesHostnamePattern(p, host)) {
        scheme = "https";
        break;
      }
    }
    std::vector<std::string> paths;
    const json& http_paths = At(rule, {"http", "paths"});
    if (At(rule, {"http"}).is_null()) {
      paths.push_back("/");
    } else if (http_paths.is_array()) {
      for (const json& p : http_paths) {
        std::string path = Str(p, {"path"});
        paths.push_back(path.empty() ? "/" : path);
      }
    }
    for (const std::string& path : paths) {
      LabelMap t;
      t["__address__"] = host;
      t["__meta_kubernetes_ingress_scheme"] = scheme;
      t["__meta_kubernetes_ingress_host"] = host;
      t["__meta_kubernetes_ingress_path"] = path;
      tg.targets.push_back(ToLabels(t));
    }
  }
  return tg;
}

}  // namespace vigil::sd::kubernetes_internal
