// ScrapeConfig: one `scrape_configs` entry of prometheus.yml (plus the
// `global` defaults it inherits), parsed and validated from YAML.
//
// Every field of Prometheus's <scrape_config> is read, including the
// 2.x-era HTTP options (`bearer_token`, `bearer_token_file`) next to their
// 3.x forms (`authorization`), so both generations of config files load.
// Service-discovery sections (`*_sd_configs`, `static_configs`) are kept as
// YAML for libsd to parse; unknown keys are errors, as in Prometheus
// ("field foo not found in type config.ScrapeConfig").
//
//   VIGIL_ASSIGN_OR_RETURN(ScrapeConfig c,
//                          ParseScrapeConfig(node, global, "prometheus.yml"));
//
// Thread safety: value types; parsing functions are stateless.

#ifndef VIGIL_LIBSCRAPE_SCRAPE_CONFIG_H_
#define VIGIL_LIBSCRAPE_SCRAPE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libscrape/textparse/content_type.h"
#include "libsd/http_client.h"
#include "libsd/relabel.h"
#include "yaml-cpp/yaml.h"

namespace vigil::scrape {

// `tls_config`. Inline PEM (`ca`, `cert`, `key`) or files.
struct TlsConfig {
  std::string ca;
  std::string ca_file;
  std::string cert;
  std::string cert_file;
  std::string key;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS10" .. "TLS13", "" = library default
  std::string max_version;
};

struct BasicAuth {
  std::string username;
  std::string username_file;
  std::string password;
  std::string password_file;
};

// `authorization`; also what `bearer_token[_file]` turn into.
struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;  // re-read on every request
};

// The <http_config> part of a scrape config.
struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  // Client-credentials tokens, shared with libsd (sd::OAuth2TokenSource).
  std::optional<sd::OAuth2Config> oauth2;
  TlsConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  // Extra request headers (`http_headers: {Name: {values: [...]}}`).
  std::map<std::string, std::vector<std::string>> http_headers;
};

// The `global` section's scrape defaults.
struct GlobalConfig {
  absl::Duration scrape_interval = absl::Minutes(1);
  absl::Duration scrape_timeout = absl::Seconds(10);
  std::vector<textparse::ScrapeProtocol> scrape_protocols =
      textparse::DefaultScrapeProtocols();
  // 3.x global limits (0 = none), inherited by jobs that set none.
  uint64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t target_limit = 0;
  uint64_t keep_dropped_targets = 0;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  absl::Duration scrape_interval;
  absl::Duration scrape_timeout;
  std::vector<textparse::ScrapeProtocol> scrape_protocols;
  std::optional<textparse::ScrapeProtocol> fallback_scrape_protocol;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  // URL parameters; `__param_<name>` target labels override the first value.
  std::map<std::string, std::vector<std::string>> params;
  bool enable_compression = true;
  uint64_t body_size_limit = 0;  // bytes, uncompressed; 0 = none
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t target_limit = 0;
  uint64_t keep_dropped_targets = 0;
  std::string scrape_failure_log_file;
  std::string metric_name_validation_scheme = "utf8";  // or "legacy"
  std::string metric_name_escaping_scheme;
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  bool extra_scrape_metrics = false;
  uint64_t native_histogram_bucket_limit = 0;
  double native_histogram_min_bucket_factor = 0;
  HttpClientConfig http;
  std::vector<sd::RelabelConfig> relabel_configs;
  std::vector<sd::RelabelConfig> metric_relabel_configs;
  // `static_configs` and every `<name>_sd_configs` section, unparsed, keyed
  // by the YAML key, in file order.
  std::vector<std::pair<std::string, YAML::Node>> sd_configs;

  // Applies `global` to the fields left unset and checks the result.
  // Returns InvalidArgument with Prometheus's words, e.g. `scrape timeout
  // greater than scrape interval for scrape config with job name "x"`.
  absl::Status Validate() const;
};

// Parses one scrape config (a YAML map). `global` supplies interval,
// timeout, protocols and limits the job does not set. Errors are
// InvalidArgument "<source>:<line>:<col>: <message>".
absl::StatusOr<ScrapeConfig> ParseScrapeConfig(const YAML::Node& node,
                                               const GlobalConfig& global,
                                               absl::string_view source = "");

// Parses the scrape-related keys of a `global` map (others are ignored: the
// server owns that section).
absl::StatusOr<GlobalConfig> ParseGlobalScrapeDefaults(
    const YAML::Node& node, absl::string_view source = "");

// Parses a Prometheus <size>: an integer with a unit B, KB, MB, GB, TB, PB,
// EB (or KiB, MiB, ...), all powers of 1024 ("512MB"); "0" means none.
// InvalidArgument otherwise.
absl::StatusOr<uint64_t> ParseSizeBytes(absl::string_view s);

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_SCRAPE_CONFIG_H_
