// Command-line flags of the example server, named and defaulted as
// Prometheus 3.x's (`--config.file`, `--storage.tsdb.path`, ...), so an
// existing deployment's arguments work unchanged.
//
// Every flag of Prometheus 3.x is accepted, and so are the 2.x flags that
// 3.x dropped and Debian's renamed ones. One table in flags.cc lists them
// (name, type, default, help, whether Vigil acts on it); the parser, the
// --help text and FlagValues() all read it. A flag Vigil does not act on
// is still checked by type, shows in FlagValues(), and, when given, is
// named by FlagsWithoutEffect() so the server can warn once at start.
//
// The syntax is Kingpin's, as Prometheus uses it: `--name=value` or
// `--name value`; a switch is `--name` or `--no-name`. Unlike Kingpin, a
// flag given twice keeps its last value, and a switch also takes
// `--name=true|false`.
//
// Thread safety: ParseFlags and the other functions are pure.

#ifndef VIGIL_EXAMPLES_SERVER_FLAGS_H_
#define VIGIL_EXAMPLES_SERVER_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::server {

struct Flags {
  std::string config_file = "prometheus.yml";
  // --config.auto-reload: reload when the config or a rule file changes,
  // checked every config_auto_reload_interval (at least 1s).
  bool config_auto_reload = false;
  std::string config_auto_reload_interval = "30s";
  // The first --web.listen-address; later ones are in listen_addresses.
  std::string listen_address = "0.0.0.0:9090";
  // Every --web.listen-address given, in order (empty: none given).
  std::vector<std::string> listen_addresses;
  // Vigil's gRPC API (vigil.api.Vigil); empty: off.
  std::string grpc_listen_address;
  std::string external_url;
  std::string route_prefix;
  bool enable_lifecycle = false;
  bool enable_admin_api = false;
  bool enable_remote_write_receiver = false;
  std::string storage_path = "data/";
  // Empty: 15d unless a size is set. Also set by 2.x's
  // --storage.tsdb.retention when --storage.tsdb.retention.time is absent.
  std::string retention_time;
  // --storage.tsdb.max-future-sample-time (Vigil's): "0" turns it off.
  std::string max_future_sample_time = "10m";
  std::string retention_size;
  std::string lookback_delta = "5m";
  std::string query_timeout = "2m";
  int query_max_concurrency = 20;
  int64_t query_max_samples = 50000000;
  std::string resend_delay = "1m";
  std::string for_outage_tolerance = "1h";
  std::string for_grace_period = "10m";
  int64_t remote_read_sample_limit = 50000000;
  std::string remote_flush_deadline = "1m";
  // --enable-feature values, split at commas; none has an effect yet.
  std::vector<std::string> features;
  int notification_queue_capacity = 10000;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;

  int web_max_connections = 512;        // --web.max-connections
  std::string web_read_timeout = "5m";  // --web.read-timeout
  // Parsed and kept so they can be wired; until then FlagsWithoutEffect()
  // names them when given. Defaults are Prometheus's.
  std::string web_config_file;          // --web.config.file
  std::string web_cors_origin = ".*";   // --web.cors.origin (anchored RE2)
  std::string web_page_title =          // --web.page-title
      "Prometheus Time Series Collection and Processing Server";
  bool tsdb_wal_compression = true;  // --storage.tsdb.wal-compression
  std::string tsdb_min_block_duration = "2h";
  // Empty: 10% of the retention time (Prometheus's rule).
  std::string tsdb_max_block_duration;
  bool tsdb_no_lockfile = false;      // --storage.tsdb.no-lockfile
  int tsdb_samples_per_chunk = 120;   // --storage.tsdb.samples-per-chunk
  int notification_batch_size = 256;
  // --alertmanager.drain-notification-queue-on-shutdown
  bool notification_drain_on_shutdown = true;  // --alertmanager.notification-batch-size
  // --storage.remote.read-max-bytes-in-frame
  int64_t remote_read_max_bytes_in_frame = 1048576;
  int remote_read_concurrent_limit = 10;  // --storage.remote.read-concurrent-limit
  bool scrape_adjust_timestamps = true;           // --scrape.adjust-timestamps
  std::string scrape_timestamp_tolerance = "2ms";  // --scrape.timestamp-tolerance (Go duration)

  // Values of the other accepted flags that were given, by name without
  // dashes, as text (switches "true"/"false").
  std::map<std::string, std::string> other;
  // Names (without dashes) of the flags given on the command line, in
  // order, each once.
  std::vector<std::string> given;
};

// Parses argv. Returns InvalidArgument naming the bad flag or value
// (`unknown flag --x`, `invalid value "abc" for flag --query.timeout:
// ...`), and Cancelled, with the text to print as message, for --help,
// -h, --help-long, --help-man, --write-documentation and --version.
absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv);

// Every flag as /api/v1/status/flags shows it: name without dashes ->
// value as text ("true"/"false" for switches, defaults filled in).
std::map<std::string, std::string> FlagValues(const Flags& flags);

// The flags given in `flags` that Vigil accepts without acting on them, as
// `--name=value` (switches `--name` / `--no-name`), in the order given;
// one entry per --enable-feature value and per --web.listen-address after
// the first. A flag given with the value Vigil's behaviour already matches
// (`--log.format=logfmt`, `--storage.tsdb.min-block-duration=2h`) is left
// out. Empty when there is nothing to warn about.
std::vector<std::string> FlagsWithoutEffect(const Flags& flags);

// The one start-up warning line for FlagsWithoutEffect(): `flags accepted
// without effect: --a, --b=1 (see docs/compatibility.md)`, or "" if none.
std::string FlagsWithoutEffectWarning(const Flags& flags);

// Names (without dashes) of every flag ParseFlags accepts, in --help
// order, and whether Vigil acts on it today.
struct FlagSummary {
  std::string name;
  bool honoured;
};
std::vector<FlagSummary> AllFlags();

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_FLAGS_H_
