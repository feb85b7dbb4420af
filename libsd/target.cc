#include "libsd/target.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "model/duration.h"

namespace vigil::sd {

namespace {

using model::LabelView;

bool ByName(const LabelView& a, const LabelView& b) { return a.name < b.name; }

bool HasName(const std::vector<LabelView>& sorted, absl::string_view name) {
  auto it = std::lower_bound(
      sorted.begin(), sorted.end(), name,
      [](const LabelView& l, absl::string_view n) { return l.name < n; });
  return it != sorted.end() && it->name == name;
}

}  // namespace

model::Labels DiscoveredLabels(const TargetSettings& s,
                               const model::Labels& target,
                               const model::Labels& group) {
  // Merge the two sorted sets, target labels winning.
  std::vector<LabelView> v;
  v.reserve(target.size() + group.size() + 8 + s.params.size());
  size_t i = 0, j = 0;
  while (i < target.size() || j < group.size()) {
    if (j == group.size() ||
        (i < target.size() && target[i].name <= group[j].name)) {
      if (j < group.size() && target[i].name == group[j].name) ++j;
      v.push_back(target[i++]);
    } else {
      v.push_back(group[j++]);
    }
  }
  // Defaults for what is still unset. `owned` keeps formatted values alive
  // until the set is built.
  std::vector<std::string> owned;
  owned.reserve(4 + s.params.size());
  std::vector<LabelView> extra;
  auto set_default = [&](absl::string_view name, absl::string_view value) {
    if (value.empty() || HasName(v, name)) return;
    extra.push_back(LabelView{name, value});
  };
  set_default(kJobLabel, s.job_name);
  owned.push_back(model::DurationString(s.scrape_interval));
  set_default(kScrapeIntervalLabel, owned.back());
  owned.push_back(model::DurationString(s.scrape_timeout));
  set_default(kScrapeTimeoutLabel, owned.back());
  set_default(kMetricsPathLabel, s.metrics_path);
  set_default(kSchemeLabel, s.scheme);
  auto set_bool = [&](absl::string_view name, const std::optional<bool>& b) {
    if (b.has_value()) set_default(name, *b ? "true" : "false");
  };
  set_bool("__scrape_native_histograms__", s.scrape_native_histograms);
  set_bool("__always_scrape_classic_histograms__",
           s.always_scrape_classic_histograms);
  set_bool("__convert_classic_histograms_to_nhcb__",
           s.convert_classic_histograms_to_nhcb);
  std::vector<std::string> param_names;
  param_names.reserve(s.params.size());
  for (const auto& [k, vals] : s.params) {
    if (vals.empty()) continue;
    param_names.push_back(absl::StrCat(kParamLabelPrefix, k));
    set_default(param_names.back(), vals[0]);
  }
  if (!extra.empty()) {
    v.insert(v.end(), extra.begin(), extra.end());
    std::sort(v.begin(), v.end(), ByName);
  }
  return model::Labels::FromSortedViews(v);
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

  std::vector<LabelView> kept;
  kept.reserve(l.size() + 1);
  bool has_instance = false;
  for (LabelView v : l) {
    if (absl::StartsWith(v.name, kMetaLabelPrefix)) continue;
    if (!model::IsValidUtf8(v.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label value for ", model::QuoteString(v.name),
                       ": ", model::QuoteString(v.value)));
    }
    has_instance = has_instance || v.name == kInstanceLabel;
    kept.push_back(v);
  }
  if (!has_instance) {
    kept.insert(std::lower_bound(kept.begin(), kept.end(),
                                 LabelView{kInstanceLabel, addr}, ByName),
                LabelView{kInstanceLabel, addr});
  }
  return std::optional<model::Labels>(model::Labels::FromSortedViews(kept));
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
