#include "examples/server/app.h"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "examples/server/api_params.h"
#include "examples/server/api_v1.h"
#include "examples/server/discovery_configs.h"
#include "examples/server/engine_query.h"
#include "examples/server/features.h"
#include "examples/server/federate.h"
#include "examples/server/grpc_credentials.h"
#include "examples/server/grpc_service.h"
#include "examples/server/json_writer.h"
#include "examples/server/log.h"
#include "examples/server/metadata_api.h"
#include "examples/server/metrics.h"
#include "examples/server/notifier_api.h"
#include "examples/server/promql_ast_json.h"
#include "examples/server/remote_read_handler.h"
#include "examples/server/remote_storage.h"
#include "examples/server/remote_write_handler.h"
#include "examples/server/rules_api.h"
#include "examples/server/self_metrics.h"
#include "examples/server/targets_api.h"
#include "examples/server/tsdb_blocks_api.h"
#include "examples/server/thanos_shipper.h"
#include "examples/ui/routes.h"
#include "libweb/http/router.h"
#include "libweb/http/server.h"
#include "libweb/http/web_config.h"
#include "libpromql/engine.h"
#include "librules/engine_query_func.h"
#include "librules/manager.h"
#include "librules/notifier/notifier.h"
#include "libscrape/manager.h"
#include "libsd/manager.h"
#include "libtsdb/db.h"
#include "model/duration.h"
#include "model/status_macros.h"
#include "model/timestamp.h"
#include "re2/re2.h"

namespace vigil::server {
namespace {

constexpr char kVersion[] = "3.0.0+vigil.0.1.0";
constexpr char kRevision[] = "vigil-0.1.0";


// Forwards to the DB once it is open; until then (and after Close) every
// call fails. The HTTP gate keeps requests away until the DB is set.
// Failing commits are logged (rate-limited), whatever path appended.
class StorageProxy final : public storage::Appendable, public storage::Queryable {
 public:
  void Set(tsdb::DB* db) { db_.store(db); }

  std::unique_ptr<storage::Appender> NewAppender() override {
    tsdb::DB* db = db_.load();
    if (db == nullptr) return std::make_unique<FailingAppender>();
    return std::make_unique<LoggedAppender>(db->NewAppender(), &commit_log_);
  }

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint,
                                                               int64_t maxt) override {
    tsdb::DB* db = db_.load();
    if (db == nullptr) return absl::UnavailableError("storage is not open yet");
    return db->NewQuerier(mint, maxt);
  }

 private:
  class FailingAppender final : public storage::Appender {
   public:
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef, const model::Labels&,
                                              int64_t, double) override {
      return absl::UnavailableError("storage is not open");
    }
    absl::Status Commit() override { return absl::UnavailableError("storage is not open"); }
    absl::Status Rollback() override { return absl::OkStatus(); }
  };
  // Logs failing commits (a full disk, an I/O error: every ingestion path
  // stops) at most once per kInterval with how many failed, and once when
  // commits succeed again.
  class CommitLog {
   public:
    void Report(const absl::Status& st) {
      if (st.ok()) {
        if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false)) {
          Log("info", "Storage commits succeed again");
        }
        return;
      }
      if (absl::IsInvalidArgument(st) || absl::IsFailedPrecondition(st)) return;  // bad samples
      failing_.store(true);
      uint64_t n = failures_.fetch_add(1) + 1;
      int64_t now = absl::GetCurrentTimeNanos();
      int64_t last = last_log_ns_.load();
      if (now - last < absl::ToInt64Nanoseconds(kInterval) ||
          !last_log_ns_.compare_exchange_strong(last, now)) {
        return;
      }
      failures_.fetch_sub(n);
      Log("error", absl::StrCat("Storage commits are failing; samples are not being stored "
                                "(failed commits since the last report: ",
                                n, ") err=", st.message()));
    }

   private:
    static constexpr absl::Duration kInterval = absl::Seconds(10);
    std::atomic<bool> failing_{false};
    std::atomic<uint64_t> failures_{0};
    std::atomic<int64_t> last_log_ns_{0};
  };

  class LoggedAppender final : public storage::Appender {
   public:
    LoggedAppender(std::unique_ptr<storage::Appender> inner, CommitLog* log)
        : inner_(std::move(inner)), log_(log) {}
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef ref, const model::Labels& l,
                                              int64_t t, double v) override {
      return inner_->Append(ref, l, t, v);
    }
    absl::Status Commit() override {
      absl::Status st = inner_->Commit();
      log_->Report(st);
      return st;
    }
    absl::Status Rollback() override { return inner_->Rollback(); }

   private:
    std::unique_ptr<storage::Appender> inner_;
    CommitLog* log_;
  };

  CommitLog commit_log_;
  std::atomic<tsdb::DB*> db_{nullptr};
};

absl::StatusOr<int64_t> DurationFlagMs(const std::string& v, int64_t def) {
  if (v.empty()) return def;
  return model::ParseDurationMs(v);
}

