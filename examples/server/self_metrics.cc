#include "examples/server/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace vigil::server {
namespace {

using Sample = ServerMetrics::FamilySample;

// A value computed at most once a second and shared by every metric that
// reads it (one walk serves a whole scrape).
template <typename T>
class Cached {
 public:
  explicit Cached(std::function<T()> compute) : compute_(std::move(compute)) {}
  T Get() {
    absl::MutexLock l(&mu_);
    const absl::Time now = absl::Now();
    if (now - taken_ > absl::Seconds(1)) {
      value_ = compute_();
      taken_ = now;
    }
    return value_;
  }

 private:
  const std::function<T()> compute_;
  absl::Mutex mu_;
  absl::Time taken_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  T value_ ABSL_GUARDED_BY(mu_);
};

template <typename T>
T* Get(const std::function<T*()>& fn) {
  return fn ? fn() : nullptr;
}

// /proc/self/stat fields 14 (utime), 15 (stime), 23 (vsize), 24 (rss).
struct ProcStat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

ProcStat ReadProcStat() {
  ProcStat ps;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return ps;
  // The command (field 2) may hold spaces; fields after it follow ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return ps;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3
  std::string tok;
  while (rest >> tok) f.push_back(tok);
  if (f.size() < 22) return ps;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ps.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  ps.virtual_bytes = std::stod(f[20]);
  ps.resident_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return ps;
}

double OpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // the directory's own descriptor
}

double MaxFds() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  return static_cast<double>(rl.rlim_cur);
}

void RegisterProcess(ServerMetrics* m) {
  m->AddCallback("process_cpu_seconds_total",
                 "Total user and system CPU time spent in seconds.", "counter",
                 [] { return ReadProcStat().cpu_seconds; });
  m->AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                 "gauge", [] { return ReadProcStat().resident_bytes; });
  m->AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                 "gauge", [] { return ReadProcStat().virtual_bytes; });
  m->AddCallback("process_open_fds", "Number of open file descriptors.", "gauge",
                 OpenFds);
  m->AddCallback("process_max_fds", "Maximum number of open file descriptors.",
                 "gauge", MaxFds);
}

