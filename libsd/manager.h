// The discovery Manager runs the discoverers of every job (a scrape job or
// an Alertmanager set), merges their target groups and hands the complete
// set of groups per job to one consumer, at most once per update interval
// (5s, as Prometheus's discovery manager) and only after something changed.
//
//   Manager m({}, [&](const Manager::GroupsByJob& all) { pool.Sync(all); });
//   VIGIL_RETURN_IF_ERROR(m.ApplyConfig(jobs));   // on start and on reload
//   ...
//   m.Stop();                                     // or let it destruct
//
// Identical configs (equal Fingerprint()) run one discoverer, shared by
// all jobs that use it; ApplyConfig keeps unchanged discoverers running,
// with their targets, and stops the ones no job uses any more.
//
// Thread safety: all methods may be called from any thread. The sync
// callback runs on the Manager's sender thread, never concurrently with
// itself, and must not call back into the Manager's ApplyConfig or Stop.

#ifndef VIGIL_LIBSD_MANAGER_H_
#define VIGIL_LIBSD_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"
#include "libsd/target_group.h"

namespace vigil::sd {

class Manager {
 public:
  struct Options {
    // Minimum spacing of syncs; updates within it are coalesced.
    absl::Duration update_interval = absl::Seconds(5);
  };

  // Every configured job with all its current groups (a job whose
  // discoverers found nothing maps to an empty list).
  using GroupsByJob = std::map<std::string, std::vector<TargetGroup>>;
  using SyncFn = std::function<void(const GroupsByJob&)>;
  using JobConfigs =
      std::map<std::string, std::vector<std::shared_ptr<const DiscovererConfig>>>;

  struct Stats {
    uint64_t updates_received = 0;  // send() calls from discoverers
    uint64_t syncs_sent = 0;        // calls of the sync callback
    size_t discoverers = 0;         // running discoverers
    uint64_t failed_configs = 0;    // configs whose NewDiscoverer failed
    // Configs of the last ApplyConfig that failed to instantiate
    // (prometheus_sd_failed_configs).
    size_t failed_configs_current = 0;
    // Changes that found a sync pending and waited for the next tick
    // (prometheus_sd_updates_delayed_total).
    uint64_t updates_delayed = 0;
    std::map<std::string, size_t> targets_per_job;
    // Sum of the discoverers' RefreshMetrics, by mechanism name, running
    // and stopped ones alike (so they only grow).
    std::map<std::string, uint64_t> refreshes;
    std::map<std::string, uint64_t> refresh_failures;
    // The same failures by (mechanism, job): a discoverer shared by jobs
    // counts under each (prometheus_sd_refresh_failures_total{mechanism,
    // config}).
    std::map<std::pair<std::string, std::string>, uint64_t>
        refresh_failures_by_job;
  };

  Manager(Options options, SyncFn sync);
  ~Manager();

  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Replaces the jobs and their discovery configs. Configs that fail to
  // instantiate are skipped (their job still appears, without their
  // targets) and reported together as InvalidArgument; the rest applies.
  // FailedPrecondition after Stop().
  absl::Status ApplyConfig(const JobConfigs& jobs);

  // The current groups, as the next sync would deliver them.
  GroupsByJob Groups() const;

  Stats stats() const;

  // Stops every discoverer and the sender, waiting for their threads. No
  // sync runs after Stop() returns. Idempotent.
  void Stop();

 private:
  struct Provider;

  void Send(Provider* p, std::vector<TargetGroup> groups);
  void SenderLoop();
  GroupsByJob GroupsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void StopProviders(std::vector<std::unique_ptr<Provider>> ps);

  const Options options_;
  const SyncFn sync_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Provider>> providers_
      ABSL_GUARDED_BY(mu_);  // by fingerprint
  std::set<std::string> jobs_ ABSL_GUARDED_BY(mu_);
  bool triggered_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t updates_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t syncs_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_configs_ ABSL_GUARDED_BY(mu_) = 0;
  size_t failed_configs_current_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t delayed_ ABSL_GUARDED_BY(mu_) = 0;
  // Counters of stopped discoverers, kept so the totals never go back.
  std::map<std::string, uint64_t> retired_refreshes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> retired_failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, uint64_t>
      retired_failures_by_job_ ABSL_GUARDED_BY(mu_);

  absl::Mutex stop_mu_;  // serialises Stop()
  absl::Notification stopping_;
  std::thread sender_;
};

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_MANAGER_H_
