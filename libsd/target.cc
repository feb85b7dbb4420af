#include "libsd/target.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/duration.h"

namespace vigil::sd {

model::Labels DiscoveredLabels(const TargetSettings& s,
                               const model::Labels& target,
                               const model::Labels& group) {
  model::LabelsBuilder b(target);
  for (model::LabelView l : group) {
    if (!target.Has(l.name)) b.Set(l.name, l.value);
  }
  auto set_default = [&](absl::string_view name, absl::string_view value) {
    if (b.Get(name).empty()) b.Set(name, value);
  };
  set_default(kJobLabel, s.job_name);
  set_default(kScrapeIntervalLabel, model::DurationString(s.scrape_interval));
  set_default(kScrapeTimeoutLabel, model::DurationString(s.scrape_timeout));
  set_default(kMetricsPathLabel, s.metrics_path);
  set_default(kSchemeLabel, s.scheme);
  auto set_bool = [&](absl::string_view name, const std::optional<bool>& v) {
    if (v.has_value()) set_default(name, *v ? "true" : "false");
  };
  set_bool("__scrape_native_histograms__", s.scrape_native_histograms);
  set_bool("__always_scrape_classic_histograms__",
           s.always_scrape_classic_histograms);
  set_bool("__convert_classic_histograms_to_nhcb__",
           s.convert_classic_histograms_to_nhcb);
  for (const auto& [k, v] : s.params) {
    if (!v.empty()) set_default(absl::StrCat(kParamLabelPrefix, k), v[0]);
  }
  return b.Build();
}

namespace {

absl::StatusOr<std::optional<model::Labels>> PopulateDiscovered(
    const TargetSettings& s, const model::Labels& discovered) {
  std::optional<model::Labels> relabeled =
      Process(discovered, s.relabel_configs);
  if (!relabeled) return std::optional<model::Labels>();
  const model::Labels& l = *relabeled;

  absl::string_view addr = l.Get(kAddressLabel);
  if (addr.empty()) return absl::InvalidArgumentError("no address");
  if (absl::StrContains(addr, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat(model::QuoteString(addr), " is not a valid hostname"));
  }
  absl::string_view interval = l.Get(kScrapeIntervalLabel);
  auto interval_ms = model::ParseDurationMs(interval);
  if (!interval_ms.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error parsing scrape interval: ", interval_ms.status().message()));
  }
  if (*interval_ms == 0) {
    return absl::InvalidArgumentError("scrape interval cannot be 0");
  }
  absl::string_view timeout = l.Get(kScrapeTimeoutLabel);
  auto timeout_ms = model::ParseDurationMs(timeout);
  if (!timeout_ms.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error parsing scrape timeout: ", timeout_ms.status().message()));
  }
  if (*timeout_ms == 0) {
    return absl::InvalidArgumentError("scrape timeout cannot be 0");
  }
  if (*timeout_ms > *interval_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape timeout cannot be greater than scrape interval (",
        model::QuoteString(timeout), " > ", model::QuoteString(interval), ")"));
  }

  model::LabelsBuilder b(l);
  for (model::LabelView v : l) {
    if (absl::StartsWith(v.name, kMetaLabelPrefix)) b.Del(v.name);
  }
  if (b.Get(kInstanceLabel).empty()) b.Set(kInstanceLabel, addr);
  model::Labels out = b.Build();
  for (model::LabelView v : out) {
    if (!model::IsValidUtf8(v.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label value for ", model::QuoteString(v.name),
                       ": ", model::QuoteString(v.value)));
    }
  }
  return std::optional<model::Labels>(std::move(out));
}

}  // namespace

absl::StatusOr<std::optional<model::Labels>> PopulateLabels(
    const TargetSettings& s, const model::Labels& target,
    const model::Labels& group) {
  return PopulateDiscovered(s, DiscoveredLabels(s, target, group));
}

model::Labels TargetSeriesLabels(const model::Labels& populated) {
  model::LabelsBuilder b(populated);
  for (model::LabelView v : populated) {
    if (absl::StartsWith(v.name, "__")) b.Del(v.name);
  }
  return b.Build();
}

std::vector<PipelineTarget> TargetsFromGroup(const TargetSettings& settings,
                                             const TargetGroup& group) {
  std::vector<PipelineTarget> out;
  out.reserve(group.targets.size());
  for (const model::Labels& t : group.targets) {
    PipelineTarget pt;
    pt.discovered = DiscoveredLabels(settings, t, group.labels);
    auto res = PopulateDiscovered(settings, pt.discovered);
    if (res.ok()) {
      pt.labels = *std::move(res);
    } else {
      pt.status = res.status();
    }
    out.push_back(std::move(pt));
  }
  return out;
}

}  // namespace vigil::sd
