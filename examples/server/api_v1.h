// ApiV1 serves Prometheus's HTTP API (`/api/v1/...`) over a storage and a
// query function, answering with Prometheus's exact JSON envelope:
//
//   {"status":"success","data":...,"warnings":[...],"infos":[...]}
//   {"status":"error","errorType":"bad_data","error":"..."}
//
// with HTTP 400 bad_data, 422 execution, 499 canceled, 503 timeout and
// unavailable, 404 not_found, 500 internal. Query endpoints take GET and
// POST forms (`application/x-www-form-urlencoded`), as Grafana sends them.
//
// ApiV1 parses and validates every parameter itself; evaluation goes to
// `Deps::query` (bound to promql::Engine by engine_query.h), selectors of
// `match[]` to `Deps::parse_selector`, and everything the server knows
// beyond storage (targets, rules, alerts, metadata, flags, config) comes
// through the optional providers in Deps, so a library user can serve the
// API over their own storage with just a Queryable and a query function.
//
// Thread safety: handlers run concurrently on the HTTP server's threads;
// Deps' functions must be safe for that. ApiV1 must outlive the server it
// is registered on.

#ifndef VIGIL_EXAMPLES_SERVER_API_V1_H_
#define VIGIL_EXAMPLES_SERVER_API_V1_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/relabel.h"
#include "libweb/http/router.h"
#include "libtsdb/storage/querier.h"
#include "model/matcher.h"

namespace vigil::server {

// One evaluation the API asks for, with parameters validated.
struct QueryRequest {
  std::string query;
  bool range = false;
  int64_t time_ms = 0;  // instant queries
  int64_t start_ms = 0;  // range queries
  int64_t end_ms = 0;
  int64_t step_ms = 0;
  // Zero: the engine's default timeout.
  absl::Duration timeout = absl::ZeroDuration();
  // Zero: the engine's default lookback delta.
  int64_t lookback_delta_ms = 0;
  // The `stats` parameter was given ("all" or any non-empty value).
  bool stats = false;
};

// What a query returns, already encoded: `result_json` is the JSON of
// data.result, `stats_json` the JSON of data.stats (empty: omitted).
struct QueryResponse {
  std::string result_type;  // "vector", "matrix", "scalar", "string"
  std::string result_json;
  std::string stats_json;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

// Evaluates a query. Error codes map to the API's error types:
// InvalidArgument -> bad_data (a `1:2: parse error` message gets the
// `invalid parameter "query": ` prefix), DeadlineExceeded -> timeout,
// Cancelled -> canceled, FailedPrecondition / ResourceExhausted /
// Unimplemented / OutOfRange -> execution, Unavailable -> unavailable,
// NotFound -> not_found, anything else -> internal.
using QueryFunc =
    std::function<absl::StatusOr<QueryResponse>(const QueryRequest&)>;

// Parses one `match[]` series selector into matchers; InvalidArgument with
// the parser's message for a bad selector.
using SelectorParser =
    std::function<absl::StatusOr<std::vector<model::Matcher>>(absl::string_view)>;

// Returns the JSON of `data` for an endpoint that reads the request's
// parameters (targets, rules, alerts, metadata, ...).
using JsonProvider =
    std::function<absl::StatusOr<std::string>(const web::Request&)>;

struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;  // the toolchain, under Prometheus's key name
};

struct RuntimeInfo {
  absl::Time start_time;
  std::string cwd;
  bool reload_config_success = true;
  absl::Time last_config_time;
  int64_t corruption_count = 0;
  int64_t goroutine_count = 0;  // threads serving, under Prometheus's name
  int gomaxprocs = 0;           // CPUs usable
  std::string storage_retention;
};

// /api/v1/status/walreplay: WAL segments replayed so far (Prometheus's
// WALReplayStatus; see tsdb::ReplayProgress).
struct WalReplayStatus {
  int min = 0;
  int max = 0;
  int current = 0;
};

// One entry of /api/v1/notifications ("Configuration reload has
// failed.", ...).
struct Notification {
  std::string text;
  absl::Time date;  // when it was raised or last raised again
  bool active = true;
};

// /api/v1/features: category -> feature name -> enabled.
using FeatureMap = std::map<std::string, std::map<std::string, bool>>;

class ApiV1 {
 public:
  struct Deps {
    // Series, labels and label values are read from here. Required.
    storage::Queryable* queryable = nullptr;
    // Evaluates /query and /query_range. Unset: those answer unavailable.
    QueryFunc query;
    // Parses match[] selectors. Unset: match[] answers bad_data.
    SelectorParser parse_selector;
    // Canonical form of a query for /format_query. Unset: 404.
    std::function<absl::StatusOr<std::string>(absl::string_view)> format_query;
    BuildInfo build_info;
    // Flag name (without dashes) -> value, for /status/flags.
    std::map<std::string, std::string> flags;
    // The loaded configuration as YAML, for /status/config.
    std::function<std::string()> config_yaml;
    std::function<RuntimeInfo()> runtime_info;
    // JSON of data for these endpoints; unset gives Prometheus's empty
    // answers ({"activeTargets":[],...}, {"groups":[]}, {} ...).
    JsonProvider targets;
    JsonProvider targets_metadata;
    JsonProvider rules;
    JsonProvider alerts;
    JsonProvider alertmanagers;
    JsonProvider metadata;
    // Replaces the generic /status/tsdb computed from `queryable`.
    JsonProvider tsdb_status;
    // JSON of /status/tsdb/blocks' data ({"blocks":[...]}). Unset:
    // {"blocks":[]}.
    JsonProvider tsdb_blocks;
    // The AST of a query as /parse_query's JSON; InvalidArgument with the
    // parser's message for a bad query. Unset: 404.
    std::function<absl::StatusOr<std::string>(absl::string_view)> parse_query;
    // Answers before the server is ready too. Unset: all zero.
    std::function<WalReplayStatus()> wal_replay;
    // Active notifications, oldest first. Unset: none.
    std::function<std::vector<Notification>()> notifications;
    // Scrape pool (job) names, any order. Unset: none.
    std::function<std::vector<std::string>()> scrape_pools;
    // A scrape pool's relabel_configs, for /targets/relabel_steps;
    // NotFound (`scrape pool "x" not found`) for an unknown pool. Unset:
    // every pool is unknown.
    std::function<absl::StatusOr<std::vector<sd::RelabelConfig>>(const std::string&)>
        scrape_pool_relabel_configs;
    // What the server supports. Unset: /features answers internal "feature
    // registry not configured", as Prometheus without a registry.
    std::function<FeatureMap()> features;
  };

