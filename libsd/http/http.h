// http_sd_configs: targets from an HTTP endpoint returning the target
// group list as JSON (Prometheus's HTTP SD spec). Each refresh GETs `url`
// with `Accept: application/json` and `X-Prometheus-Refresh-Interval-
// Seconds`; the answer must be 200 with Content-Type application/json.
// Groups get sources "<url>:<index>" and the label __meta_url = <url>. A
// failed refresh is logged and counted and the previous targets stay.
//
// Thread safety: HttpSDConfig is immutable once parsed; its discoverer
// follows the Discoverer contract.

#ifndef VIGIL_LIBSD_HTTP_HTTP_H_
#define VIGIL_LIBSD_HTTP_HTTP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"
#include "libsd/http_client.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

inline constexpr absl::string_view kUrlLabel = "__meta_url";

class HttpSDConfig : public DiscovererConfig {
 public:
  std::string url;
  absl::Duration refresh_interval = absl::Seconds(60);
  HTTPClientConfig http;

  std::string Name() const override { return "http"; }
  std::string Fingerprint() const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override;
};

// Parses one http_sd_configs entry (url, refresh_interval and the inline
// <http_config>). InvalidArgument with Prometheus's words: "URL is
// missing", "URL scheme must be 'http' or 'https'", "host is missing in
// URL".
absl::StatusOr<std::shared_ptr<HttpSDConfig>> ParseHttpSDConfig(
    const YAML::Node& node, absl::string_view source = "");

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_HTTP_HTTP_H_
