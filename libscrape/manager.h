// The scrape Manager: one ScrapePool per scrape job, fed by service
// discovery. ApplyConfig() sets the jobs (on start and on every reload);
// Sync() takes the complete target groups per job, as libsd's discovery
// Manager delivers them, so the two connect directly:
//
//   scrape::Manager scrapes(&storage);
//   VIGIL_RETURN_IF_ERROR(scrapes.ApplyConfig(scrape_configs));
//   sd::Manager discovery({}, [&](const sd::Manager::GroupsByJob& g) {
//     scrapes.Sync(g);
//   });
//
// A job whose config is unchanged across ApplyConfig keeps its pool, its
// loops and their caches; a changed job restarts its loops; a removed job
// stops its loops with stale markers. Every loop runs on one shared
// Scheduler with `workers` threads.
//
// Thread safety: all methods may be called from any thread.

#ifndef VIGIL_LIBSCRAPE_MANAGER_H_
#define VIGIL_LIBSCRAPE_MANAGER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libscrape/scheduler.h"
#include "libscrape/scrape_config.h"
#include "libscrape/scrape_pool.h"
#include "libsd/target_group.h"
#include "libtsdb/storage/appender.h"

namespace vigil::scrape {

struct ManagerOptions {
  int workers = 4;           // scheduler threads shared by all loops
  uint64_t offset_seed = 0;  // varies scrape offsets between servers
  ScrapeTiming timing;       // timestamp alignment of every pool
  // Counters (and observers) every loop adds to; the Manager makes its
  // own when null. Set the observers before the Manager starts.
  std::shared_ptr<ScrapeCounters> counters;
};

// The Manager's counts for the server's prometheus_target_* metrics.
struct ManagerStats {
  // Pools made for new jobs and made again for changed jobs by
  // ApplyConfig. A pool cannot fail to be made (configs are validated
  // before anything changes), so there is no failure count.
  uint64_t pools_created = 0;
  uint64_t pool_reloads = 0;
  // Copies of the shared ScrapeCounters.
  uint64_t exceeded_sample_limit = 0;
  uint64_t exceeded_body_size_limit = 0;
  uint64_t exceeded_label_limits = 0;
  uint64_t sample_out_of_order = 0;
  uint64_t sample_duplicate_timestamp = 0;
  uint64_t sample_out_of_bounds = 0;
  // Target-limit hits of every pool, including replaced ones.
  uint64_t target_limit_hits = 0;
  std::map<std::string, PoolStats> pools;  // by job
};

class Manager {
 public:
  using Options = ManagerOptions;

  // `appendable` must outlive the Manager.
  explicit Manager(storage::Appendable* appendable, Options options = {});
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Replaces the set of jobs. Returns InvalidArgument for a repeated
  // job_name (`found multiple scrape configs with job name "x"`) or an
  // invalid config, and then changes nothing. FailedPrecondition after
  // Stop().
  absl::Status ApplyConfig(const std::vector<ScrapeConfig>& configs);

  // The complete target groups per job (jobs absent from `groups` keep
  // their targets; groups of unknown jobs are kept for a later config).
  void Sync(const std::map<std::string, std::vector<sd::TargetGroup>>& groups);

  // Targets by job, for the targets API.
  std::map<std::string, std::vector<TargetStatus>> ActiveTargets() const;
  std::map<std::string, std::vector<TargetStatus>> DroppedTargets() const;

  ManagerStats Stats() const;

  // Stops all loops (no stale markers: the server is shutting down) and
  // the scheduler, waiting for running scrapes. Idempotent.
  void Stop();

 private:
  storage::Appendable* const appendable_;
  const Options options_;
  Scheduler scheduler_;
  const std::shared_ptr<ScrapeCounters> counters_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<ScrapePool>> pools_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> fingerprints_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<sd::TargetGroup>> groups_
      ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t pools_created_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t pool_reloads_ ABSL_GUARDED_BY(mu_) = 0;
  // Of pools no longer running, so the totals never go back.
  uint64_t retired_target_limit_hits_ ABSL_GUARDED_BY(mu_) = 0;
};

// A string equal for two configs exactly when a reload can keep the job's
// loops (every field that affects scraping).
std::string ConfigFingerprint(const ScrapeConfig& config);

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_MANAGER_H_
