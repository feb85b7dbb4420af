// The target label pipeline (Prometheus 3.x scrape/target.go
// PopulateLabels): from a discovered target and its group to the labels a
// scrape target gets, through the job's relabel_configs.
//
//   1. target labels, then group labels not already set;
//   2. job, __scrape_interval__, __scrape_timeout__, __metrics_path__,
//      __scheme__ (and __param_<k> = first value of params[k]) when empty;
//   3. relabel_configs (a drop ends here: no labels, no error);
//   4. checks: __address__ non-empty and without '/', interval and timeout
//      parse, are non-zero, timeout <= interval;
//   5. every __meta_* label deleted; instance defaults to __address__ (no
//      default port is added, as in 3.x).
// The remaining `__` labels (__address__, __scheme__, ...) tell the scraper
// how to scrape; TargetSeriesLabels() strips them for the stored series.
//
// This lives in libsd (not libscrape) so both the scrape manager and the
// notifier's Alertmanager discovery can use it without a back-edge.
//
// Thread safety: pure functions.

#ifndef VIGIL_LIBSD_TARGET_H_
#define VIGIL_LIBSD_TARGET_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libsd/relabel.h"
#include "libsd/target_group.h"
#include "model/labels.h"

namespace vigil::sd {

inline constexpr absl::string_view kSchemeLabel = "__scheme__";
inline constexpr absl::string_view kMetricsPathLabel = "__metrics_path__";
inline constexpr absl::string_view kScrapeIntervalLabel = "__scrape_interval__";
inline constexpr absl::string_view kScrapeTimeoutLabel = "__scrape_timeout__";
inline constexpr absl::string_view kParamLabelPrefix = "__param_";
inline constexpr absl::string_view kMetaLabelPrefix = "__meta_";
inline constexpr absl::string_view kInstanceLabel = "instance";
inline constexpr absl::string_view kJobLabel = "job";

// The parts of a <scrape_config> the pipeline reads.
struct TargetSettings {
  std::string job_name;
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  absl::Duration scrape_interval = absl::Minutes(1);
  absl::Duration scrape_timeout = absl::Seconds(10);
  std::map<std::string, std::vector<std::string>> params;
  // 3.x per-target booleans; set only when present, as
  // __scrape_native_histograms__ etc. ("true"/"false").
  std::optional<bool> scrape_native_histograms;
  std::optional<bool> always_scrape_classic_histograms;
  std::optional<bool> convert_classic_histograms_to_nhcb;
  std::vector<RelabelConfig> relabel_configs;
};

// Steps 1-2 only: the labels before relabeling (what /api/v1/targets
// shows as discoveredLabels).
model::Labels DiscoveredLabels(const TargetSettings& settings,
                               const model::Labels& target,
                               const model::Labels& group);

// All five steps. Returns nullopt when relabeling dropped the target;
// InvalidArgument with Prometheus's words when a check fails ("no
// address", "\"a/b\" is not a valid hostname", "error parsing scrape
// interval: ...", "scrape interval cannot be 0", "scrape timeout cannot be
// greater than scrape interval (\"20s\" > \"10s\")", "invalid label value
// for \"x\": ...").
absl::StatusOr<std::optional<model::Labels>> PopulateLabels(
    const TargetSettings& settings, const model::Labels& target,
    const model::Labels& group);

// The labels a scraped series gets from its target: PopulateLabels'
// result without any label starting with "__".
model::Labels TargetSeriesLabels(const model::Labels& populated);

// One discovered target after the pipeline.
struct PipelineTarget {
  model::Labels discovered;             // DiscoveredLabels()
  std::optional<model::Labels> labels;  // nullopt: dropped or error
  absl::Status status;                  // the check that failed, if any
};

// Runs every target of `group` through PopulateLabels.
std::vector<PipelineTarget> TargetsFromGroup(const TargetSettings& settings,
                                             const TargetGroup& group);

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_TARGET_H_
