// A ScrapeLoop scrapes one target: fetch the page, parse it in place,
// apply the target's labels and `metric_relabel_configs`, and append the
// samples to storage, followed by the per-scrape report series `up`,
// `scrape_duration_seconds`, `scrape_samples_scraped`,
// `scrape_samples_post_metric_relabeling` and `scrape_series_added` (and,
// with `extra_scrape_metrics`, `scrape_timeout_seconds`,
// `scrape_sample_limit`, `scrape_body_size_bytes`).
//
// The loop keeps a cache from each series' raw exposition bytes to its
// storage ref and final labels, so a series seen in the previous scrape is
// appended by ref without building labels or relabeling again. The cache
// also drives staleness: a stale marker (model::StaleNaN) is written
//   1. for each series of the previous scrape absent from this one;
//   2. for all series of the previous scrape when this scrape fails (HTTP
//      error, parse error, a limit exceeded);
//   3. by EndOfRunStaleness() when the target goes away.
// Series exposed with their own timestamp get no markers unless
// `track_timestamps_staleness` is set.
//
// A scrape fails as a whole (nothing but the report and stale markers is
// committed; up = 0) on an HTTP error, a parse error, more than
// `sample_limit` samples after relabeling ("sample limit exceeded"), a
// label set over `label_limit` / `label_name_length_limit` /
// `label_value_length_limit`, a series without a metric name or with an
// invalid name. Samples the storage rejects as out of order, duplicate or
// out of bounds are skipped and counted, as Prometheus does.
//
// The loop does not own a thread: the scrape Manager's scheduler calls
// ScrapeAndReport() at each interval tick.
//
// Thread safety: ScrapeAndReport() and EndOfRunStaleness() must not run
// concurrently with each other; Health() may be called from any thread.

#ifndef VIGIL_LIBSCRAPE_SCRAPE_LOOP_H_
#define VIGIL_LIBSCRAPE_SCRAPE_LOOP_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libscrape/http_client.h"
#include "libscrape/metadata_store.h"
#include "libscrape/textparse/content_type.h"
#include "libsd/relabel.h"
#include "libtsdb/storage/appender.h"
#include "model/labels.h"

namespace vigil::scrape {

// How a loop fetches its page; HttpTargetScraper is the real one, tests
// may plug their own.
class TargetScraper {
 public:
  virtual ~TargetScraper() = default;
  // Fetches the page into `resp` (its buffers are reused across calls).
  virtual absl::Status Scrape(absl::Duration timeout, ScrapeResponse* resp) = 0;
};

// Scrapes `url` with `http` settings (see HttpScraper).
absl::StatusOr<std::unique_ptr<TargetScraper>> NewHttpTargetScraper(
    std::string url, const HttpClientConfig& http,
    std::vector<textparse::ScrapeProtocol> protocols, bool enable_compression,
    uint64_t body_size_limit);

// Counters shared by every loop of a Manager: Prometheus's global
// prometheus_target_scrapes_* counters. A loop adds to them once per
// scrape, never per sample.
struct ScrapeCounters {
  std::atomic<uint64_t> exceeded_sample_limit{0};
  std::atomic<uint64_t> exceeded_body_size_limit{0};
  // Scrapes failed by label_limit, label_name_length_limit or
  // label_value_length_limit.
  std::atomic<uint64_t> exceeded_label_limits{0};
  // Samples the storage refused, by kind.
  std::atomic<uint64_t> sample_out_of_order{0};
  std::atomic<uint64_t> sample_duplicate_timestamp{0};
  std::atomic<uint64_t> sample_out_of_bounds{0};
  // Optional; called after every scrape of a loop but its first with the
  // configured interval and the time since the previous scrape started
  // (prometheus_target_interval_length_seconds). Must be thread-safe.
  std::function<void(absl::Duration interval, absl::Duration actual)>
      observe_interval;
  // Optional; called after every ScrapePool::Sync with the job name and
  // how long the sync took (prometheus_target_sync_length_seconds).
  std::function<void(const std::string& job, absl::Duration took)>
      observe_sync;
};

struct ScrapeLoopOptions {
  absl::Duration interval = absl::Minutes(1);
  absl::Duration timeout = absl::Seconds(10);
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  bool legacy_name_validation = false;  // metric_name_validation_scheme
  std::optional<textparse::ScrapeProtocol> fallback_protocol;
  std::vector<sd::RelabelConfig> metric_relabel_configs;
  // 3.x normalises le/quantile label values ("1" -> "1.0").
  bool normalize_le_quantile = true;
  // Also report scrape_timeout_seconds, scrape_sample_limit and
  // scrape_body_size_bytes (-1 when the body limit was exceeded).
  bool extra_scrape_metrics = false;
  // Metric families whose TYPE/HELP/UNIT the loop keeps (see
  // MetadataStore); 0 keeps no metadata.
  size_t metadata_limit = MetadataStore::kDefaultMaxFamilies;
  // Where the loop adds its limit hits and refused samples; may be null.
  std::shared_ptr<ScrapeCounters> counters;
};

enum class TargetHealthState { kUnknown, kUp, kDown };

struct TargetHealth {
  TargetHealthState state = TargetHealthState::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;  // start of the last scrape
  absl::Duration last_scrape_duration;
  uint64_t last_samples = 0;  // scraped samples of the last scrape
};

// What one scrape did (also what the report series carry).
struct ScrapeStats {
  uint64_t samples_scraped = 0;
  uint64_t samples_post_relabel = 0;
  uint64_t series_added = 0;
  uint64_t stale_markers = 0;
  uint64_t out_of_order = 0;
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;  // also "too far in the future", as Prometheus
  bool label_limits_exceeded = false;  // the scrape failed on a label limit
};

class ScrapeLoop {
 public:
  // `target_labels` are the series labels from the target (job, instance,
  // ... without `__` labels). `appendable` must outlive the loop.
  ScrapeLoop(model::Labels target_labels,
             std::unique_ptr<TargetScraper> scraper,
             storage::Appendable* appendable, ScrapeLoopOptions options);

