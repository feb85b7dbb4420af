#include "examples/server/discovery_configs.h"

#include "absl/strings/str_cat.h"
#include "libsd/dns/dns.h"
#include "libsd/file/file.h"
#include "libsd/http/http.h"
#include "libsd/kubernetes/kubernetes.h"
#include "libsd/static/static.h"

namespace vigil::server {

absl::StatusOr<std::vector<std::shared_ptr<const sd::DiscovererConfig>>>
BuildDiscoverers(const std::vector<std::pair<std::string, YAML::Node>>& sections,
                 absl::string_view job, absl::string_view source,
                 absl::string_view base_dir, std::vector<std::string>* warnings) {
  std::vector<std::shared_ptr<const sd::DiscovererConfig>> out;
  for (const auto& [key, node] : sections) {
    if (key == "static_configs") {
      absl::StatusOr<std::shared_ptr<sd::StaticConfig>> c =
          sd::ParseStaticConfigs(node, source);
      if (!c.ok()) return c.status();
      out.push_back(*c);
      continue;
    }
    if (key != "file_sd_configs" && key != "http_sd_configs" &&
        key != "kubernetes_sd_configs" && key != "dns_sd_configs") {
      if (warnings != nullptr) {
        warnings->push_back(absl::StrCat("job \"", job, "\": ", key,
                                         " is not supported by Vigil yet; skipped"));
      }
      continue;
    }
    if (!node.IsSequence()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", node.Mark().line + 1, ":", node.Mark().column + 1,
                       ": ", key, " must be a list"));
    }
    for (const YAML::Node& item : node) {
      if (key == "file_sd_configs") {
        absl::StatusOr<std::shared_ptr<sd::FileSDConfig>> c =
            sd::ParseFileSDConfig(item, source, base_dir);
        if (!c.ok()) return c.status();
        out.push_back(*c);
      } else if (key == "dns_sd_configs") {
        absl::StatusOr<std::shared_ptr<sd::DnsSDConfig>> c =
            sd::ParseDnsSDConfig(item, source);
        if (!c.ok()) return c.status();
        out.push_back(*c);
      } else if (key == "kubernetes_sd_configs") {
        absl::StatusOr<std::shared_ptr<sd::KubernetesSDConfig>> c =
            sd::ParseKubernetesSDConfig(item, source);
        if (!c.ok()) return c.status();
        out.push_back(*c);
      } else {
        absl::StatusOr<std::shared_ptr<sd::HttpSDConfig>> c =
            sd::ParseHttpSDConfig(item, source);
        if (!c.ok()) return c.status();
        out.push_back(*c);
      }
    }
  }
  return out;
}

}  // namespace vigil::server