  explicit ApiV1(Deps deps);

  // Registers every endpoint under `prefix` + "/api/v1".
  void Register(web::Router* server, absl::string_view prefix = "");

  // Writes an error envelope with the status code for `type`.
  static void WriteError(web::Response* res, absl::string_view type,
                         absl::string_view message);
  // Maps a library status to (errorType, HTTP code).
  static std::pair<std::string, int> ErrorTypeFor(const absl::Status& status);
  // Writes {"status":"success","data":<data_json>[,"warnings":...]}.
  static void WriteSuccess(web::Response* res, absl::string_view data_json,
                           const std::vector<std::string>& warnings = {},
                           const std::vector<std::string>& infos = {});

 private:
  void Query(const web::Request& req, web::Response* res);
  void QueryRange(const web::Request& req, web::Response* res);
  void RunQuery(const QueryRequest& q, web::Response* res);
  void FormatQuery(const web::Request& req, web::Response* res);
  void Series(const web::Request& req, web::Response* res);
  void Labels(const web::Request& req, web::Response* res);
  void LabelValues(const web::Request& req, web::Response* res);
  void QueryExemplars(const web::Request& req, web::Response* res);
  void BuildInfoHandler(web::Response* res);
  void FlagsHandler(web::Response* res);
  void ConfigHandler(web::Response* res);
  void RuntimeInfoHandler(web::Response* res);
  void TsdbStatus(const web::Request& req, web::Response* res);
  void ParseQuery(const web::Request& req, web::Response* res);
  void WalReplay(web::Response* res);
  void Notifications(web::Response* res);
  void ScrapePools(web::Response* res);
  void RelabelSteps(const web::Request& req, web::Response* res);
  void Features(web::Response* res);

  // Parses every match[] value; false after writing the error response.
  bool ParseMatchers(const web::Request& req, web::Response* res,
                     std::vector<std::vector<model::Matcher>>* sets);

  Deps deps_;
};

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_API_V1_H_