bool SplitHostPort(const std::string& addr, std::string* host, int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  *host = addr.substr(0, colon);
  if (host->empty()) *host = "0.0.0.0";
  if (host->size() > 2 && host->front() == '[') *host = host->substr(1, host->size() - 2);
  return absl::SimpleAtoi(addr.substr(colon + 1), port) && *port >= 0 && *port <= 65535;
}

int ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    int n;
    if (line.rfind("Threads:", 0) == 0 && absl::SimpleAtoi(line.substr(8), &n)) return n;
  }
  return 0;
}

// --web.cors.origin anchored as Prometheus anchors it.
std::string CorsPattern(const std::string& origin) { return "^(?:" + origin + ")$"; }

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

}  // namespace

struct App::Impl {
  web::Router router;
  // Serves `router` from Start() on: the first --web.listen-address, then
  // the others.
  std::unique_ptr<web::Server> http;
  std::vector<std::unique_ptr<web::Server>> more_http;
  // --web.config.file (TLS, basic auth, headers) for HTTP and gRPC; null
  // without the flag.
  std::unique_ptr<web::WebConfigSource> web_config;
  // --web.cors.origin, anchored.
  std::unique_ptr<re2::RE2> cors_origin;
  std::atomic<bool> ready{false};
  // Filled by DB::Open while the WAL replays (/api/v1/status/walreplay).
  tsdb::ReplayProgress replay_progress;
  // The last failed Reload(), guarded by App::mu_ (/api/v1/notifications).
  absl::Time last_reload_failure;
  StorageProxy storage;
  // Local + remote_write / remote_read endpoints (libremote).
  std::unique_ptr<RemoteStorage> remote;
  absl::Time start_time = absl::Now();
  std::unique_ptr<ServerMetrics> metrics;
  SelfMetricHooks self_metrics;
  std::unique_ptr<promql::Engine> engine;
  std::unique_ptr<ApiV1> api;
  std::unique_ptr<RemoteWriteHandler> remote_write;
  std::unique_ptr<RemoteReadHandler> remote_read;
  std::unique_ptr<Federation> federation;
  // Set in Start(), in this order; torn down in reverse.
  std::unique_ptr<tsdb::DB> db;
  std::unique_ptr<notifier::Notifier> notifier;
  std::unique_ptr<rules::Manager> rules;
  std::unique_ptr<scrape::Manager> scrapes;
  std::unique_ptr<sd::Manager> discovery;
  std::unique_ptr<sd::Manager> notify_discovery;  // Alertmanager sets
  std::unique_ptr<VigilGrpcService> grpc_service;
  std::unique_ptr<grpc::Server> grpc_server;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Flags& flags) {
  VIGIL_ASSIGN_OR_RETURN(Config cfg, LoadConfigFile(flags.config_file));
  for (const std::string& s : cfg.ignored) {
    Log("warn", absl::StrCat("configuration section \"", s, "\" is accepted but not used"));
  }
  std::string host;
  int port;
  if (!SplitHostPort(flags.listen_address, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --web.listen-address \"", flags.listen_address, "\""));
  }
  if (flags.config_auto_reload) {
    VIGIL_ASSIGN_OR_RETURN(int64_t every_ms,
                           DurationFlagMs(flags.config_auto_reload_interval, 30000));
    if (every_ms < 1000) {
      return absl::InvalidArgumentError("--config.auto-reload-interval must be at least 1s");
    }
  }
  re2::RE2 cors(CorsPattern(flags.web_cors_origin));
  if (!cors.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --web.cors.origin \"", flags.web_cors_origin, "\": ", cors.error()));
  }
  auto config = std::make_shared<const Config>(std::move(cfg));
  return std::unique_ptr<App>(new App(flags, std::move(config)));
}

