#include "examples/server/flags.h"

#include <cmath>
#include <limits>
#include <type_traits>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "model/duration.h"

namespace vigil::server {
namespace {

// Value syntaxes, as Prometheus's Kingpin values parse them.
enum class Type {
  kString,
  kBool,
  kInt,  // Kingpin reads ints as floats: "5e7" is 50000000
  kFloat,
  kDuration,    // Prometheus duration: "1h30m", "15d"
  kGoDuration,  // Go time.Duration: "2ms", "1.5s"
  kBytes,       // base-2 size with a unit: "512MB", "1GiB"
  kEnum,        // one of Row::choices
  kStrings,     // repeatable; split at commas when Row::split
};

// Where a flag comes from. 2.x-only and Debian flags are accepted but
// shown by FlagValues() only when given, so the map mirrors 3.x.
enum class Origin { kProm3, kProm2, kDebian, kVigil };

using Field = std::variant<std::monostate, std::string Flags::*, bool Flags::*,
                           int Flags::*, int64_t Flags::*,
                           std::vector<std::string> Flags::*>;

// One row per flag. `no_effect` is nullptr when Vigil acts on the flag,
// else the reason it does not (shown by --help). `matches` lists values
// ('|'-separated) with which Vigil already behaves as the flag asks, so
// giving one needs no warning.
struct Row {
  const char* name;
  Type type;
  const char* def;  // as --help shows it; "" none
  Field field;      // std::monostate: the value goes to Flags::other
  const char* no_effect;
  const char* matches;
  const char* help;
  Origin origin = Origin::kProm3;
  const char* choices = "";  // kEnum and kStrings: '|'-separated
  bool split = false;        // kStrings: "a,b" gives two values
};

constexpr char kNotWired[] = "not wired to the server yet";
constexpr char kGoRuntime[] = "tunes the Go runtime; Vigil is C++";
constexpr char kNoAgent[] = "no agent mode: Vigil always runs as a server";
constexpr char kNoConsoles[] =
    "no console templates (Prometheus 3 dropped them too)";
constexpr char kNoFeatures[] = "no feature flags: what Vigil has is always on";

const std::vector<Row>& Rows() {
  using T = Type;
  using O = Origin;
  // clang-format off
  static const std::vector<Row>* rows = new std::vector<Row>{
      // Prometheus 3.x, in its --help order (hidden flags included).
      {"config.file", T::kString, "prometheus.yml", &Flags::config_file,
       nullptr, "", "Configuration file to load."},
      {"config.auto-reload", T::kBool, "false", &Flags::config_auto_reload,
       nullptr, "",
       "Reload the configuration file when it changes."},
      {"config.auto-reload-interval", T::kDuration, "30s",
       &Flags::config_auto_reload_interval, nullptr, "",
       "How often --config.auto-reload checks the file."},
      {"web.listen-address", T::kStrings, "0.0.0.0:9090",
       &Flags::listen_addresses, nullptr, "",
       "Address of the UI, API and telemetry; repeatable (each is "
       "served)."},
      {"auto-gomaxprocs", T::kBool, "true", {}, kGoRuntime, "",
       "Set GOMAXPROCS from the container CPU quota."},
      {"auto-gomemlimit", T::kBool, "true", {}, kGoRuntime, "",
       "Set GOMEMLIMIT from the container memory limit."},
      {"auto-gomemlimit.ratio", T::kFloat, "0.9", {}, kGoRuntime, "",
       "Share of the memory limit used for GOMEMLIMIT."},
      {"auto-gomemlimit.refresh-interval", T::kDuration, "0s", {}, kGoRuntime,
       "", "How often the memory limit is read again; 0: once."},
      {"web.config.file", T::kString, "", &Flags::web_config_file, nullptr,
       "", "Web configuration file (TLS, basic auth)."},
      {"web.read-timeout", T::kDuration, "5m", &Flags::web_read_timeout,
       nullptr, "", "Time limit for reading a request; idle connections "
       "close after it."},
      {"web.max-connections", T::kInt, "512", &Flags::web_max_connections,
       nullptr, "", "Most connections open at once, over all listeners."},
      {"web.max-notifications-subscribers", T::kInt, "16", {},
       "no live notifications endpoint", "",
       "Most clients of the live notifications stream."},
      {"web.external-url", T::kString, "", &Flags::external_url, nullptr, "",
       "URL users reach the server at; its path prefixes every route."},
      {"web.route-prefix", T::kString, "", &Flags::route_prefix, nullptr, "",
       "Prefix of every HTTP route (default: the path of "
       "--web.external-url)."},
      {"web.user-assets", T::kString, "", {}, "no /user static files", "",
       "Directory served at /user."},
      {"web.enable-lifecycle", T::kBool, "false", &Flags::enable_lifecycle,
       nullptr, "", "Allow /-/reload and /-/quit."},
      {"web.enable-admin-api", T::kBool, "false", &Flags::enable_admin_api,
       nullptr, "", "Allow the /api/v1/admin endpoints."},
      {"web.enable-remote-write-receiver", T::kBool, "false",
       &Flags::enable_remote_write_receiver, nullptr, "",
       "Accept samples on /api/v1/write."},
      {"web.remote-write-receiver.accepted-protobuf-messages", T::kStrings,
       "prometheus.WriteRequest,io.prometheus.write.v2.Request", {},
       "only remote write 1.0 is received", "prometheus.WriteRequest",
       "Remote write messages to accept.", O::kProm3,
       "prometheus.WriteRequest|io.prometheus.write.v2.Request", true},
      {"web.enable-otlp-receiver", T::kBool, "false", {},
       "no OTLP receiver", "false", "Accept OTLP metrics."},
      {"web.console.templates", T::kString, "consoles", {}, kNoConsoles, "",
       "Console template directory, served at /consoles."},
      {"web.console.libraries", T::kString, "console_libraries", {},
       kNoConsoles, "", "Console library directory."},
      {"web.page-title", T::kString,
       "Prometheus Time Series Collection and Processing Server",
       &Flags::web_page_title, nullptr, "", "Title of the web pages."},
      {"web.cors.origin", T::kString, ".*", &Flags::web_cors_origin, nullptr,
       "", "Anchored regular expression of the origins CORS allows."},
      {"storage.tsdb.path", T::kString, "data/", &Flags::storage_path, nullptr,
       "", "Directory of the TSDB."},
      {"storage.tsdb.min-block-duration", T::kDuration, "2h",
       &Flags::tsdb_min_block_duration, nullptr, "2h",
       "Time range of the blocks cut from the head."},
      {"storage.tsdb.max-block-duration", T::kDuration, "",
       &Flags::tsdb_max_block_duration, nullptr, "",
       "Longest time range compaction builds (default: 10% of the "
       "retention time)."},
      {"storage.tsdb.max-block-chunk-segment-size", T::kBytes, "", {},
       "chunk files are not split by size", "",
       "Largest chunk segment file of a block."},
      {"storage.tsdb.wal-segment-size", T::kBytes, "", {},
       "WAL segment size is fixed", "", "Size at which WAL segments roll."},
      {"storage.tsdb.retention.time", T::kDuration, "",
       &Flags::retention_time, nullptr, "",
       "How long samples are kept (default 15d, unless a size is set)."},
      {"storage.tsdb.retention.size", T::kBytes, "", &Flags::retention_size,
       nullptr, "", "Most bytes blocks may take; a unit is required."},
      {"storage.tsdb.no-lockfile", T::kBool, "false", &Flags::tsdb_no_lockfile,
       "the data directory is locked with flock(2), which the kernel releases when the process dies, so a stale lock never blocks a restart", "false", "Do not lock the data directory."},
      {"storage.tsdb.allow-overlapping-compaction", T::kBool, "true", {},
       "compaction is not configurable", "",
       "Compact blocks whose time ranges overlap."},
      {"storage.tsdb.wal-compression", T::kBool, "true",
       &Flags::tsdb_wal_compression, kNotWired, "false",
       "Compress WAL records (Vigil writes them uncompressed)."},
      {"storage.tsdb.wal-compression-type", T::kEnum, "snappy", {},
       "WAL records are written uncompressed", "",
       "WAL compression algorithm.", O::kProm3, "snappy|zstd"},
      {"storage.tsdb.head-chunks-write-queue-size", T::kInt, "0", {},
       "head chunks are written without a queue", "0",
       "Queue length for writing head chunks; 0: no queue."},
      {"storage.tsdb.samples-per-chunk", T::kInt, "120",
       &Flags::tsdb_samples_per_chunk, nullptr, "120",
       "Samples per head chunk."},
      {"storage.tsdb.delayed-compaction.max-percent", T::kInt, "10", {},
       "no delayed compaction", "",
       "Upper bound of the random compaction delay, in percent of the "
       "block range."},
      {"storage.tsdb.delay-compact-file.path", T::kString, "", {},
       "no delayed compaction", "",
       "JSON file of uploaded blocks (Thanos shipper); only those are "
       "compacted."},
      {"storage.tsdb.block-reload-interval", T::kDuration, "1m", {},
       "blocks are found when Vigil writes them", "",
       "How often the data directory is checked for added or removed "
       "blocks."},
      {"storage.agent.path", T::kString, "data-agent/", {}, kNoAgent, "",
       "Agent mode: directory of the WAL."},
      {"storage.agent.wal-segment-size", T::kBytes, "", {}, kNoAgent, "",
       "Agent mode: size at which WAL segments roll."},
      {"storage.agent.wal-compression", T::kBool, "true", {}, kNoAgent, "",
       "Agent mode: compress the WAL."},
      {"storage.agent.wal-compression-type", T::kEnum, "snappy", {}, kNoAgent,
       "", "Agent mode: WAL compression algorithm.", O::kProm3,
       "snappy|zstd"},
      {"storage.agent.wal-truncate-frequency", T::kDuration, "", {}, kNoAgent,
       "", "Agent mode: how often the WAL is truncated."},
      {"storage.agent.retention.min-time", T::kDuration, "5m", {}, kNoAgent,
       "", "Agent mode: youngest samples a WAL truncation may drop."},
      {"storage.agent.retention.max-time", T::kDuration, "4h", {}, kNoAgent,
       "", "Agent mode: age at which samples are always dropped."},
      {"storage.agent.checkpoint-from-in-memory-series", T::kBool, "false", {},
       kNoAgent, "", "Agent mode: checkpoint from memory only."},
      {"storage.agent.checkpoint-batch-size", T::kInt, "1000", {}, kNoAgent,
       "", "Agent mode: records per checkpoint write."},
      {"storage.agent.no-lockfile", T::kBool, "false", {}, kNoAgent, "",
       "Agent mode: do not lock the data directory."},
      {"storage.remote.flush-deadline", T::kDuration, "1m",
       &Flags::remote_flush_deadline, nullptr, "",
       "How long queued remote-write samples may take to send at shutdown "
       "or reload."},
      {"storage.remote.read-sample-limit", T::kInt, "5e7",
       &Flags::remote_read_sample_limit, nullptr, "",
       "Most samples one remote read may return; 0: no limit."},
      {"storage.remote.read-concurrent-limit", T::kInt, "10",
       &Flags::remote_read_concurrent_limit, nullptr, "",
       "Most remote reads served at once; 0: no limit."},
      {"storage.remote.read-max-bytes-in-frame", T::kInt, "1048576",
       &Flags::remote_read_max_bytes_in_frame, nullptr, "1048576",
       "Largest frame of a streamed remote read response."},
      {"web.search.max-limit", T::kInt, "10000", {}, "no search API", "",
       "Largest `limit` the search API accepts; 0: no cap."},
      {"rules.alert.for-outage-tolerance", T::kDuration, "1h",
       &Flags::for_outage_tolerance, nullptr, "",
       "Longest outage after which alerts keep their `for` state."},
      {"rules.alert.for-grace-period", T::kDuration, "10m",
       &Flags::for_grace_period, nullptr, "",
       "Shortest `for` wait after a restored alert state."},
      {"rules.alert.resend-delay", T::kDuration, "1m", &Flags::resend_delay,
       nullptr, "", "Shortest time between sending one alert again."},
      {"rules.max-concurrent-evals", T::kInt, "4", {},
       "rules of a group run one after another", "",
       "Most rules evaluated at once (concurrent-rule-eval)."},
      {"scrape.adjust-timestamps", T::kBool, "true", &Flags::scrape_adjust_timestamps,
       nullptr, "",
       "Align scrape timestamps to the schedule when close to it."},
      {"scrape.timestamp-tolerance", T::kGoDuration, "2ms",
       &Flags::scrape_timestamp_tolerance, nullptr, "",
       "How close a scrape must be to be aligned."},
      {"alertmanager.notification-queue-capacity", T::kInt, "10000",
       &Flags::notification_queue_capacity, nullptr, "",
       "Alerts queued for each Alertmanager."},
      {"alertmanager.notification-batch-size", T::kInt, "256",
       &Flags::notification_batch_size, nullptr, "256",
       "Most alerts sent to an Alertmanager in one request."},
      {"alertmanager.drain-notification-queue-on-shutdown", T::kBool, "true",
       &Flags::notification_drain_on_shutdown, nullptr, "",
       "Send queued alerts before shutting down."},
      {"query.lookback-delta", T::kDuration, "5m", &Flags::lookback_delta,
       nullptr, "", "How far back a query looks for a series' latest sample."},
      {"query.timeout", T::kDuration, "2m", &Flags::query_timeout, nullptr, "",
       "Longest time a query may run."},
      {"query.max-concurrency", T::kInt, "20", &Flags::query_max_concurrency,
       nullptr, "", "Most queries run at once."},
      {"query.max-samples", T::kInt, "50000000", &Flags::query_max_samples,
       nullptr, "", "Most samples one query may hold in memory."},
      {"scrape.discovery-reload-interval", T::kDuration, "5s", {},
       "target changes apply at once", "",
       "Shortest time between applying discovered target changes."},
      {"enable-feature", T::kStrings, "", &Flags::features, kNoFeatures, "",
       "Comma-separated Prometheus feature flags.", O::kProm3, "", true},
      {"agent", T::kBool, "false", {}, kNoAgent, "false",
       "Run in agent mode."},
      {"log.level", T::kEnum, "info", &Flags::log_level, nullptr,
       "debug|info", "Lowest severity logged.", O::kProm3,
       "debug|info|warn|error"},
      {"log.format", T::kEnum, "logfmt", &Flags::log_format, nullptr,
       "logfmt", "Log line format.", O::kProm3, "logfmt|json"},

      // Prometheus 2.x flags that 3.x dropped.
      {"storage.tsdb.retention", T::kDuration, "", {}, nullptr, "",
       "2.x name of --storage.tsdb.retention.time (which wins if both are "
       "given).",
       O::kProm2},
      {"storage.tsdb.allow-overlapping-blocks", T::kBool, "true", {},
       "2.x flag without effect since 2.39", "", "2.x: allow overlapping "
       "blocks.", O::kProm2},
      {"alertmanager.timeout", T::kString, "", {},
       "2.x flag without effect", "", "2.x: Alertmanager request timeout.",
       O::kProm2},
      {"storage.exemplars.exemplars-limit", T::kInt, "100000", {},
       "exemplars are not stored", "", "2.x: exemplars kept in memory.",
       O::kProm2},
      {"scrape.name-escaping-scheme", T::kEnum, "values", {},
       "metric names are not escaped", "",
       "2.x: how names outside the legacy charset are escaped.", O::kProm2,
       "values|underscores|dots"},

      // Debian's prometheus package (2.x).
      {"web.local-assets", T::kString, "/usr/share/prometheus/web/", {},
       "the UI is built in", "", "Debian: static asset directory.",
       O::kDebian},
      {"storage.tsdb.use-lockfile", T::kBool, "false", {},
       "the data directory is always locked", "true",
       "Debian: lock the data directory.", O::kDebian},
      {"storage.agent.use-lockfile", T::kBool, "false", {}, kNoAgent, "",
       "Debian: agent mode: lock the data directory.", O::kDebian},

      // Vigil's own.
      {"grpc.listen-address", T::kString, "", &Flags::grpc_listen_address,
       nullptr, "", "Address of Vigil's gRPC API (vigil.api.Vigil); empty: "
       "off.", O::kVigil},
      {"storage.tsdb.max-future-sample-time", T::kDuration, "10m",
       &Flags::max_future_sample_time, nullptr, "",
       "Samples stamped further ahead of the clock are refused and counted "
       "(Prometheus's fixed 10m); 0 turns the check off.",
       O::kVigil},
  };
  // clang-format on
  return *rows;
}

const Row* FindRow(absl::string_view name) {
  for (const Row& r : Rows()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

bool InList(absl::string_view list, absl::string_view v) {
  if (list.empty()) return false;
  for (absl::string_view x : absl::StrSplit(list, '|')) {
    if (x == v) return true;
  }
  return false;
}

absl::Status BadValue(const Row& r, absl::string_view v,
                      absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid value \"", v, "\" for flag --", r.name, ": ", why));
}

// Number-and-unit strings as Go's time.ParseDuration and Prometheus's
// byte-size flags read them: [-+]?([0-9]*(\.[0-9]*)?unit)+, or "0".
bool ValidUnits(absl::string_view s, absl::string_view units) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == "0") return true;
  if (s.empty()) return false;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, digits = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, digits = true;
    }
    if (!digits) return false;
    size_t j = i;
    while (j < s.size() && !absl::ascii_isdigit(s[j]) && s[j] != '.') ++j;
    if (!InList(units, s.substr(i, j - i))) return false;
    s.remove_prefix(j);
  }
  return true;
}

