// The `remote_write` and `remote_read` sections of prometheus.yml, parsed
// and validated from YAML by the library that acts on them.
//
//   VIGIL_ASSIGN_OR_RETURN(std::vector<RemoteWriteConfig> w,
//                          ParseRemoteWriteConfigs(root["remote_write"], path));
//
// Parsing is strict, as Prometheus's: an unknown key is an error ("field
// foo not found in type config.RemoteWriteConfig"), reserved headers
// cannot be set, `write_relabel_configs` go to libsd's relabel parser and
// the <http_config> keys (basic_auth, authorization, bearer_token[_file],
// tls_config, proxy_url, follow_redirects, enable_http2) to libsd's
// HTTP client parser. Defaults are Prometheus 3.x's (queue capacity
// 10000, max_shards 50, max_samples_per_send 2000, remote_timeout 30s for
// write and 1m for read, enable_http2 false).
//
// Thread safety: value types; the functions are stateless.

#ifndef VIGIL_LIBREMOTE_REMOTE_CONFIG_H_
#define VIGIL_LIBREMOTE_REMOTE_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/http_client.h"
#include "libsd/relabel.h"
#include "yaml-cpp/yaml.h"

namespace vigil::remote {

// `queue_config` of one remote_write endpoint.
struct QueueConfig {
  int64_t capacity = 10000;         // samples buffered per shard
  int64_t max_shards = 50;
  int64_t min_shards = 1;
  int64_t max_samples_per_send = 2000;
  absl::Duration batch_send_deadline = absl::Seconds(5);
  absl::Duration min_backoff = absl::Milliseconds(30);
  absl::Duration max_backoff = absl::Seconds(5);
  bool retry_on_http_429 = false;
  // Samples older than this are dropped instead of sent (0: never).
  absl::Duration sample_age_limit = absl::ZeroDuration();
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;
  absl::Duration remote_timeout = absl::Seconds(30);
  // Extra request headers; the protocol's own headers are reserved.
  std::map<std::string, std::string> headers;
  std::vector<sd::RelabelConfig> write_relabel_configs;
  bool send_exemplars = false;
  bool send_native_histograms = false;
  QueueConfig queue_config;
  bool send_metadata = true;
  absl::Duration metadata_send_interval = absl::Minutes(1);
  sd::HTTPClientConfig http;
  // The entry as written (set by the parser), to tell a changed endpoint
  // on reload. Configs built in code leave it empty: url and name then
  // identify the entry.
  std::string yaml;

  // The name used in metrics (`remote_name`): `name`, or a short hash of
  // the config when unnamed (as Prometheus does).
  std::string DisplayName() const;
  // A stable string for the whole entry; equal for unchanged entries.
  std::string Fingerprint() const;
};

struct RemoteReadConfig {
  std::string url;
  std::string name;
  absl::Duration remote_timeout = absl::Minutes(1);
  std::map<std::string, std::string> headers;
  // Equality matchers a query must carry for this endpoint to be asked.
  std::map<std::string, std::string> required_matchers;
  bool read_recent = false;
  bool filter_external_labels = true;
  sd::HTTPClientConfig http;
  std::string yaml;  // as RemoteWriteConfig::yaml

  std::string DisplayName() const;
  std::string Fingerprint() const;
};

// Parses the `remote_write` list (a null/absent node is an empty list).
// InvalidArgument "<source>:<line>:<col>: <message>" with Prometheus's
// words: "url for remote_write is empty", "X is a reserved header. It must
// not be changed", "found multiple remote write configs with job name
// \"x\"", "queue_config values must be positive", "duplicate remote write
// configs are not allowed, found duplicate for URL: u", or an unknown field.
// `oauth2` (client credentials) is handled by libsd's HTTP client.
// Unimplemented for `sigv4`, `azuread`, `google_iam`, `http_headers` and a
// protobuf_message other than prometheus.WriteRequest (accepting and
// ignoring them would send unauthenticated or unreadable data).
absl::StatusOr<std::vector<RemoteWriteConfig>> ParseRemoteWriteConfigs(
    const YAML::Node& node, absl::string_view source = "");

// Parses the `remote_read` list; errors as above ("url for remote_read is
// empty", "found multiple remote read configs with job name \"x\"").
absl::StatusOr<std::vector<RemoteReadConfig>> ParseRemoteReadConfigs(
    const YAML::Node& node, absl::string_view source = "");

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_REMOTE_CONFIG_H_