App::App(Flags flags, std::shared_ptr<const Config> config)
    : flags_(std::move(flags)), impl_(std::make_unique<Impl>()), config_(config) {
  last_reload_time_ = absl::Now();
  Impl& im = *impl_;
  im.cors_origin = std::make_unique<re2::RE2>(CorsPattern(flags_.web_cors_origin));
  im.metrics = std::make_unique<ServerMetrics>(kVersion, kRevision);
  im.metrics->SetReloadResult(true, last_reload_time_);
  SelfMetricSources sources;
  sources.db = [this] { return impl_->db.get(); };
  sources.engine = [this] { return impl_->engine.get(); };
  sources.scrapes = [this] { return impl_->scrapes.get(); };
  sources.rules = [this] { return impl_->rules.get(); };
  sources.notifier = [this] { return impl_->notifier.get(); };
  sources.scrape_discovery = [this] { return impl_->discovery.get(); };
  sources.notify_discovery = [this] { return impl_->notify_discovery.get(); };
  im.self_metrics = RegisterSelfMetrics(im.metrics.get(), std::move(sources));

  promql::EngineOptions eo;
  eo.lookback_delta_ms = DurationFlagMs(flags_.lookback_delta, 300000).value_or(300000);
  eo.max_samples = flags_.query_max_samples;
  eo.timeout = absl::Milliseconds(DurationFlagMs(flags_.query_timeout, 120000).value_or(120000));
  eo.max_concurrent = flags_.query_max_concurrency;
  eo.default_subquery_step_ms = absl::ToInt64Milliseconds(config->global.evaluation_interval);
  eo.observe_query = im.self_metrics.observe_query;
  im.engine = std::make_unique<promql::Engine>(eo);
  im.remote = std::make_unique<RemoteStorage>(
      &im.storage, &im.storage,
      [this]() -> int64_t {
        tsdb::DB* db = impl_->db.get();
        if (db == nullptr) return INT64_MAX;
        tsdb::DBStats st = db->Stats();
        return st.min_time == 0 && st.max_time == 0 ? INT64_MAX : st.min_time;
      },
      absl::Milliseconds(DurationFlagMs(flags_.remote_flush_deadline, 60000).value_or(60000)));

  const std::string prefix = flags_.route_prefix == "/" ? "" : flags_.route_prefix;
  im.metrics->Register(&im.router, prefix + "/metrics");

  ApiV1::Deps deps;
  deps.queryable = im.remote->queryable();
  deps.query = MakeEngineQueryFunc(im.engine.get(), im.remote->queryable());
  deps.parse_selector = MakeSelectorParser();
  deps.format_query = FormatPromQL;
  deps.build_info = {kVersion, kRevision, "main", "vigil", __DATE__, "gcc " __VERSION__};
  deps.flags = FlagValues(flags_);
  deps.config_yaml = [this] { return this->config()->shown_text; };
  deps.runtime_info = [this] {
    RuntimeInfo ri;
    ri.start_time = impl_->start_time;
    char buf[4096];
    if (getcwd(buf, sizeof(buf)) != nullptr) ri.cwd = buf;
    {
      absl::MutexLock l(&mu_);
      ri.reload_config_success = last_reload_ok_;
      ri.last_config_time = last_reload_time_;
    }
    ri.goroutine_count = ThreadCount();
    ri.gomaxprocs = static_cast<int>(std::thread::hardware_concurrency());
    ri.storage_retention = flags_.retention_time.empty()
                               ? (flags_.retention_size.empty() ? "15d" : "")
                               : flags_.retention_time;
    if (!flags_.retention_size.empty()) {
      ri.storage_retention += (ri.storage_retention.empty() ? "" : " or ") + flags_.retention_size;
    }
    return ri;
  };
  deps.targets = [this](const web::Request& req) -> absl::StatusOr<std::string> {
    if (!impl_->scrapes) return std::string(R"({"activeTargets":[],"droppedTargets":[]})");
    return TargetsJson(*impl_->scrapes, req, MakeGlobalUrlOptions(flags_.external_url, port_));
  };
  deps.rules = [this](const web::Request& req) -> absl::StatusOr<std::string> {
    if (!impl_->rules) return std::string(R"({"groups":[]})");
    return RulesJson(*impl_->rules, req);
  };
  deps.alerts = [this](const web::Request&) -> absl::StatusOr<std::string> {
    if (!impl_->rules) return std::string(R"({"alerts":[]})");
    return AlertsJson(*impl_->rules);
  };
  deps.alertmanagers = [this](const web::Request&) -> absl::StatusOr<std::string> {
    if (!impl_->notifier) {
      return std::string(R"({"activeAlertmanagers":[],"droppedAlertmanagers":[]})");
    }
    return AlertmanagersJson(*impl_->notifier);
  };
  deps.metadata = [this](const web::Request& req) -> absl::StatusOr<std::string> {
    if (!impl_->scrapes) return std::string("{}");
    return MetadataJson(*impl_->scrapes, req);
  };
  deps.targets_metadata = [this](const web::Request& req) -> absl::StatusOr<std::string> {
    if (!impl_->scrapes) return std::string("[]");
    return TargetsMetadataJson(*impl_->scrapes, req, MakeSelectorParser());
  };
  deps.parse_query = ParseQueryJson;
  deps.wal_replay = [this] {
    const tsdb::ReplayProgress& p = impl_->replay_progress;
    return WalReplayStatus{p.min.load(), p.max.load(), p.current.load()};
  };
  deps.notifications = [this] {
    // Prometheus's notifications of the server's state (util/notifications).
    std::vector<Notification> out;
    absl::MutexLock l(&mu_);
    if (!impl_->ready.load() && !shut_down_) {
      out.push_back({"Prometheus is starting and replaying the write-ahead log (WAL).",
                     impl_->start_time, true});
    }
    if (!last_reload_ok_) {
      out.push_back({"Configuration reload has failed.", impl_->last_reload_failure, true});
    }
    return out;
  };
  deps.scrape_pools = [this] {
    std::vector<std::string> pools;
    for (const scrape::ScrapeConfig& sc : this->config()->scrape_configs) {
      pools.push_back(sc.job_name);
    }
    return pools;
  };
  deps.scrape_pool_relabel_configs =
      [this](const std::string& pool) -> absl::StatusOr<std::vector<sd::RelabelConfig>> {
    std::shared_ptr<const Config> cfg = this->config();
    for (const scrape::ScrapeConfig& sc : cfg->scrape_configs) {
      if (sc.job_name == pool) return sc.relabel_configs;
    }
    return absl::NotFoundError(absl::StrCat("scrape pool ", model::QuoteString(pool), " not found"));
  };
  FeatureFlags ff;
  ff.lifecycle = flags_.enable_lifecycle;
  ff.admin = flags_.enable_admin_api;
  ff.remote_write_receiver = flags_.enable_remote_write_receiver;
  FeatureMap features = ServerFeatures(ff);
  deps.features = [features] { return features; };
  deps.tsdb_blocks = [this](const web::Request&) -> absl::StatusOr<std::string> {
    if (!impl_->db) return std::string(R"({"blocks":[]})");
    std::vector<tsdb::BlockMeta> blocks = impl_->db->Blocks();
    std::stable_sort(blocks.begin(), blocks.end(),
                     [](const tsdb::BlockMeta& a, const tsdb::BlockMeta& b) {
                       return a.min_time < b.min_time;
                     });
    return TsdbBlocksJson(blocks);
  };
  im.api = std::make_unique<ApiV1>(std::move(deps));
  im.api->Register(&im.router, prefix);

  const std::string api = prefix + "/api/v1";
  if (flags_.enable_remote_write_receiver) {
    im.remote_write = std::make_unique<RemoteWriteHandler>(im.remote->appendable());
    im.remote_write->Register(&im.router, api + "/write");
  } else {
    im.router.Post(api + "/write", [](const web::Request&, web::Response* res) {
      res->status = 404;
      res->SetContent(
          "remote write receiver needs to be enabled with "
          "--web.enable-remote-write-receiver\n",
          "text/plain; charset=utf-8");
    });
  }
  RemoteReadHandler::Options rro;
  rro.external_labels = config->global.external_labels;
  rro.sample_limit = flags_.remote_read_sample_limit;
  rro.max_bytes_in_frame = static_cast<size_t>(flags_.remote_read_max_bytes_in_frame);
  rro.max_concurrent = flags_.remote_read_concurrent_limit;
  im.remote_read = std::make_unique<RemoteReadHandler>(&im.storage, rro);
  im.remote_read->Register(&im.router, api + "/read");

  Federation::Options fo;
  fo.lookback_delta_ms = eo.lookback_delta_ms;
  fo.external_labels = config->global.external_labels;
  im.federation = std::make_unique<Federation>(&im.storage, MakeSelectorParser(), fo);
  im.federation->Register(&im.router, prefix + "/federate");

  // Admin API (snapshot, delete_series, clean_tombstones).
  auto admin = [this](auto fn) {
    return [this, fn](const web::Request& req, web::Response* res) {
      if (!flags_.enable_admin_api) {
        return ApiV1::WriteError(res, "unavailable", "admin APIs disabled");
      }
      fn(req, res);
    };
  };
  SelectorParser promql_selector = MakeSelectorParser();
  auto delete_series = admin([this, promql_selector](const web::Request& req,
                                                     web::Response* res) {
    std::vector<std::vector<model::Matcher>> sets;
    auto range = req.params.equal_range("match[]");
    if (range.first == range.second) {
      return ApiV1::WriteError(res, "bad_data", "no match[] parameter provided");
    }
    for (auto it = range.first; it != range.second; ++it) {
      auto m = promql_selector(it->second);
      if (!m.ok()) {
        return ApiV1::WriteError(res, "bad_data", InvalidParam("match[]", m.status().message()));
      }
      sets.push_back(std::move(*m));
    }
    int64_t start = model::kMinTimeMs, end = model::kMaxTimeMs;
    if (!req.Param("start").empty()) {
      auto t = ParseTimeMs(req.Param("start"));
      if (!t.ok()) return ApiV1::WriteError(res, "bad_data", InvalidParam("start", t.status().message()));
      start = *t;
    }
    if (!req.Param("end").empty()) {
      auto t = ParseTimeMs(req.Param("end"));
      if (!t.ok()) return ApiV1::WriteError(res, "bad_data", InvalidParam("end", t.status().message()));
      end = *t;
    }
    for (const auto& ms : sets) {
      absl::Status st = impl_->db->Delete(start, end, ms);
      if (!st.ok()) return ApiV1::WriteError(res, "internal", st.message());
    }
    res->status = 204;
  });
  auto clean = admin([this](const web::Request&, web::Response* res) {
    absl::Status st = impl_->db->CleanTombstones();
    if (!st.ok()) return ApiV1::WriteError(res, "internal", st.message());
    res->status = 204;
  });
  auto snapshot = admin([this](const web::Request& req, web::Response* res) {
    bool skip_head = req.Param("skip_head") == "true";
    std::string name = absl::StrCat(
        absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()), "-",
        absl::StrCat(absl::Hex(absl::ToUnixNanos(absl::Now()) & 0xffffffff)));
    std::string dir = absl::StrCat(impl_->db->dir(), "/snapshots");
    ::mkdir(dir.c_str(), 0755);
    absl::Status st = impl_->db->Snapshot(absl::StrCat(dir, "/", name), !skip_head);
    if (!st.ok()) return ApiV1::WriteError(res, "internal", st.message());
    std::string data = R"({"name":)";
    AppendJsonString(name, &data);
    data.push_back('}');
    ApiV1::WriteSuccess(res, data);
  });
  for (const char* m : {"POST", "PUT"}) {
    bool post = std::string(m) == "POST";
    auto reg = [&](const std::string& path, web::Handler h) {
      if (post) im.router.Post(path, h); else im.router.Put(path, h);
    };
    reg(api + "/admin/tsdb/delete_series", delete_series);
    reg(api + "/admin/tsdb/clean_tombstones", clean);
    reg(api + "/admin/tsdb/snapshot", snapshot);
  }

  // Lifecycle.
  im.router.Get(prefix + "/-/healthy", [](const web::Request&, web::Response* res) {
    res->SetContent("Vigil Server is Healthy.\n", "text/plain; charset=utf-8");
  });
  im.router.Get(prefix + "/-/ready", [](const web::Request&, web::Response* res) {
    res->SetContent("Vigil Server is Ready.\n", "text/plain; charset=utf-8");
  });
  auto lifecycle = [this](bool quit) {
    return [this, quit](const web::Request&, web::Response* res) {
      if (!flags_.enable_lifecycle) {
        res->status = 403;
        res->SetContent("Lifecycle API is not enabled.\n", "text/plain; charset=utf-8");
        return;
      }
      if (quit) {
        res->SetContent("Requesting termination... Goodbye!\n", "text/plain; charset=utf-8");
        RequestQuit();
        return;
      }
      absl::Status st = Reload();
      if (!st.ok()) {
        res->status = 500;
        res->SetContent(absl::StrCat("failed to reload config: ", st.message(), "\n"),
                        "text/plain; charset=utf-8");
      }
    };
  };
  for (const char* path : {"/-/reload", "/-/quit"}) {
    bool quit = std::string(path) == "/-/quit";
    im.router.Post(prefix + path, lifecycle(quit));
    im.router.Put(prefix + path, lifecycle(quit));
    im.router.Get(prefix + path, [](const web::Request&, web::Response* res) {
      res->status = 405;
      res->SetContent("Only POST or PUT requests allowed\n", "text/plain; charset=utf-8");
    });
  }
  // The web UI (examples/ui): "/" redirects to the expression browser.
  // The built-in title unless --web.page-title was given.
  bool titled = std::find(flags_.given.begin(), flags_.given.end(), "web.page-title") !=
                flags_.given.end();
  ui::RegisterUiRoutes(&im.router, prefix, titled ? flags_.web_page_title : "");

  im.remote->RegisterMetrics(im.metrics.get());
  im.metrics->AddCallback("vigil_remote_write_samples_received_total",
                          "Samples appended through the remote write receiver.", "counter", [this] {
                            return impl_->remote_write ? static_cast<double>(impl_->remote_write->samples_appended()) : 0.0;
                          });
}

