#include "examples/server/targets_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "examples/server/json_writer.h"
#include "examples/server/rules_api.h"
#include "libscrape/scrape_loop.h"
#include "model/duration.h"

namespace vigil::server {
namespace {

absl::string_view HealthName(scrape::TargetHealthState s) {
  switch (s) {
    case scrape::TargetHealthState::kUp:
      return "up";
    case scrape::TargetHealthState::kDown:
      return "down";
    default:
      return "unknown";
  }
}

}  // namespace

absl::StatusOr<std::string> TargetsJson(const scrape::Manager& manager,
                                        const httplib::Request& req) {
  std::string state = absl::AsciiStrToLower(req.get_param_value("state"));
  if (!state.empty() && state != "active" && state != "dropped" && state != "any") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid parameter \"state\": unknown state \"", state, "\""));
  }
  bool active = state.empty() || state == "any" || state == "active";
  bool dropped = state.empty() || state == "any" || state == "dropped";
  std::string pool = req.get_param_value("scrapePool");
  JsonWriter w;
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (active) {
    for (const auto& [job, targets] : manager.ActiveTargets()) {
      if (!pool.empty() && job != pool) continue;
      for (const scrape::TargetStatus& t : targets) {
        w.BeginObject();
        w.Key("discoveredLabels");
        w.LabelsObject(t.discovered);
        w.Key("labels");
        w.LabelsObject(t.labels);
        w.Key("scrapePool");
        w.String(job);
        w.Key("scrapeUrl");
        w.String(t.url);
        w.Key("globalUrl");
        w.String(t.url);
        w.Key("lastError");
        w.String(!t.error.empty() ? t.error : t.health.last_error);
        w.Key("lastScrape");
        w.String(t.health.last_scrape_ms == 0 ? "0001-01-01T00:00:00Z"
                                              : FormatRfc3339Nano(t.health.last_scrape_ms));
        w.Key("lastScrapeDuration");
        w.Double(absl::ToDoubleSeconds(t.health.last_scrape_duration));
        w.Key("health");
        w.String(HealthName(t.health.state));
        w.Key("scrapeInterval");
        w.String(model::DurationString(t.interval));
        w.Key("scrapeTimeout");
        w.String(model::DurationString(t.timeout));
        w.EndObject();
      }
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  if (dropped) {
    for (const auto& [job, targets] : manager.DroppedTargets()) {
      if (!pool.empty() && job != pool) continue;
      for (const scrape::TargetStatus& t : targets) {
        w.BeginObject();
        w.Key("discoveredLabels");
        w.LabelsObject(t.discovered);
        w.EndObject();
      }
    }
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::server
