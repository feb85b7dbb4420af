#include "examples/server/flags.h"

#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "model/duration.h"

namespace vigil::server {
namespace {

absl::Status CheckDuration(const std::string& flag, const std::string& v) {
  if (v.empty()) return absl::OkStatus();
  absl::StatusOr<int64_t> d = model::ParseDurationMs(v);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value \"", v, "\" for flag --", flag, ": ",
                     d.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv) {
  Flags f;
  CLI::App app{"Vigil: a Prometheus-compatible monitoring server."};
  app.set_version_flag("--version", "vigil 0.1.0 (Prometheus API 3.x compatible)");
  app.add_option("--config.file", f.config_file, "Configuration file path.");
  app.add_option("--web.listen-address", f.listen_address,
                 "Address to listen on for UI, API, and telemetry.");
  app.add_option("--grpc.listen-address", f.grpc_listen_address,
                 "Address for Vigil's gRPC API (vigil.api.Vigil); empty disables it.");
  app.add_option("--web.external-url", f.external_url,
                 "The URL under which Vigil is externally reachable.");
  app.add_option("--web.route-prefix", f.route_prefix,
                 "Prefix for the internal routes of web endpoints.");
  app.add_flag("--web.enable-lifecycle,!--no-web.enable-lifecycle",
               f.enable_lifecycle, "Enable shutdown and reload via HTTP request.");
  app.add_flag("--web.enable-admin-api,!--no-web.enable-admin-api",
               f.enable_admin_api, "Enable API endpoints for admin control actions.");
  app.add_flag(
      "--web.enable-remote-write-receiver,!--no-web.enable-remote-write-receiver",
      f.enable_remote_write_receiver,
      "Enable API endpoint accepting remote write requests.");
  app.add_option("--storage.tsdb.path", f.storage_path,
                 "Base path for metrics storage.");
  app.add_option("--storage.tsdb.retention.time", f.retention_time,
                 "How long to retain samples in storage (default 15d).");
  app.add_option("--storage.tsdb.retention.size", f.retention_size,
                 "Maximum number of bytes that can be stored for blocks.");
  app.add_option("--query.lookback-delta", f.lookback_delta,
                 "The maximum lookback duration for retrieving metrics.");
  app.add_option("--query.timeout", f.query_timeout,
                 "Maximum time a query may take before being aborted.");
  app.add_option("--query.max-concurrency", f.query_max_concurrency,
                 "Maximum number of queries executed concurrently.");
  app.add_option("--query.max-samples", f.query_max_samples,
                 "Maximum number of samples a single query can load into memory.");
  app.add_option("--rules.alert.resend-delay", f.resend_delay,
                 "Minimum amount of time to wait before resending an alert.");
  app.add_option("--rules.alert.for-outage-tolerance", f.for_outage_tolerance,
                 "Max time to tolerate Vigil outage for restoring \"for\" state of alert.");
  app.add_option("--rules.alert.for-grace-period", f.for_grace_period,
                 "Minimum duration between alert and restored \"for\" state.");
  app.add_option("--storage.remote.read-sample-limit", f.remote_read_sample_limit,
                 "Maximum overall number of samples to return via the remote read "
                 "interface, in a single query. 0 means no limit.");
  app.add_option("--storage.remote.flush-deadline", f.remote_flush_deadline,
                 "How long to wait flushing sample on shutdown or config reload.");
  app.add_option("--enable-feature", f.features,
                 "Comma separated feature names to enable (accepted, reported).")
      ->delimiter(',');
  app.add_option("--alertmanager.notification-queue-capacity",
                 f.notification_queue_capacity,
                 "The capacity of the queue for pending Alertmanager notifications.");
  app.add_option("--log.level", f.log_level, "Only log messages with the given severity or above.")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", f.log_format, "Output format of log messages.")
      ->check(CLI::IsMember({"logfmt", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return absl::CancelledError(app.help());
  } catch (const CLI::CallForVersion&) {
    return absl::CancelledError(app.version());
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  for (const auto& [flag, value] :
       {std::pair<std::string, std::string>{"storage.tsdb.retention.time", f.retention_time},
        {"query.lookback-delta", f.lookback_delta},
        {"query.timeout", f.query_timeout},
        {"rules.alert.resend-delay", f.resend_delay},
        {"rules.alert.for-outage-tolerance", f.for_outage_tolerance},
        {"rules.alert.for-grace-period", f.for_grace_period}}) {
    absl::Status st = CheckDuration(flag, value);
    if (!st.ok()) return st;
  }
  return f;
}

std::map<std::string, std::string> FlagValues(const Flags& f) {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string features;
  for (const std::string& x : f.features) {
    if (!features.empty()) features += ",";
    features += x;
  }
  return {
      {"config.file", f.config_file},
      {"web.listen-address", f.listen_address},
      {"grpc.listen-address", f.grpc_listen_address},
      {"web.external-url", f.external_url},
      {"web.route-prefix", f.route_prefix},
      {"web.enable-lifecycle", b(f.enable_lifecycle)},
      {"web.enable-admin-api", b(f.enable_admin_api)},
      {"web.enable-remote-write-receiver", b(f.enable_remote_write_receiver)},
      {"storage.tsdb.path", f.storage_path},
      {"storage.tsdb.retention.time", f.retention_time.empty() ? "0s" : f.retention_time},
      {"storage.tsdb.retention.size", f.retention_size.empty() ? "0B" : f.retention_size},
      {"storage.remote.read-sample-limit", absl::StrCat(f.remote_read_sample_limit)},
      {"storage.remote.flush-deadline", f.remote_flush_deadline},
      {"query.lookback-delta", f.lookback_delta},
      {"query.timeout", f.query_timeout},
      {"query.max-concurrency", absl::StrCat(f.query_max_concurrency)},
      {"query.max-samples", absl::StrCat(f.query_max_samples)},
      {"rules.alert.resend-delay", f.resend_delay},
      {"rules.alert.for-outage-tolerance", f.for_outage_tolerance},
      {"rules.alert.for-grace-period", f.for_grace_period},
      {"alertmanager.notification-queue-capacity",
       absl::StrCat(f.notification_queue_capacity)},
      {"enable-feature", features},
      {"log.level", f.log_level},
      {"log.format", f.log_format},
  };
}

}  // namespace vigil::server
