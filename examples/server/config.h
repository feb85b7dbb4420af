// The server's configuration: prometheus.yml, parsed strictly (an unknown
// field is an error naming file, line and column, as Prometheus's
// `field X not found in type config.plain`). The top-level sections,
// `global` is parsed here; every scrape job goes to libscrape
// (`scrape::ParseScrapeConfig`, which hands relabel rules to libsd),
// `alerting` to librules/notifier's parser, `remote_write` and
// `remote_read` to libremote's parsers, and the YAML
// of every service-discovery section is kept for discovery_configs.h to
// build libsd discoverers from.
//
//   absl::StatusOr<Config> c = LoadConfigFile("prometheus.yml");
//
// Defaults are Prometheus 3.x's (scrape_interval 1m, scrape_timeout 10s,
// evaluation_interval 1m, metrics_path /metrics, scheme http, ...).
//
// Thread safety: Config is a value; the functions are reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_CONFIG_H_
#define VIGIL_EXAMPLES_SERVER_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/relabel.h"
#include "libsd/target_group.h"
#include "libremote/remote_config.h"
#include "librules/notifier/alertmanager_config.h"
#include "libscrape/scrape_config.h"
#include "model/labels.h"
#include "yaml-cpp/yaml.h"

namespace vigil::server {

struct GlobalConfig {
  absl::Duration scrape_interval = absl::Minutes(1);
  absl::Duration scrape_timeout = absl::Seconds(10);
  absl::Duration evaluation_interval = absl::Minutes(1);
  absl::Duration rule_query_offset = absl::ZeroDuration();
  model::Labels external_labels;
  std::string query_log_file;
  // Scrape limits every job inherits unless it sets its own (0: none).
  int64_t body_size_limit = 0;
  int64_t sample_limit = 0;
  int64_t label_limit = 0;
  int64_t label_name_length_limit = 0;
  int64_t label_value_length_limit = 0;
  int64_t target_limit = 0;
  int64_t keep_dropped_targets = 0;
  std::vector<std::string> scrape_protocols;
};

// The remote_write / remote_read sections belong to libremote, which
// parses them (libremote/remote_config.h).
using QueueConfig = remote::QueueConfig;
using RemoteWriteConfig = remote::RemoteWriteConfig;
using RemoteReadConfig = remote::RemoteReadConfig;

struct Config {
  std::string path;  // the file it came from ("" when parsed from text)
  std::string text;  // the YAML as loaded
  // `text` as shown to users (/api/v1/status/config, the UI):
  // ShownConfigYaml(text).
  std::string shown_text;
  GlobalConfig global;
  // Glob patterns, relative ones resolved against the config's directory.
  std::vector<std::string> rule_files;
  // Parsed by libscrape (scrape::ParseScrapeConfig), globals applied.
  std::vector<scrape::ScrapeConfig> scrape_configs;
  // Parsed by librules/notifier (notifier::ParseAlertingConfig).
  notifier::AlertingConfig alerting;
  std::vector<RemoteWriteConfig> remote_write;
  std::vector<RemoteReadConfig> remote_read;
  // Sections Prometheus knows that Vigil accepts but does not act on
  // (e.g. "tracing", "storage.exemplars"), for a startup warning.
  std::vector<std::string> ignored;
};

// Parses `text`; `path` names the file in errors and anchors relative
// rule_files. InvalidArgument "<path>:<line>:<col>: <message>" on any
// syntax error, unknown field, bad value or failed check (job_name empty or
// repeated, scrape_timeout greater than scrape_interval, remote url empty).
absl::StatusOr<Config> ParseConfig(absl::string_view text,
                                   absl::string_view path = "");

// `value` with $VAR and ${VAR} replaced from the environment by Go's
// os.Expand rules, as Prometheus expands external_labels: unset variables
// become "", "$$" is "$", a '$' before anything else stays (so Kubernetes'
// "$(POD_NAME)" passes through), and "${}" is dropped.
std::string ExpandEnv(absl::string_view value);

// The configuration as users see it, as Prometheus shows its loaded
// config: every secret value (password, bearer_token, credentials,
// client_secret, secret_key, token, application_credential_secret, an
// inline tls_config key, http_headers secrets, proxy_connect_header values)
// replaced by "<secret>", and external_labels with the environment
// expanded (a Thanos sidecar reads them here). `yaml` unchanged when
// neither applies or it does not parse.
std::string ShownConfigYaml(absl::string_view yaml);


// Reads and parses a file. NotFound / PermissionDenied when it cannot be
// read (message names the path), else as ParseConfig.
absl::StatusOr<Config> LoadConfigFile(absl::string_view path);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_CONFIG_H_
