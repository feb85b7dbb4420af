// A ScrapePool runs the scrape loops of one job: on each Sync() it turns
// the job's target groups into targets (libsd's label pipeline with the
// job's relabel_configs), starts a loop for each new target, keeps the
// loop (and its series cache) of each unchanged one, and stops the loops
// of targets that went away; a stopped loop writes stale markers for its
// series one interval tick plus 10% later, as Prometheus does.
//
// Loops run on a shared Scheduler: the first scrape of a target happens at
// an offset within the interval derived from the target's hash, so a
// job's scrapes spread over the interval; later scrapes follow every
// interval.
//
// Thread safety: all methods may be called from any thread.

#ifndef VIGIL_LIBSCRAPE_SCRAPE_POOL_H_
#define VIGIL_LIBSCRAPE_SCRAPE_POOL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libscrape/scheduler.h"
#include "libscrape/scrape_config.h"
#include "libscrape/scrape_loop.h"
#include "libsd/target_group.h"
#include "libtsdb/storage/appender.h"
#include "model/labels.h"

namespace vigil::scrape {

// One target as the targets API shows it.
struct TargetStatus {
  std::string job;
  model::Labels labels;       // series labels (no `__` labels)
  model::Labels discovered;   // before relabeling
  std::string url;
  absl::Duration interval;
  absl::Duration timeout;
  TargetHealth health;
  std::string error;          // a target-level error (bad labels, limit)
  // Metric metadata of the target's scrapes (active targets with a loop;
  // null otherwise).
  std::shared_ptr<const MetadataStore> metadata;
};

// The scrape URL of a populated target: scheme://__address__
// __metrics_path__?params, where `__param_<k>` labels override the first
// value of params[k] (query encoded as Go's url.Values.Encode).
std::string TargetUrl(const model::Labels& populated,
                      const std::map<std::string, std::vector<std::string>>&
                          params);

// What a pool has done, for the server's prometheus_target_* metrics.
struct PoolStats {
  size_t targets = 0;           // targets with a running loop
  uint64_t syncs = 0;           // Sync() calls
  // Targets whose labels could not be built from their group (a relabel
  // result without __address__, invalid labels), summed over syncs.
  uint64_t sync_failures = 0;
  uint64_t target_limit_hits = 0;  // syncs refused by target_limit
  // Metric families in the metadata stores of the running loops.
  size_t metadata_entries = 0;
};

// Prometheus's scrape-timestamp alignment (--scrape.adjust-timestamps,
// --scrape.timestamp-tolerance): a scrape that starts within `tolerance`
// (at most 1% of the interval) after its tick is stamped with the tick, so
// the samples of a series sit exactly one interval apart and their
// timestamps compress to almost nothing.
struct ScrapeTiming {
  bool align = true;
  absl::Duration tolerance = absl::Milliseconds(2);
};

// The timestamp (ms) of a scrape due at `tick` that starts at `now`.
int64_t ScrapeTimestampMs(const ScrapeTiming& timing, absl::Duration interval,
                          absl::Time tick, absl::Time now);

class ScrapePool {
 public:
  // `appendable` and `scheduler` must outlive the pool. The loops add to
  // `counters` (and call its observers) when it is not null.
  ScrapePool(ScrapeConfig config, storage::Appendable* appendable,
             Scheduler* scheduler, uint64_t offset_seed = 0,
             std::shared_ptr<ScrapeCounters> counters = nullptr,
             ScrapeTiming timing = ScrapeTiming());
  ~ScrapePool();

  // Replaces the job's targets with those of `groups`.
  void Sync(const std::vector<sd::TargetGroup>& groups);

  // Stops every loop; with `write_staleness`, each writes its stale markers
  // at its next tick (+10%), else loops end silently (shutdown, reload).
  void Stop(bool write_staleness);

  const ScrapeConfig& config() const { return config_; }
  std::vector<TargetStatus> ActiveTargets() const;
  std::vector<TargetStatus> DroppedTargets() const;
  // Counts and the metadata entries of the running loops (a lock per loop
  // store, no copies).
  PoolStats Stats() const;

 private:
  struct LoopState;
  void SyncTargets(const std::vector<sd::TargetGroup>& groups);
  void StartLoop(const std::shared_ptr<LoopState>& s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void RunTick(Scheduler* scheduler, std::shared_ptr<LoopState> s,
                      absl::Time tick);

  const ScrapeConfig config_;
  storage::Appendable* const appendable_;
  Scheduler* const scheduler_;
  const uint64_t offset_seed_;
  const std::shared_ptr<ScrapeCounters> counters_;
  const ScrapeTiming timing_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<model::Labels, std::shared_ptr<LoopState>> loops_
      ABSL_GUARDED_BY(mu_);
  std::vector<TargetStatus> dropped_ ABSL_GUARDED_BY(mu_);
  std::vector<TargetStatus> errored_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t syncs_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t sync_failures_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t target_limit_hits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_SCRAPE_POOL_H_