App::~App() { Shutdown(); }

std::shared_ptr<const Config> App::config() const {
  absl::MutexLock l(&mu_);
  return config_;
}

web::ServerOptions App::HttpServerOptions() {
  web::ServerOptions o;
  o.max_connections = flags_.web_max_connections;
  if (impl_->web_config != nullptr && impl_->web_config->tls_enabled()) {
    web::WebConfigSource* wc = impl_->web_config.get();
    o.tls_context = [wc] { return wc->TlsContext(); };
  }
  o.read_timeout =
      absl::Milliseconds(DurationFlagMs(flags_.web_read_timeout, 300000).value_or(300000));
  // Answers the server gives itself (framing, limits) are JSON on API paths.
  o.error_response = [](int status, absl::string_view message, absl::string_view target,
                        web::Response* res) {
    if (absl::StrContains(target, "/api/")) {
      ApiV1::WriteError(res, "bad_data", message);
      res->status = status;
    } else {
      res->SetContent(absl::StrCat(message, "\n"), "text/plain; charset=utf-8");
    }
  };
  o.on_response = impl_->metrics->RequestObserver();
  return o;
}

void App::SetCorsHeaders(const web::Request& req, web::Response* res) const {
  const std::string& origin = req.Header("Origin");
  if (origin.empty()) return;
  // Prometheus's CORS answer for its API (web.go).
  res->SetHeader("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Origin");
  res->SetHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res->SetHeader("Access-Control-Expose-Headers", "Date");
  res->SetHeader("Vary", "Origin");
  if (flags_.web_cors_origin == ".*") {
    res->SetHeader("Access-Control-Allow-Origin", "*");
  } else if (re2::RE2::FullMatch(origin, *impl_->cors_origin)) {
    res->SetHeader("Access-Control-Allow-Origin", origin);
  }
}

