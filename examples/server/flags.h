// Command-line flags of the example server, named and defaulted as
// Prometheus 3.x's (`--config.file`, `--storage.tsdb.path`, ...), so an
// existing deployment's arguments work unchanged.

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
  std::string listen_address = "0.0.0.0:9090";
  // Vigil's gRPC API (vigil.api.Vigil); empty: off.
  std::string grpc_listen_address;
  std::string external_url;
  std::string route_prefix;
  bool enable_lifecycle = false;
  bool enable_admin_api = false;
  bool enable_remote_write_receiver = false;
  std::string storage_path = "data/";
  std::string retention_time;  // empty: 15d unless a size is set
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
  // --enable-feature values; accepted for compatibility, reported at start.
  std::vector<std::string> features;
  int notification_queue_capacity = 10000;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
};

// Parses argv. Returns InvalidArgument naming the bad flag or value, and
// Cancelled (with the help text as message) for --help.
absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv);

// Every flag as /api/v1/status/flags shows it: name without dashes ->
// value as text ("true"/"false" for switches, defaults filled in).
std::map<std::string, std::string> FlagValues(const Flags& flags);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_FLAGS_H_