void RegisterTsdb(ServerMetrics* m, std::function<tsdb::DB*()> db_fn) {
  auto cache = std::make_shared<Cached<std::optional<tsdb::DBStats>>>(
      [db_fn]() -> std::optional<tsdb::DBStats> {
        tsdb::DB* db = Get(db_fn);
        if (db == nullptr) return std::nullopt;
        return db->Stats();
      });
  struct TsdbMetric {
    const char* name;
    const char* help;
    const char* type;
    double (*get)(const tsdb::DBStats&);
  };
  static constexpr TsdbMetric kTsdbMetrics[] = {
      {"prometheus_tsdb_head_series", "Total number of series in the head block.", "gauge",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.num_series); }},
      {"prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.",
       "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.samples_appended); }},
      {"prometheus_tsdb_out_of_order_samples_total",
       "Total number of out of order samples ingestion failed attempts.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.out_of_order); }},
      {"prometheus_tsdb_out_of_bound_samples_total",
       "Total number of out of bound samples ingestion failed attempts.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.out_of_bounds); }},
      {"vigil_tsdb_too_far_in_future_samples_total",
       "Total number of samples refused for timestamps further ahead of the clock than "
       "--storage.tsdb.max-future-sample-time.",
       "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.too_far_in_future); }},
      {"prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks.", "gauge",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.num_blocks); }},
      {"prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.", "counter",
       [](const tsdb::DBStats& s) { return s.wal_replay.repaired ? 1.0 : 0.0; }},
      {"vigil_tsdb_wal_replay_dropped_records",
       "WAL records dropped by the repair of a corruption when the storage opened.", "gauge",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.wal_replay.dropped_records); }},
      {"prometheus_tsdb_head_chunks", "Total number of chunks in the head block.", "gauge",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.num_chunks); }},
      {"prometheus_tsdb_head_min_time",
       "Minimum time bound of the head block. The unit is decided by the library consumer.",
       "gauge", [](const tsdb::DBStats& s) { return static_cast<double>(s.head.min_time); }},
      {"prometheus_tsdb_head_max_time",
       "Maximum timestamp of the head block. The unit is decided by the library consumer.",
       "gauge", [](const tsdb::DBStats& s) { return static_cast<double>(s.head.max_time); }},
      {"prometheus_tsdb_head_min_time_seconds", "Minimum time bound of the head block.",
       "gauge", [](const tsdb::DBStats& s) { return s.head.min_time / 1000.0; }},
      {"prometheus_tsdb_head_max_time_seconds", "Maximum timestamp of the head block.",
       "gauge", [](const tsdb::DBStats& s) { return s.head.max_time / 1000.0; }},
      {"prometheus_tsdb_head_series_created_total",
       "Total number of series created in the head", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.series_created); }},
      {"prometheus_tsdb_head_series_removed_total",
       "Total number of series removed in the head", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head.series_removed); }},
      // Prometheus counts head compactions among its compactions.
      {"prometheus_tsdb_compactions_total",
       "Total number of compactions that were executed for the partition.", "counter",
       [](const tsdb::DBStats& s) {
         return static_cast<double>(s.compactions + s.head_compactions);
       }},
      {"prometheus_tsdb_compactions_failed_total",
       "Total number of compactions that failed for the partition.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.compaction_failures); }},
      {"prometheus_tsdb_reloads_total", "Number of times the database reloaded block data from disk.",
       "counter", [](const tsdb::DBStats& s) { return static_cast<double>(s.reloads); }},
      {"prometheus_tsdb_reloads_failures_total",
       "Number of times the database failed to reloadBlocks block data from disk.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.reload_failures); }},
      {"prometheus_tsdb_head_truncations_total",
       "Total number of head truncations attempted.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.head_truncations); }},
      // Vigil's Head::Truncate cannot fail: an honest constant 0.
      {"prometheus_tsdb_head_truncations_failed_total",
       "Total number of head truncations that failed.", "counter",
       [](const tsdb::DBStats&) { return 0.0; }},
      {"prometheus_tsdb_checkpoint_creations_total",
       "Total number of checkpoint creations attempted.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.checkpoints); }},
      {"prometheus_tsdb_checkpoint_creations_failed_total",
       "Total number of checkpoint creations that failed.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.checkpoint_failures); }},
      {"prometheus_tsdb_wal_writes_failed_total",
       "Total number of write log writes that failed.", "counter",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.wal.write_failures); }},
      {"prometheus_tsdb_wal_storage_size_bytes",
       "Size of the write log directory.", "gauge",
       [](const tsdb::DBStats& s) { return static_cast<double>(s.wal_bytes); }},
      {"prometheus_tsdb_storage_blocks_bytes",
       "The number of bytes that are currently used for local storage by all blocks.",
       "gauge", [](const tsdb::DBStats& s) { return static_cast<double>(s.blocks_bytes); }},
      {"prometheus_tsdb_lowest_timestamp", "Lowest timestamp value stored in the database.",
       "gauge", [](const tsdb::DBStats& s) { return static_cast<double>(s.min_time); }},
      {"prometheus_tsdb_lowest_timestamp_seconds",
       "Lowest timestamp value stored in the database.", "gauge",
       [](const tsdb::DBStats& s) { return s.min_time / 1000.0; }},
  };
  for (const TsdbMetric& t : kTsdbMetrics) {
    m->AddCallback(t.name, t.help, t.type, [cache, get = t.get] {
      std::optional<tsdb::DBStats> st = cache->Get();
      return st ? get(*st) : 0.0;
    });
  }
}

void RegisterScrape(ServerMetrics* m, std::function<scrape::Manager*()> fn,
                    scrape::ScrapeCounters* counters) {
  auto cache = std::make_shared<Cached<scrape::ManagerStats>>([fn] {
    scrape::Manager* s = Get(fn);
    return s != nullptr ? s->Stats() : scrape::ManagerStats();
  });
  // Loops add straight to the shared counters: read them without a walk.
  auto counter = [m, counters](const char* name, const char* help,
                               std::atomic<uint64_t> scrape::ScrapeCounters::*field) {
    m->AddCallback(name, help, "counter", [counters, field] {
      return static_cast<double>((counters->*field).load(std::memory_order_relaxed));
    });
  };
  counter("prometheus_target_scrapes_exceeded_sample_limit_total",
          "Total number of scrapes that hit the sample limit and were rejected.",
          &scrape::ScrapeCounters::exceeded_sample_limit);
  counter("prometheus_target_scrapes_exceeded_body_size_limit_total",
          "Total number of scrapes that hit the body size limit",
          &scrape::ScrapeCounters::exceeded_body_size_limit);
  counter("prometheus_target_scrape_pool_exceeded_label_limits_total",
          "Total number of times scrape pools hit the label limits, during sync or config "
          "reload.",
          &scrape::ScrapeCounters::exceeded_label_limits);
  counter("prometheus_target_scrapes_sample_out_of_order_total",
          "Total number of samples rejected due to not being out of the expected order.",
          &scrape::ScrapeCounters::sample_out_of_order);
  counter("prometheus_target_scrapes_sample_duplicate_timestamp_total",
          "Total number of samples rejected due to duplicate timestamps but different values.",
          &scrape::ScrapeCounters::sample_duplicate_timestamp);
  counter("prometheus_target_scrapes_sample_out_of_bounds_total",
          "Total number of samples rejected due to timestamp falling outside of the time "
          "bounds.",
          &scrape::ScrapeCounters::sample_out_of_bounds);
  struct Global {
    const char* name;
    const char* help;
    double (*get)(const scrape::ManagerStats&);
  };
  static constexpr Global kGlobal[] = {
      {"prometheus_target_scrape_pool_exceeded_target_limit_total",
       "Total number of times scrape pools hit the target limit, during sync or config reload.",
       [](const scrape::ManagerStats& s) { return static_cast<double>(s.target_limit_hits); }},
      {"prometheus_target_scrape_pools_total", "Total number of scrape pool creation attempts.",
       [](const scrape::ManagerStats& s) { return static_cast<double>(s.pools_created); }},
      // Pools cannot fail to be made in Vigil (configs are validated
      // first): an honest constant 0.
      {"prometheus_target_scrape_pools_failed_total",
       "Total number of scrape pool creations that failed.",
       [](const scrape::ManagerStats&) { return 0.0; }},
      {"prometheus_target_scrape_pool_reloads_total", "Total number of scrape pool reloads.",
       [](const scrape::ManagerStats& s) { return static_cast<double>(s.pool_reloads); }},
      {"prometheus_target_scrape_pool_reloads_failed_total",
       "Total number of failed scrape pool reloads.",
       [](const scrape::ManagerStats&) { return 0.0; }},
  };
  for (const Global& g : kGlobal) {
    m->AddCallback(g.name, g.help, "counter",
                   [cache, get = g.get] { return get(cache->Get()); });
  }
  struct PerJob {
    const char* name;
    const char* help;
    const char* type;
    double (*get)(const scrape::PoolStats&);
  };
  static constexpr PerJob kPerJob[] = {
      {"prometheus_target_scrape_pool_targets", "Current number of targets in this scrape pool.",
       "gauge", [](const scrape::PoolStats& p) { return static_cast<double>(p.targets); }},
      {"prometheus_target_scrape_pool_sync_total",
       "Total number of syncs that were executed on a scrape pool.", "counter",
       [](const scrape::PoolStats& p) { return static_cast<double>(p.syncs); }},
      {"prometheus_target_sync_failed_total", "Total number of target sync failures.",
       "counter",
       [](const scrape::PoolStats& p) { return static_cast<double>(p.sync_failures); }},
      {"prometheus_target_metadata_cache_entries",
       "Total number of metric metadata entries in the cache", "gauge",
       [](const scrape::PoolStats& p) { return static_cast<double>(p.metadata_entries); }},
  };
  for (const PerJob& p : kPerJob) {
    m->AddFamilyCallback(p.name, p.help, p.type, [cache, get = p.get] {
      std::vector<Sample> out;
      for (const auto& [job, ps] : cache->Get().pools) {
        Sample s;
        s.labels = {{"scrape_job", job}};
        s.value = get(ps);
        out.push_back(std::move(s));
      }
      return out;
    });
  }
}

void RegisterDiscovery(ServerMetrics* m, std::function<sd::Manager*()> scrape_fn,
                       std::function<sd::Manager*()> notify_fn) {
  using Stats = std::vector<std::pair<std::string, sd::Manager::Stats>>;
  auto cache = std::make_shared<Cached<Stats>>([scrape_fn, notify_fn] {
    Stats out;
    if (sd::Manager* s = Get(scrape_fn)) out.emplace_back("scrape", s->stats());
    if (sd::Manager* n = Get(notify_fn)) out.emplace_back("notify", n->stats());
    return out;
  });
  struct PerManager {
    const char* name;
    const char* help;
    const char* type;
    double (*get)(const sd::Manager::Stats&);
  };
  static constexpr PerManager kPerManager[] = {
      {"prometheus_sd_received_updates_total",
       "Total number of update events received from the SD providers.", "counter",
       [](const sd::Manager::Stats& s) { return static_cast<double>(s.updates_received); }},
      {"prometheus_sd_updates_total",
       "Total number of update events sent to the SD consumers.", "counter",
       [](const sd::Manager::Stats& s) { return static_cast<double>(s.syncs_sent); }},
      {"prometheus_sd_updates_delayed_total",
       "Total number of update events that couldn't be sent immediately.", "counter",
       [](const sd::Manager::Stats& s) { return static_cast<double>(s.updates_delayed); }},
      {"prometheus_sd_failed_configs",
       "Current number of service discovery configurations that failed to load.", "gauge",
       [](const sd::Manager::Stats& s) {
         return static_cast<double>(s.failed_configs_current);
       }},
  };
  for (const PerManager& p : kPerManager) {
    m->AddFamilyCallback(p.name, p.help, p.type, [cache, get = p.get] {
      std::vector<Sample> out;
      for (const auto& [name, st] : cache->Get()) {
        Sample s;
        s.labels = {{"name", name}};
        s.value = get(st);
        out.push_back(std::move(s));
      }
      return out;
    });
  }
  m->AddFamilyCallback(
      "prometheus_sd_discovered_targets", "Current number of discovered targets.", "gauge",
      [cache] {
        std::vector<Sample> out;
        for (const auto& [name, st] : cache->Get()) {
          for (const auto& [job, n] : st.targets_per_job) {
            Sample s;
            s.labels = {{"config", job}, {"name", name}};
            s.value = static_cast<double>(n);
            out.push_back(std::move(s));
          }
        }
        return out;
      });
  // Refresh-based mechanisms (Prometheus's refresh.Discovery users).
  m->AddFamilyCallback(
      "prometheus_sd_refresh_failures_total",
      "Number of refresh failures for the given SD mechanism.", "counter", [cache] {
        std::vector<Sample> out;
        for (const auto& [name, st] : cache->Get()) {
          for (const auto& [key, n] : st.refresh_failures_by_job) {
            if (key.first != "dns" && key.first != "http") continue;
            Sample s;
            s.labels = {{"mechanism", key.first}, {"config", key.second}};
            s.value = static_cast<double>(n);
            out.push_back(std::move(s));
          }
        }
        return out;
      });
  // Per-mechanism counters Prometheus always exposes.
  struct Mechanism {
    const char* name;
    const char* help;
    const char* mechanism;
  };
  static constexpr Mechanism kMechanisms[] = {
      {"prometheus_sd_kubernetes_failures_total", "The number of failed WATCH/LIST requests.",
       "kubernetes"},
      {"prometheus_sd_file_read_errors_total", "The number of File-SD read errors.", "file"},
      {"prometheus_sd_http_failures_total", "Number of HTTP service discovery refresh failures.",
       "http"},
      {"prometheus_sd_dns_lookup_failures_total", "The number of DNS-SD lookup failures.",
       "dns"},
  };
  for (const Mechanism& mech : kMechanisms) {
    m->AddCallback(mech.name, mech.help, "counter", [cache, key = std::string(mech.mechanism)] {
      double total = 0;
      for (const auto& [name, st] : cache->Get()) {
        auto it = st.refresh_failures.find(key);
        if (it != st.refresh_failures.end()) total += static_cast<double>(it->second);
      }
      return total;
    });
  }
}

void RegisterRules(ServerMetrics* m, std::function<rules::Manager*()> fn) {
  struct PerGroup {
    const char* name;
    const char* help;
    const char* type;
    double (*get)(const rules::Group&);
  };
  static constexpr PerGroup kPerGroup[] = {
      {"prometheus_rule_evaluations_total", "The total number of rule evaluations.", "counter",
       [](const rules::Group& g) { return static_cast<double>(g.evaluations_total()); }},
      {"prometheus_rule_evaluation_failures_total",
       "The total number of rule evaluation failures.", "counter",
       [](const rules::Group& g) { return static_cast<double>(g.eval_failures()); }},
      {"prometheus_rule_group_iterations_missed_total",
       "The total number of rule group evaluations missed due to slow rule group evaluation.",
       "counter",
       [](const rules::Group& g) { return static_cast<double>(g.iterations_missed()); }},
      {"prometheus_rule_group_iterations_total",
       "The total number of scheduled rule group evaluations, whether executed or missed.",
       "counter",
       [](const rules::Group& g) {
         return static_cast<double>(g.iterations_total() + g.iterations_missed());
       }},
      {"prometheus_rule_group_last_duration_seconds",
       "The duration of the last rule group evaluation.", "gauge",
       [](const rules::Group& g) { return absl::ToDoubleSeconds(g.eval_duration()); }},
      {"prometheus_rule_group_interval_seconds", "The interval of a rule group.", "gauge",
       [](const rules::Group& g) { return g.interval_ms() / 1000.0; }},
      {"prometheus_rule_group_last_evaluation_timestamp_seconds",
       "The timestamp of the last rule group evaluation in seconds.", "gauge",
       [](const rules::Group& g) { return g.last_eval_ms() / 1000.0; }},
      {"prometheus_rule_group_rules", "The number of rules.", "gauge",
       [](const rules::Group& g) { return static_cast<double>(g.rules().size()); }},
      {"prometheus_rule_group_last_evaluation_samples",
       "The number of samples returned during the last rule group evaluation.", "gauge",
       [](const rules::Group& g) { return static_cast<double>(g.last_eval_samples()); }},
  };
  for (const PerGroup& p : kPerGroup) {
    m->AddFamilyCallback(p.name, p.help, p.type, [fn, get = p.get] {
      std::vector<Sample> out;
      rules::Manager* r = Get(fn);
      if (r == nullptr) return out;
      for (const std::shared_ptr<rules::Group>& g : r->Groups()) {
        Sample s;
        s.labels = {{"rule_group", g->key()}};
        s.value = get(*g);
        out.push_back(std::move(s));
      }
      return out;
    });
  }
}

void RegisterEngine(ServerMetrics* m, std::function<promql::Engine*()> fn) {
  m->AddCallback("prometheus_engine_queries",
                 "The current number of queries being executed or waiting.", "gauge", [fn] {
                   promql::Engine* e = Get(fn);
                   return e != nullptr ? static_cast<double>(e->Stats().queries) : 0.0;
                 });
  m->AddCallback("prometheus_engine_queries_concurrent_max",
                 "The max number of concurrent queries.", "gauge", [fn] {
                   promql::Engine* e = Get(fn);
                   return e != nullptr
                              ? static_cast<double>(e->Stats().queries_concurrent_max)
                              : 0.0;
                 });
  m->AddCallback("prometheus_engine_query_samples_total",
                 "The total number of samples loaded by all queries.", "counter", [fn] {
                   promql::Engine* e = Get(fn);
                   return e != nullptr ? static_cast<double>(e->Stats().query_samples_total)
                                       : 0.0;
                 });
  // Vigil has no query log (--query.log-file is not implemented), so the
  // gauge Prometheus sets when one is configured is honestly 0.
  m->AddCallback("prometheus_engine_query_log_enabled", "State of the query log.", "gauge",
                 [] { return 0.0; });
}

void RegisterNotifier(ServerMetrics* m, std::function<notifier::Notifier*()> fn) {
  m->AddCallback("prometheus_notifications_dropped_total",
                 "Total number of alerts dropped due to errors when sending to Alertmanager.",
                 "counter", [fn] {
                   notifier::Notifier* n = Get(fn);
                   return n != nullptr ? static_cast<double>(n->dropped_total()) : 0.0;
                 });
  m->AddCallback("prometheus_notifications_queue_length",
                 "The number of alert notifications in the queue.", "gauge", [fn] {
                   notifier::Notifier* n = Get(fn);
                   return n != nullptr ? static_cast<double>(n->queue_length()) : 0.0;
                 });
  m->AddCallback("prometheus_notifications_queue_capacity",
                 "The capacity of the alert notifications queue.", "gauge", [fn] {
                   notifier::Notifier* n = Get(fn);
                   return n != nullptr ? static_cast<double>(n->queue_capacity()) : 0.0;
                 });
  // Per Alertmanager, labelled by its URL as Prometheus does.
  auto per_am = [fn](int64_t notifier::AlertmanagerStats::*field) {
    return [fn, field] {
      std::vector<Sample> out;
      notifier::Notifier* n = Get(fn);
      if (n == nullptr) return out;
      for (const notifier::AlertmanagerStats& s : n->Stats()) {
        Sample fs;
        fs.labels = {{"alertmanager", s.url}};
        fs.value = static_cast<double>(s.*field);
        out.push_back(std::move(fs));
      }
      return out;
    };
  };
  m->AddFamilyCallback("prometheus_notifications_sent_total", "Total number of alerts sent.",
                       "counter", per_am(&notifier::AlertmanagerStats::sent));
  m->AddFamilyCallback("prometheus_notifications_errors_total",
                       "Total number of sent alerts affected by errors.", "counter",
                       per_am(&notifier::AlertmanagerStats::errors));
  m->AddCallback("prometheus_notifications_alertmanagers_discovered",
                 "The number of alertmanagers discovered and active.", "gauge", [fn] {
                   notifier::Notifier* n = Get(fn);
                   return n != nullptr ? static_cast<double>(n->AlertmanagerUrls().size())
                                       : 0.0;
                 });
}

}  // namespace