void App::ServeHttp(const web::Request& req, web::Response* res) {
  Impl& im = *impl_;
  const std::string prefix = flags_.route_prefix == "/" ? "" : flags_.route_prefix;
  if (im.web_config != nullptr) {
    im.web_config->AddHeaders(res);
    if (!im.web_config->Authorize(req, res)) return;
  }
  // Everything but health, metrics, WAL replay progress and notifications
  // answers 503 until the storage is open (as Prometheus).
  if (!im.ready.load()) {
    if (req.path != prefix + "/-/healthy" && req.path != prefix + "/metrics" &&
        req.path != prefix + "/api/v1/status/walreplay" &&
        req.path != prefix + "/api/v1/notifications") {
      res->status = 503;
      res->SetContent("Service Unavailable\n", "text/plain; charset=utf-8");
      return;
    }
  }
  if (absl::StartsWith(req.path, prefix + "/api/v1/")) {
    SetCorsHeaders(req, res);
    if (req.method == "OPTIONS") return;  // a CORS preflight: 200, headers only
  }
  im.router.Dispatch(req, res);
}

absl::Status App::Start() {
  Impl& im = *impl_;
  std::string host;
  int port = 0;
  SplitHostPort(flags_.listen_address, &host, &port);
  if (!flags_.web_config_file.empty()) {
    absl::StatusOr<std::unique_ptr<web::WebConfigSource>> wc =
        web::WebConfigSource::Open(flags_.web_config_file);
    if (!wc.ok()) {
      return absl::Status(wc.status().code(),
                          absl::StrCat("--web.config.file: ", wc.status().message()));
    }
    im.web_config = std::move(*wc);
  }
  im.http = std::make_unique<web::Server>(HttpServerOptions(), [this](const web::Request& req,
                                                                       web::Response* res) {
    ServeHttp(req, res);
  });
  absl::StatusOr<int> bound = im.http->Listen(host, port);
  if (!bound.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on --web.listen-address ",
                                               flags_.listen_address, ": ",
                                               bound.status().message()));
  }
  port_ = *bound;
  im.http->Start();
  Log("info", absl::StrCat("Start listening for connections address=", host, ":", port_));
  // Every further --web.listen-address serves the same routes (each with
  // its own --web.max-connections).
  for (size_t i = 1; i < flags_.listen_addresses.size(); ++i) {
    const std::string& address = flags_.listen_addresses[i];
    std::string extra_host;
    int extra_port = 0;
    if (!SplitHostPort(address, &extra_host, &extra_port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid --web.listen-address \"", address, "\""));
    }
    auto server = std::make_unique<web::Server>(
        HttpServerOptions(), [this](const web::Request& req, web::Response* res) {
          ServeHttp(req, res);
        });
    absl::StatusOr<int> extra = server->Listen(extra_host, extra_port);
    if (!extra.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot listen on --web.listen-address ",
                                                 address, ": ", extra.status().message()));
    }
    server->Start();
    Log("info", absl::StrCat("Start listening for connections address=", extra_host, ":", *extra));
    im.more_http.push_back(std::move(server));
    extra_ports_.push_back(*extra);
  }

  tsdb::Options to;
  VIGIL_ASSIGN_OR_RETURN(int64_t retention, DurationFlagMs(flags_.retention_time, 0));
  if (flags_.retention_time.empty() && flags_.retention_size.empty()) {
    retention = 15LL * 24 * 3600 * 1000;
  }
  to.retention_ms = retention;
  to.replay_progress = &im.replay_progress;
  VIGIL_ASSIGN_OR_RETURN(to.block_range_ms, DurationFlagMs(flags_.tsdb_min_block_duration, 0));
  if (!flags_.tsdb_max_block_duration.empty()) {
    VIGIL_ASSIGN_OR_RETURN(to.max_block_range_ms,
                           DurationFlagMs(flags_.tsdb_max_block_duration, 0));
    if (to.max_block_range_ms < to.block_range_ms) {
      return absl::InvalidArgumentError(
          "--storage.tsdb.max-block-duration must not be below --storage.tsdb.min-block-duration");
    }
  }
  if (to.block_range_ms <= 0) {
    return absl::InvalidArgumentError("--storage.tsdb.min-block-duration must be positive");
  }
  to.samples_per_chunk = flags_.tsdb_samples_per_chunk;
  // A Thanos sidecar lists what it uploaded; retention keeps the rest.
  to.may_delete_block = ThanosShipperGuard(flags_.storage_path);
  VIGIL_ASSIGN_OR_RETURN(to.max_future_ms, DurationFlagMs(flags_.max_future_sample_time, 600000));
  if (!flags_.retention_size.empty()) {
    absl::StatusOr<uint64_t> size = scrape::ParseSizeBytes(flags_.retention_size);
    if (!size.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid --storage.tsdb.retention.size: ", size.status().message()));
    }
    to.retention_bytes = static_cast<int64_t>(*size);
  }
  Log("info", absl::StrCat("Opening storage path=", flags_.storage_path));
  absl::Time t0 = absl::Now();
  VIGIL_ASSIGN_OR_RETURN(im.db, tsdb::DB::Open(flags_.storage_path, to));
  Log("info", absl::StrCat("TSDB started (WAL replayed) took=",
                           absl::FormatDuration(absl::Now() - t0)));
  im.storage.Set(im.db.get());

  std::shared_ptr<const Config> cfg = config();
  notifier::NotifierOptions no;
  no.queue_capacity = flags_.notification_queue_capacity;
  no.max_batch_size = static_cast<size_t>(std::max(1, flags_.notification_batch_size));
  no.drain_on_stop = flags_.notification_drain_on_shutdown;
  no.external_labels = cfg->global.external_labels;
  no.alert_relabel_configs = cfg->alerting.alert_relabel_configs;
  im.notifier = std::make_unique<notifier::Notifier>(no);
  im.notifier->Start();
  notifier::Notifier* notify = im.notifier.get();
  im.notify_discovery = std::make_unique<sd::Manager>(
      sd::Manager::Options(), [notify](const sd::Manager::GroupsByJob& groups) {
        absl::Status st = notify->SyncGroups(groups);
        if (!st.ok()) Log("error", absl::StrCat("alertmanager discovery: ", st.message()));
      });

  rules::ManagerOptions ro;
  ro.query = rules::EngineQueryFunc(im.engine.get(), im.remote->queryable());
  ro.appendable = im.remote->appendable();
  ro.queryable = im.remote->queryable();
  notifier::Notifier* n = im.notifier.get();
  // Prometheus's default --web.external-url: http://<hostname>:<port>.
  std::string external_url =
      flags_.external_url.empty() ? DefaultExternalUrl(port_) : flags_.external_url;
  ro.notify = rules::SendAlertsTo(
      [n](std::vector<notifier::Alert> alerts) { n->Send(std::move(alerts)); },
      external_url);
  ro.default_interval_ms = absl::ToInt64Milliseconds(cfg->global.evaluation_interval);
  ro.default_query_offset_ms = absl::ToInt64Milliseconds(cfg->global.rule_query_offset);
  ro.external_labels = cfg->global.external_labels;
  ro.external_url = external_url;
  ro.resend_delay_ms = DurationFlagMs(flags_.resend_delay, 60000).value_or(60000);
  ro.outage_tolerance_ms =
      DurationFlagMs(flags_.for_outage_tolerance, 3600000).value_or(3600000);
  ro.for_grace_period_ms = DurationFlagMs(flags_.for_grace_period, 600000).value_or(600000);
  ro.observe_rule_eval = im.self_metrics.observe_rule_eval;
  ro.observe_group_eval = im.self_metrics.observe_group_eval;
  im.rules = std::make_unique<rules::Manager>(std::move(ro));

  scrape::ManagerOptions so;
  so.counters = im.self_metrics.scrape_counters;
  so.timing.align = flags_.scrape_adjust_timestamps;
  if (!absl::ParseDuration(flags_.scrape_timestamp_tolerance, &so.timing.tolerance)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --scrape.timestamp-tolerance \"",
                                                   flags_.scrape_timestamp_tolerance, "\""));
  }
  im.scrapes = std::make_unique<scrape::Manager>(im.remote->appendable(), so);
  scrape::Manager* scrapes = im.scrapes.get();
  im.discovery = std::make_unique<sd::Manager>(
      sd::Manager::Options(),
      [scrapes](const sd::Manager::GroupsByJob& groups) { scrapes->Sync(groups); });

  VIGIL_RETURN_IF_ERROR(Apply(*cfg));
  im.rules->Start();
  if (flags_.config_auto_reload) {
    int64_t every_ms = DurationFlagMs(flags_.config_auto_reload_interval, 30000).value_or(30000);
    auto_reload_ = std::thread([this, every_ms] { AutoReloadLoop(absl::Milliseconds(every_ms)); });
  }
  if (!flags_.grpc_listen_address.empty()) {
    // Writes only where HTTP remote write is allowed too.
    storage::Appendable* writes =
        flags_.enable_remote_write_receiver ? static_cast<storage::Appendable*>(&im.storage)
                                            : nullptr;
    im.grpc_service = std::make_unique<VigilGrpcService>(writes, &im.storage,
                                                          im.engine.get(), kVersion);
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
        GrpcServerCredentials(im.web_config.get());
    if (!creds.ok()) return creds.status();
    grpc::ServerBuilder b;
    b.AddListeningPort(flags_.grpc_listen_address, *creds, &grpc_port_);
    b.RegisterService(im.grpc_service.get());
    im.grpc_server = b.BuildAndStart();
    if (im.grpc_server == nullptr || grpc_port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on --grpc.listen-address ", flags_.grpc_listen_address));
    }
    Log("info", absl::StrCat("gRPC API listening port=", grpc_port_));
  }
  im.ready.store(true);
  im.metrics->SetReady(true);
  Log("info", "Server is ready to receive web requests.");
  return absl::OkStatus();
}

