// Builds libsd discoverer configs from the service-discovery sections of
// prometheus.yml (a scrape job's `static_configs`, `file_sd_configs`,
// `http_sd_configs`, `kubernetes_sd_configs`, `dns_sd_configs`; the same
// sections of an Alertmanager set), keyed by job, as sd::Manager::ApplyConfig takes
// them. Each section is parsed by its libsd provider; sections Vigil has
// no provider for are skipped with a warning instead of failing the load,
// so a config written for Prometheus still starts.
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_DISCOVERY_CONFIGS_H_
#define VIGIL_EXAMPLES_SERVER_DISCOVERY_CONFIGS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libsd/discoverer.h"
#include "libsd/manager.h"
#include "yaml-cpp/yaml.h"

namespace vigil::server {

struct DiscoveryBuild {
  sd::Manager::JobConfigs jobs;
  // "job \"x\": kubernetes_sd_configs is not supported yet; skipped".
  std::vector<std::string> warnings;
};

// The discoverer configs of one job's sections. `source` names the config
// file in errors; relative file_sd paths resolve against `base_dir`.
// InvalidArgument with the provider's message for a bad section.
absl::StatusOr<std::vector<std::shared_ptr<const sd::DiscovererConfig>>>
BuildDiscoverers(const std::vector<std::pair<std::string, YAML::Node>>& sections,
                 absl::string_view job, absl::string_view source,
                 absl::string_view base_dir, std::vector<std::string>* warnings);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_DISCOVERY_CONFIGS_H_