constexpr char kGoDurationUnits[] = "ns|us|\xC2\xB5s|\xCE\xBCs|ms|s|m|h";
constexpr char kByteUnits[] = "B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB|PiB|EiB";

// Checks `v` against the row's type; for kInt also returns the number.
absl::Status Check(const Row& r, absl::string_view v, int64_t* number) {
  switch (r.type) {
    case Type::kString:
    case Type::kBool:
      return absl::OkStatus();
    case Type::kInt: {
      double d = 0;
      if (!absl::SimpleAtod(v, &d) || !std::isfinite(d) ||
          std::fabs(d) >= 9.2e18) {
        return BadValue(r, v, "not a number");
      }
      *number = static_cast<int64_t>(d);
      if (std::holds_alternative<int Flags::*>(r.field) &&
          (*number > std::numeric_limits<int>::max() ||
           *number < std::numeric_limits<int>::min())) {
        return BadValue(r, v, "out of range");
      }
      return absl::OkStatus();
    }
    case Type::kFloat: {
      double d = 0;
      if (!absl::SimpleAtod(v, &d)) return BadValue(r, v, "not a number");
      return absl::OkStatus();
    }
    case Type::kDuration: {
      absl::StatusOr<int64_t> d = model::ParseDurationMs(v);
      if (!d.ok()) return BadValue(r, v, d.status().message());
      return absl::OkStatus();
    }
    case Type::kGoDuration:
      if (!ValidUnits(v, kGoDurationUnits)) {
        return BadValue(r, v, "not a Go duration (\"2ms\", \"1.5s\")");
      }
      return absl::OkStatus();
    case Type::kBytes:
      if (!ValidUnits(v, kByteUnits)) {
        return BadValue(r, v,
                        "not a size with a unit (B, KB, MB, GB, TB, PB, EB)");
      }
      return absl::OkStatus();
    case Type::kEnum:
    case Type::kStrings:
      if (*r.choices != '\0' && !InList(r.choices, v)) {
        return BadValue(
            r, v,
            absl::StrCat("must be one of ",
                         absl::StrJoin(absl::StrSplit(r.choices, '|'), ", ")));
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

// Stores one occurrence of the flag. Single-valued flags keep the last
// value; kStrings flags add to it.
absl::Status Apply(const Row& r, absl::string_view value, Flags* f) {
  std::vector<std::string> values;
  if (r.type == Type::kStrings && r.split) {
    for (absl::string_view x : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      values.emplace_back(x);
    }
  } else {
    values.emplace_back(value);
  }
  int64_t number = 0;
  for (const std::string& v : values) {
    absl::Status st = Check(r, v, &number);
    if (!st.ok()) return st;
  }
  std::string text(value);
  if (r.type == Type::kInt) text = absl::StrCat(number);
  if (r.type == Type::kStrings) text = absl::StrJoin(values, ",");
  std::visit(
      [&](auto member) {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::monostate>) {
          std::string& slot = f->other[r.name];
          if (r.type == Type::kStrings && !slot.empty()) {
            slot = absl::StrCat(slot, ",", text);
          } else {
            slot = text;
          }
        } else if constexpr (std::is_same_v<M, std::string Flags::*>) {
          f->*member = text;
        } else if constexpr (std::is_same_v<M, bool Flags::*>) {
          f->*member = text == "true";
        } else if constexpr (std::is_same_v<M, int Flags::*>) {
          f->*member = static_cast<int>(number);
        } else if constexpr (std::is_same_v<M, int64_t Flags::*>) {
          f->*member = number;
        } else {
          for (std::string& v : values) (f->*member).push_back(std::move(v));
        }
      },
      r.field);
  return absl::OkStatus();
}

// The flag's current value as text (its default when not given).
std::string ValueText(const Row& r, const Flags& f) {
  return std::visit(
      [&](auto member) -> std::string {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::monostate>) {
          auto it = f.other.find(r.name);
          return it != f.other.end() ? it->second : std::string(r.def);
        } else if constexpr (std::is_same_v<M, std::string Flags::*>) {
          return f.*member;
        } else if constexpr (std::is_same_v<M, bool Flags::*>) {
          return f.*member ? "true" : "false";
        } else if constexpr (std::is_same_v<M, int Flags::*> ||
                             std::is_same_v<M, int64_t Flags::*>) {
          return absl::StrCat(f.*member);
        } else {
          return absl::StrJoin(f.*member, ",");
        }
      },
      r.field);
}

std::string HelpText() {
  std::string out =
      "usage: vigil [<flags>]\n\n"
      "Vigil: a Prometheus-compatible monitoring server. Takes every flag "
      "of\nPrometheus 3.x; those marked [no effect] are checked and "
      "ignored.\n\nFlags:\n"
      "  -h, --help  Show this help (also --help-long, --help-man).\n"
      "  --version   Show the version.\n";
  for (const Row& r : Rows()) {
    absl::StrAppend(&out, "  --", r.name);
    if (r.type == Type::kBool) {
      if (absl::string_view(r.def) == "true") {
        absl::StrAppend(&out, " (default on; --no-", r.name, " turns off)");
      }
    } else if (*r.def != '\0') {
      absl::StrAppend(&out, "=\"", r.def, "\"");
    } else {
      absl::StrAppend(&out, "=<value>");
    }
    absl::StrAppend(&out, "\n      ", r.help);
    if (r.no_effect != nullptr) {
      absl::StrAppend(&out, " [no effect: ", r.no_effect, "]");
    }
    out += "\n";
  }
  return out;
}

}  // namespace

absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "-h") return absl::CancelledError(HelpText());
    if (arg == "--") {
      if (i + 1 < argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected ", argv[i + 1]));
      }
      break;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      if (absl::StartsWith(arg, "-") && arg.size() > 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown short flag '", arg.substr(0, 2), "'"));
      }
      return absl::InvalidArgumentError(absl::StrCat("unexpected ", arg));
    }
    absl::string_view name = arg;
    absl::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name == "help" || name == "help-long" || name == "help-man" ||
        name == "write-documentation") {
      return absl::CancelledError(HelpText());
    }
    if (name == "version") {
      return absl::CancelledError(
          "vigil 0.1.0 (Prometheus API 3.x compatible)");
    }
    const Row* row = FindRow(name);
    bool negated = false;
    if (row == nullptr && absl::StartsWith(name, "no-")) {
      row = FindRow(name.substr(3));
      negated = true;
      if (row != nullptr && row->type != Type::kBool) row = nullptr;
    }
    if (row == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown long flag '--", name, "'"));
    }
    std::string text;
    if (row->type == Type::kBool) {
      if (has_value) {
        if (negated || (value != "true" && value != "false")) {
          return BadValue(*row, value, "a switch takes no value");
        }
        text = std::string(value);
      } else {
        text = negated ? "false" : "true";
      }
    } else if (has_value) {
      text = std::string(value);
    } else {
      if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] != '\0')) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected argument for flag '--", row->name, "'"));
      }
      text = argv[++i];
    }
    absl::Status st = Apply(*row, text, &f);
    if (!st.ok()) return st;
    bool seen = false;
    for (const std::string& g : f.given) seen = seen || g == row->name;
    if (!seen) f.given.push_back(row->name);
  }
  if (!f.listen_addresses.empty()) f.listen_address = f.listen_addresses[0];
  if (auto it = f.other.find("storage.tsdb.retention");
      it != f.other.end() && f.retention_time.empty()) {
    f.retention_time = it->second;
  }
  return f;
}