absl::Status App::Apply(const Config& cfg) {
  Impl& im = *impl_;
  // Rule files first: a broken one fails the reload before anything else
  // changes.
  // Alertmanager sets' discovery sections parse before anything changes.
  sd::Manager::JobConfigs am_jobs;
  std::vector<std::string> warnings;
  for (size_t i = 0; i < cfg.alerting.alertmanagers.size(); ++i) {
    std::string set = notifier::AlertmanagerSetName(i);
    VIGIL_ASSIGN_OR_RETURN(am_jobs[set],
                           BuildDiscoverers(cfg.alerting.alertmanagers[i].sd_configs,
                                            "alertmanager " + set, cfg.path,
                                            DirOf(cfg.path), &warnings));
  }
  rules::Manager::Globals globals;
  globals.default_interval_ms = absl::ToInt64Milliseconds(cfg.global.evaluation_interval);
  globals.default_query_offset_ms = absl::ToInt64Milliseconds(cfg.global.rule_query_offset);
  globals.external_labels = cfg.global.external_labels;
  VIGIL_RETURN_IF_ERROR(im.rules->Update(cfg.rule_files, globals));
  notifier::NotifierConfig nc;
  nc.external_labels = cfg.global.external_labels;
  nc.alert_relabel_configs = cfg.alerting.alert_relabel_configs;
  nc.alertmanagers = cfg.alerting.alertmanagers;
  VIGIL_RETURN_IF_ERROR(im.notifier->ApplyConfig(std::move(nc)));
  absl::Status am_st = im.notify_discovery->ApplyConfig(am_jobs);
  if (!am_st.ok()) Log("error", absl::StrCat("alertmanager discovery: ", am_st.message()));
  im.federation->SetExternalLabels(cfg.global.external_labels);
  VIGIL_RETURN_IF_ERROR(im.remote->ApplyConfig(cfg));
  VIGIL_RETURN_IF_ERROR(im.scrapes->ApplyConfig(cfg.scrape_configs));
  sd::Manager::JobConfigs jobs;
  for (const scrape::ScrapeConfig& sc : cfg.scrape_configs) {
    VIGIL_ASSIGN_OR_RETURN(jobs[sc.job_name],
                           BuildDiscoverers(sc.sd_configs, sc.job_name, cfg.path,
                                            DirOf(cfg.path), &warnings));
  }
  for (const std::string& w : warnings) Log("warn", w);
  absl::Status st = im.discovery->ApplyConfig(jobs);
  if (!st.ok()) Log("error", absl::StrCat("discovery: ", st.message()));
  return absl::OkStatus();
}