std::string GoDurationString(absl::Duration d) {
  if (d == absl::ZeroDuration()) return "0s";
  if (d < absl::Seconds(1)) {
    return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
  }
  int64_t total_ms = absl::ToInt64Milliseconds(d);
  int64_t h = total_ms / 3600000, m = total_ms / 60000 % 60;
  int64_t ms = total_ms % 60000;
  std::string secs = ms % 1000 == 0 ? absl::StrCat(ms / 1000)
                                    : absl::StrCat(static_cast<double>(ms) / 1000);
  if (h > 0) return absl::StrCat(h, "h", m, "m", secs, "s");
  if (m > 0) return absl::StrCat(m, "m", secs, "s");
  return absl::StrCat(secs, "s");
}

SelfMetricHooks RegisterSelfMetrics(ServerMetrics* metrics, SelfMetricSources sources) {
  SelfMetricHooks hooks;
  RegisterProcess(metrics);
  RegisterTsdb(metrics, sources.db);
  hooks.scrape_counters = std::make_shared<scrape::ScrapeCounters>();
  ServerMetrics::SummaryObserver interval = metrics->AddSummary(
      "prometheus_target_interval_length_seconds", "Actual intervals between scrapes.",
      {"interval"});
  hooks.scrape_counters->observe_interval = [interval](absl::Duration configured,
                                                       absl::Duration actual) {
    interval({GoDurationString(configured)}, absl::ToDoubleSeconds(actual));
  };
  ServerMetrics::SummaryObserver sync = metrics->AddSummary(
      "prometheus_target_sync_length_seconds", "Actual interval to sync the scrape pool.",
      {"scrape_job"});
  hooks.scrape_counters->observe_sync = [sync](const std::string& job, absl::Duration took) {
    sync({job}, absl::ToDoubleSeconds(took));
  };
  RegisterScrape(metrics, sources.scrapes, hooks.scrape_counters.get());
  RegisterDiscovery(metrics, sources.scrape_discovery, sources.notify_discovery);
  RegisterRules(metrics, sources.rules);
  ServerMetrics::SummaryObserver rule_eval = metrics->AddSummary(
      "prometheus_rule_evaluation_duration_seconds", "The duration for a rule to execute.", {});
  hooks.observe_rule_eval = [rule_eval](absl::Duration d) {
    rule_eval({}, absl::ToDoubleSeconds(d));
  };
  ServerMetrics::SummaryObserver group_eval = metrics->AddSummary(
      "prometheus_rule_group_duration_seconds", "The duration of rule group evaluations.", {});
  hooks.observe_group_eval = [group_eval](absl::Duration d) {
    group_eval({}, absl::ToDoubleSeconds(d));
  };
  RegisterEngine(metrics, sources.engine);
  ServerMetrics::SummaryObserver query = metrics->AddSummary(
      "prometheus_engine_query_duration_seconds", "Query timings", {"slice"});
  // Vigil measures the queue wait and the evaluation; Prometheus's
  // prepare_time and result_sort have no separate phase here.
  hooks.observe_query = [query](const promql::QueryStats& qs) {
    query({"queue_time"}, absl::ToDoubleSeconds(qs.queue_time));
    query({"inner_eval"}, absl::ToDoubleSeconds(qs.eval_time));
  };
  RegisterNotifier(metrics, sources.notifier);
  return hooks;
}

}  // namespace vigil::server
