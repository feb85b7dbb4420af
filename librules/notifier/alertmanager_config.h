// The `alerting:` section of prometheus.yml: global alert_relabel_configs
// and the `alertmanagers:` sets, parsed as Prometheus's config package does.
//
//   alerting:
//     alert_relabel_configs: [...]
//     alertmanagers:
//     - scheme: http               # default http
//       path_prefix: /             # default /
//       api_version: v2            # v1 is rejected, as in Prometheus 3.x
//       timeout: 10s               # default 10s
//       static_configs: [{targets: ["am:9093"]}]
//       relabel_configs: [...]     # on Alertmanager targets
//       alert_relabel_configs: [...]  # on alerts sent to this set (3.x)
//       basic_auth / authorization / tls_config / proxy_url ...  (<http_config>)
//       <kind>_sd_configs: [...]   # kept as YAML for the caller's SD manager
//
// Errors are InvalidArgument "<source>:<line>:<col>: <message>".
//
// Thread safety: plain value types.

#ifndef VIGIL_LIBRULES_NOTIFIER_ALERTMANAGER_CONFIG_H_
#define VIGIL_LIBRULES_NOTIFIER_ALERTMANAGER_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/http_client.h"
#include "libsd/relabel.h"
#include "libsd/target_group.h"
#include "yaml-cpp/yaml.h"

namespace vigil::notifier {

struct AlertmanagerConfig {
  std::string scheme = "http";
  std::string path_prefix = "/";
  std::string api_version = "v2";
  absl::Duration timeout = absl::Seconds(10);
  sd::HTTPClientConfig http;
  std::vector<sd::TargetGroup> static_configs;
  std::vector<sd::RelabelConfig> relabel_configs;
  std::vector<sd::RelabelConfig> alert_relabel_configs;
  // Service discovery sections by key ("kubernetes_sd_configs", ...),
  // unparsed (marks kept for errors), for the caller's discovery manager,
  // which reports their groups under AlertmanagerSetName(index).
  std::vector<std::pair<std::string, YAML::Node>> sd_configs;
};

struct AlertingConfig {
  std::vector<sd::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
};

// Parses the value of the `alerting` key (a map, or null for none).
absl::StatusOr<AlertingConfig> ParseAlertingConfig(const YAML::Node& node,
                                                   absl::string_view source);

// "/api/v2/alerts" under `path_prefix` (Prometheus's postPath).
std::string AlertsPath(absl::string_view path_prefix);

// The discovery job name of the set at `index` of `alertmanagers`:
// "config-<index>", as Prometheus names them (AlertmanagerConfigs.ToMap).
std::string AlertmanagerSetName(size_t index);

}  // namespace vigil::notifier

#endif  // VIGIL_LIBRULES_NOTIFIER_ALERTMANAGER_CONFIG_H_