  // Scrapes once, stamping samples without their own timestamp with
  // `now_ms`, and commits. Returns the scrape's error (also in Health()),
  // or an error of the storage's Commit().
  absl::Status ScrapeAndReport(int64_t now_ms, ScrapeStats* stats = nullptr);

  // Parses `body` and appends it as a scrape at `now_ms` without fetching
  // (the part of ScrapeAndReport after the HTTP request; no report
  // series). For benchmarks and tests.
  absl::Status AppendBody(absl::string_view body,
                          absl::string_view content_type, int64_t now_ms,
                          ScrapeStats* stats);

  // Writes stale markers at `t_ms` for every series of the last scrape and
  // the report series (target removed). Idempotent.
  absl::Status EndOfRunStaleness(int64_t t_ms);

  TargetHealth Health() const;
  const model::Labels& target_labels() const { return target_labels_; }
  const ScrapeLoopOptions& options() const { return options_; }
  // Entries in the series cache (for tests).
  size_t CacheSize() const { return cache_.size(); }
  // The metadata of the target's last successful scrapes; null when
  // options().metadata_limit is 0. Safe to read from any thread.
  std::shared_ptr<const MetadataStore> metadata() const { return metadata_; }

 private:
  struct CacheEntry {
    storage::SeriesRef ref = 0;
    model::Labels labels;
    uint64_t seen_iter = 0;  // iteration that last saw it (committed)
    bool dropped = false;    // by metric relabeling
    bool track_stale = true;
  };
  using Cache = absl::node_hash_map<std::string, CacheEntry>;

  // Appends the parsed body; on error nothing of it is appended.
  absl::Status AppendSamples(storage::Appender* app, absl::string_view body,
                             absl::string_view content_type, int64_t now_ms,
                             ScrapeStats* stats);
  // Builds final labels for a cache miss; nullopt = dropped.
  absl::StatusOr<std::optional<model::Labels>> MutateLabels(
      const model::Labels& scraped) const;
  absl::Status CheckLimits(const model::Labels& l) const;
  // Queues the metadata of a HELP/TYPE/UNIT entry for MetadataStore::Apply.
  void CollectMetadata(const textparse::Parser& p, textparse::Entry e,
                       absl::string_view body);
  // Ends iteration `iter_`: marks seen entries (success) or forgets new
  // ones (failure), writes stale markers for the previous scrape's series
  // not seen now, evicts old entries.
  void FinishIteration(storage::Appender* app, bool success, int64_t now_ms,
                       ScrapeStats* stats);
  void AppendReport(storage::Appender* app, int64_t now_ms, bool up,
                    absl::Duration duration, const ScrapeStats& stats,
                    int64_t body_bytes);

  const model::Labels target_labels_;
  std::unique_ptr<TargetScraper> scraper_;
  storage::Appendable* const appendable_;
  const ScrapeLoopOptions options_;

  Cache cache_;
  std::vector<CacheEntry*> cur_;       // entries seen by the running scrape
  std::vector<std::string> created_;   // keys of entries created by it
  uint64_t iter_ = 0;                  // iterations started
  absl::Time last_start_ = absl::InfinitePast();  // of the previous scrape
  bool ended_ = false;                 // EndOfRunStaleness done
  ScrapeResponse resp_;

  std::shared_ptr<MetadataStore> metadata_;
  std::vector<MetadataStore::Update> meta_updates_;  // of the running scrape
  std::deque<std::string> meta_scratch_;  // texts not in the body (escaped)

  // Report series: labels and refs.
  struct ReportSeries {
    model::Labels labels;
    storage::SeriesRef ref = 0;
  };
  ReportSeries report_[8];
  bool reported_ = false;

  mutable absl::Mutex health_mu_;
  TargetHealth health_ ABSL_GUARDED_BY(health_mu_);
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIBSCRAPE_SCRAPE_LOOP_H_
