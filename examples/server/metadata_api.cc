#include "examples/server/metadata_api.h"

#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "examples/server/api_params.h"
#include "examples/server/json_writer.h"
#include "libscrape/metadata_store.h"

namespace vigil::server {
namespace {

// Go's strconv.Atoi on a parameter; `def` when absent.
absl::StatusOr<int64_t> IntParam(const web::Request& req,
                                 const std::string& name, int64_t def) {
  if (!req.HasParam(name)) return def;
  std::string v = req.Param(name);
  if (v.empty()) return def;
  int64_t n;
  if (!absl::SimpleAtoi(v, &n)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be a number"));
  }
  return n;
}

void WriteMeta(JsonWriter* w, const scrape::MetricMetadata& m) {
  w->Key("type");
  w->String(scrape::textparse::MetricTypeName(m.type));
  w->Key("help");
  w->String(m.help);
  w->Key("unit");
  w->String(m.unit);
}

}  // namespace

absl::StatusOr<std::string> MetadataJson(const scrape::Manager& manager,
                                         const web::Request& req) {
  absl::StatusOr<int64_t> limit = IntParam(req, "limit", -1);
  if (!limit.ok()) return limit.status();
  absl::StatusOr<int64_t> per_metric = IntParam(req, "limit_per_metric", -1);
  if (!per_metric.ok()) return per_metric.status();
  const std::string metric = req.Param("metric");
  using Key = std::tuple<std::string, std::string, std::string>;
  // Distinct (type, help, unit) per metric, in first-seen order.
  std::map<std::string, std::vector<Key>> by_metric;
  std::map<std::string, std::set<Key>> seen;
  auto add = [&](const scrape::MetricMetadata& m) {
    Key k{std::string(scrape::textparse::MetricTypeName(m.type)), m.help, m.unit};
    std::vector<Key>& v = by_metric[m.metric];
    if (*per_metric > 0 && static_cast<int64_t>(v.size()) >= *per_metric) return;
    if (seen[m.metric].insert(k).second) v.push_back(std::move(k));
  };
  for (const auto& [job, targets] : manager.ActiveTargets()) {
    for (const scrape::TargetStatus& t : targets) {
      if (t.metadata == nullptr) continue;
      if (metric.empty()) {
        for (const scrape::MetricMetadata& m : t.metadata->List()) add(m);
      } else if (std::optional<scrape::MetricMetadata> m = t.metadata->Get(metric)) {
        add(*m);
      }
    }
  }
  JsonWriter w;
  w.BeginObject();
  int64_t n = 0;
  for (const auto& [name, entries] : by_metric) {
    if (*limit >= 0 && n >= *limit) break;
    ++n;
    w.Key(name);
    w.BeginArray();
    for (const auto& [type, help, unit] : entries) {
      w.BeginObject();
      w.Key("type");
      w.String(type);
      w.Key("help");
      w.String(help);
      w.Key("unit");
      w.String(unit);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

absl::StatusOr<std::string> TargetsMetadataJson(
    const scrape::Manager& manager, const web::Request& req,
    const SelectorParser& parse_selector) {
  absl::StatusOr<int64_t> limit = IntParam(req, "limit", -1);
  if (!limit.ok()) return limit.status();
  std::vector<model::Matcher> matchers;
  const std::string match_target = req.Param("match_target");
  if (!match_target.empty()) {
    if (!parse_selector) {
      return absl::InvalidArgumentError(
          InvalidParam("match_target", "selectors are not supported"));
    }
    absl::StatusOr<std::vector<model::Matcher>> m = parse_selector(match_target);
    if (!m.ok()) {
      return absl::InvalidArgumentError(
          InvalidParam("match_target", m.status().message()));
    }
    matchers = std::move(*m);
  }
  const std::string metric = req.Param("metric");
  JsonWriter w;
  w.BeginArray();
  int64_t n = 0;
  for (const auto& [job, targets] : manager.ActiveTargets()) {
    for (const scrape::TargetStatus& t : targets) {
      if (*limit >= 0 && n >= *limit) break;
      if (!matchers.empty() && !model::MatchesAll(matchers, t.labels)) continue;
      if (t.metadata == nullptr) continue;
      auto entry = [&](const scrape::MetricMetadata& m, bool with_metric) {
        ++n;
        w.BeginObject();
        w.Key("target");
        w.LabelsObject(t.labels);
        if (with_metric) {
          w.Key("metric");
          w.String(m.metric);
        }
        WriteMeta(&w, m);
        w.EndObject();
      };
      if (metric.empty()) {
        for (const scrape::MetricMetadata& m : t.metadata->List()) entry(m, true);
      } else if (std::optional<scrape::MetricMetadata> m = t.metadata->Get(metric)) {
        entry(*m, false);
      }
    }
  }
  w.EndArray();
  return w.Take();
}

}  // namespace vigil::server
