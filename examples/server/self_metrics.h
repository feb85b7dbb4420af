// The server's metrics about itself under Prometheus's names, types and
// labels, so the Prometheus mixin's alerts and the "Prometheus / Overview"
// and "Prometheus / Remote Write" dashboards work on Vigil unchanged:
// process_* (from /proc/self), prometheus_tsdb_*, prometheus_target_*,
// prometheus_sd_*, prometheus_rule_*, prometheus_engine_* and
// prometheus_notifications_*. Values come from the libraries' stats
// structs at scrape time; stats that walk something (DB::Stats, the scrape
// pools) are taken at most once a second and shared by all their metrics.
//
//   SelfMetricHooks hooks = RegisterSelfMetrics(metrics, sources);
//   engine_options.observe_query = hooks.observe_query;   // before building
//
// Thread safety: the returned hooks may be called from any thread.

#ifndef VIGIL_EXAMPLES_SERVER_SELF_METRICS_H_
#define VIGIL_EXAMPLES_SERVER_SELF_METRICS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "examples/server/metrics.h"
#include "libpromql/engine.h"
#include "librules/manager.h"
#include "librules/notifier/notifier.h"
#include "libscrape/manager.h"
#include "libsd/manager.h"
#include "libtsdb/db.h"

namespace vigil::server {

// Where the metrics come from. Each function returns the component, or
// null while it does not exist (the server builds most of them in Start()
// and its /metrics answers before that). Unset functions count as null.
struct SelfMetricSources {
  std::function<tsdb::DB*()> db;
  std::function<promql::Engine*()> engine;
  std::function<scrape::Manager*()> scrapes;
  std::function<rules::Manager*()> rules;
  std::function<notifier::Notifier*()> notifier;
  // Discovery of scrape targets and of Alertmanagers: the values of the
  // `name` label of prometheus_sd_*, "scrape" and "notify".
  std::function<sd::Manager*()> scrape_discovery;
  std::function<sd::Manager*()> notify_discovery;
};

// Observers the libraries call with what metrics need per event; pass them
// in the components' options.
struct SelfMetricHooks {
  std::function<void(const promql::QueryStats&)> observe_query;
  // For scrape::ManagerOptions::counters (its observers set).
  std::shared_ptr<scrape::ScrapeCounters> scrape_counters;
  std::function<void(absl::Duration)> observe_rule_eval;
  std::function<void(absl::Duration)> observe_group_eval;
};

// Registers every metric in `metrics`, which must outlive the sources'
// use; the sources' functions are called at scrape time.
SelfMetricHooks RegisterSelfMetrics(ServerMetrics* metrics,
                                    SelfMetricSources sources);

// Go's time.Duration.String() of `d` ("15s", "1m0s", "500ms"): the value
// of prometheus_target_interval_length_seconds' `interval` label.
std::string GoDurationString(absl::Duration d);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_SELF_METRICS_H_