absl::Status App::Reload() {
  absl::MutexLock rl(&reload_mu_);
  Log("info", absl::StrCat("Loading configuration file filename=", flags_.config_file));
  absl::StatusOr<Config> cfg = LoadConfigFile(flags_.config_file);
  absl::Status st = cfg.ok() ? absl::OkStatus() : cfg.status();
  if (st.ok() && impl_->db != nullptr) st = Apply(*cfg);
  absl::Time now = absl::Now();
  {
    absl::MutexLock l(&mu_);
    last_reload_ok_ = st.ok();
    if (!st.ok()) impl_->last_reload_failure = now;
    if (st.ok()) {
      last_reload_time_ = now;
      config_ = std::make_shared<const Config>(std::move(*cfg));
    }
  }
  impl_->metrics->SetReloadResult(st.ok(), now);
  if (!st.ok()) {
    Log("error", absl::StrCat("Error reloading config err=", st.message()));
    return st;
  }
  Log("info", "Completed loading of configuration file");
  return absl::OkStatus();
}

void App::RequestQuit() {
  absl::MutexLock l(&mu_);
  quit_ = true;
}

std::string App::ConfigChecksum() const {
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::string all = read(flags_.config_file);
  for (const std::string& pattern : config()->rule_files) {
    glob_t g;
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        absl::StrAppend(&all, "\0", g.gl_pathv[i], "\0", read(g.gl_pathv[i]));
      }
    }
    globfree(&g);
  }
  return absl::StrCat(std::hash<std::string>()(all), ":", all.size());
}

