// Reads the service-discovery sections of one <scrape_config> (or one
// Alertmanager config): static_configs, file_sd_configs,
// kubernetes_sd_configs, dns_sd_configs and http_sd_configs, into
// DiscovererConfigs for the Manager. Other Prometheus *_sd_configs keys
// (consul, ec2, ...) are rejected with Unimplemented naming the key.
//
//   VIGIL_ASSIGN_OR_RETURN(auto sds, ParseSDConfigs(job_node, path, dir));
//   jobs[job_name] = sds;   // Manager::JobConfigs
//
// Thread safety: pure function.

#ifndef VIGIL_LIBSD_SD_CONFIGS_H_
#define VIGIL_LIBSD_SD_CONFIGS_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libsd/discoverer.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

// Whether `key` of a scrape config belongs to discovery (static_configs or
// any Prometheus *_sd_configs key), for the caller's unknown-field check.
bool IsSDConfigKey(absl::string_view key);

// Parses every discovery key of the map `job`. Relative file_sd paths are
// resolved against `base_dir`. Errors carry "<source>:<line>:<col>".
absl::StatusOr<std::vector<std::shared_ptr<const DiscovererConfig>>>
ParseSDConfigs(const YAML::Node& job, absl::string_view source = "",
               absl::string_view base_dir = "");

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_SD_CONFIGS_H_