std::map<std::string, std::string> FlagValues(const Flags& f) {
  std::map<std::string, std::string> out;
  for (const Row& r : Rows()) {
    bool given = f.other.count(r.name) > 0;
    if ((r.origin == Origin::kProm2 || r.origin == Origin::kDebian) && !given) {
      continue;
    }
    std::string v = ValueText(r, f);
    if (v.empty() && r.type == Type::kDuration) v = "0s";
    if (v.empty() && r.type == Type::kBytes) v = "0B";
    out[r.name] = v;
  }
  // The first address is the one served; a Flags built in code may set
  // only listen_address.
  if (f.listen_addresses.empty()) out["web.listen-address"] = f.listen_address;
  return out;
}

std::vector<std::string> FlagsWithoutEffect(const Flags& f) {
  std::vector<std::string> out;
  for (const std::string& name : f.given) {
    const Row* r = FindRow(name);
    if (r == nullptr) continue;
    if (r->no_effect == nullptr) continue;
    std::string v = ValueText(*r, f);
    if (r->type == Type::kStrings) {
      for (absl::string_view x : absl::StrSplit(v, ',', absl::SkipEmpty())) {
        if (!InList(r->matches, x)) {
          out.push_back(absl::StrCat("--", name, "=", x));
        }
      }
    } else if (InList(r->matches, v)) {
      continue;
    } else if (r->type == Type::kBool) {
      out.push_back(absl::StrCat(v == "true" ? "--" : "--no-", name));
    } else {
      out.push_back(absl::StrCat("--", name, "=", v));
    }
  }
  return out;
}

std::string FlagsWithoutEffectWarning(const Flags& f) {
  std::vector<std::string> list = FlagsWithoutEffect(f);
  if (list.empty()) return "";
  return absl::StrCat(
      "flags accepted without effect: ", absl::StrJoin(list, ", "),
      " (see docs/compatibility.md)");
}

std::vector<FlagSummary> AllFlags() {
  std::vector<FlagSummary> out;
  for (const Row& r : Rows()) out.push_back({r.name, r.no_effect == nullptr});
  return out;
}

}  // namespace vigil::server