void App::AutoReloadLoop(absl::Duration interval) {
  std::string last = ConfigChecksum();
  // Evaluated by Await with mu_ held.
  auto stopping = [](App* a) { return a->quit_ || a->shut_down_; };
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(+stopping, this), interval)) return;
    }
    std::string now = ConfigChecksum();
    if (now == last) continue;
    last = now;
    Log("info", "Configuration or rule files changed (--config.auto-reload)");
    Reload().IgnoreError();  // logged and counted by Reload
  }
}

void App::Wait() {
  {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&quit_));
  }
  Shutdown();
}

void App::Shutdown() {
  {
    absl::MutexLock l(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (auto_reload_.joinable()) auto_reload_.join();
  Impl& im = *impl_;
  im.ready.store(false);
  if (im.http) im.http->Stop();
  for (auto& server : im.more_http) server->Stop();
  if (im.grpc_server) im.grpc_server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  if (im.discovery) im.discovery->Stop();
  if (im.notify_discovery) im.notify_discovery->Stop();
  if (im.scrapes) im.scrapes->Stop();
  if (im.rules) im.rules->Stop();
  if (im.remote) im.remote->Close();  // flushes remote_write queues
  if (im.notifier) im.notifier->Stop();
  im.storage.Set(nullptr);
  if (im.db) {
    absl::Status st = im.db->Close();
    if (!st.ok()) Log("error", absl::StrCat("Closing storage failed err=", st.message()));
  }
  Log("info", "See you next time!");
}

}  // namespace vigil::server
