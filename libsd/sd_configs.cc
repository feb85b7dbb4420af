#include "libsd/sd_configs.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libsd/dns/dns.h"
#include "libsd/file/file.h"
#include "libsd/http/http.h"
#include "libsd/internal/yaml_util.h"
#include "libsd/kubernetes/kubernetes.h"
#include "libsd/static/static.h"
#include "model/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {

bool IsSDConfigKey(absl::string_view key) {
  return key == "static_configs" || absl::EndsWith(key, "_sd_configs");
}

namespace {

template <typename ParseFn>
absl::Status ParseList(const YAML::Node& list, absl::string_view source,
                       ParseFn parse,
                       std::vector<std::shared_ptr<const DiscovererConfig>>* out) {
  if (list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) {
    return internal::YamlError(list, source, "expected a list of SD configs");
  }
  for (const YAML::Node& item : list) {
    VIGIL_ASSIGN_OR_RETURN(auto cfg, parse(item));
    out->push_back(std::move(cfg));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::shared_ptr<const DiscovererConfig>>>
ParseSDConfigs(const YAML::Node& job, absl::string_view source,
               absl::string_view base_dir) {
  std::vector<std::shared_ptr<const DiscovererConfig>> out;
  try {
    if (!job.IsDefined() || !job.IsMap()) return out;
    for (auto it = job.begin(); it != job.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      if (!IsSDConfigKey(key)) continue;
      const YAML::Node value = it->second;  // a copy: it->second is a temporary
      if (key == "static_configs") {
        VIGIL_ASSIGN_OR_RETURN(auto cfg, ParseStaticConfigs(value, source));
        out.push_back(std::move(cfg));
      } else if (key == "file_sd_configs") {
        VIGIL_RETURN_IF_ERROR(ParseList(
            value, source,
            [&](const YAML::Node& n) { return ParseFileSDConfig(n, source, base_dir); },
            &out));
      } else if (key == "kubernetes_sd_configs") {
        VIGIL_RETURN_IF_ERROR(ParseList(
            value, source,
            [&](const YAML::Node& n) { return ParseKubernetesSDConfig(n, source); },
            &out));
      } else if (key == "dns_sd_configs") {
        VIGIL_RETURN_IF_ERROR(ParseList(
            value, source,
            [&](const YAML::Node& n) { return ParseDnsSDConfig(n, source); }, &out));
      } else if (key == "http_sd_configs") {
        VIGIL_RETURN_IF_ERROR(ParseList(
            value, source,
            [&](const YAML::Node& n) { return ParseHttpSDConfig(n, source); }, &out));
      } else {
        return absl::UnimplementedError(
            internal::YamlError(it->first, source,
                                absl::StrCat(key, " is not supported by Vigil"))
                .message());
      }
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return out;
}

}  // namespace vigil::sd
