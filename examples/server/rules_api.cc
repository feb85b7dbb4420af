#include "examples/server/rules_api.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "examples/server/json_writer.h"
#include "librules/alerting_rule.h"
#include "librules/group.h"
#include "librules/rule.h"

namespace vigil::server {
namespace {

// Go's strconv.FormatFloat(v, 'e', -1, 64): "1e+00", "2.5e-01".
std::string FormatExp(double v) {
  if (v != v) return "NaN";
  if (v == std::numeric_limits<double>::infinity()) return "+Inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

std::string TimeOrZero(int64_t ms) {
  if (ms == 0 || ms == rules::kNoTime) return "0001-01-01T00:00:00Z";
  return FormatRfc3339Nano(ms);
}

std::set<std::string> Values(const web::Request& req, const char* name) {
  std::set<std::string> out;
  auto range = req.params.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.insert(it->second);
  return out;
}

void WriteAlert(const rules::Alert& a, JsonWriter* w) {
  w->BeginObject();
  w->Key("labels");
  w->LabelsObject(a.labels);
  w->Key("annotations");
  w->BeginObject();
  std::vector<std::pair<std::string, std::string>> ann = a.annotations;
  std::sort(ann.begin(), ann.end());
  for (const auto& [k, v] : ann) {
    w->Key(k);
    w->String(v);
  }
  w->EndObject();
  w->Key("state");
  w->String(rules::AlertStateName(a.state));
  w->Key("activeAt");
  w->String(TimeOrZero(a.active_at_ms));
  if (a.keep_firing_since_ms != rules::kNoTime) {
    w->Key("keepFiringSince");
    w->String(FormatRfc3339Nano(a.keep_firing_since_ms));
  }
  w->Key("value");
  w->String(FormatExp(a.value));
  w->EndObject();
}

}  // namespace

std::string FormatRfc3339Nano(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

absl::StatusOr<std::string> RulesJson(const rules::Manager& manager,
                                      const web::Request& req) {
  std::string type = req.Param("type");
  if (!type.empty() && type != "alert" && type != "record") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid parameter \"type\": not supported value \"", type, "\""));
  }
  bool want_alerts = type.empty() || type == "alert";
  bool want_records = type.empty() || type == "record";
  bool exclude_alerts = req.Param("exclude_alerts") == "true";
  std::set<std::string> names = Values(req, "rule_name[]");
  std::set<std::string> groups = Values(req, "rule_group[]");
  std::set<std::string> files = Values(req, "file[]");

  JsonWriter w;
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  for (const std::shared_ptr<rules::Group>& g : manager.Groups()) {
    if (!groups.empty() && !groups.count(g->name())) continue;
    if (!files.empty() && !files.count(g->file())) continue;
    JsonWriter rw;
    rw.BeginArray();
    int n = 0;
    for (const std::unique_ptr<rules::Rule>& r : g->rules()) {
      if (!names.empty() && !names.count(r->name())) continue;
      if (r->is_alerting() ? !want_alerts : !want_records) continue;
      ++n;
      rw.BeginObject();
      if (r->is_alerting()) {
        const auto* ar = static_cast<const rules::AlertingRule*>(r.get());
        rw.Key("state");
        rw.String(rules::AlertStateName(ar->state()));
      }
      rw.Key("name");
      rw.String(r->name());
      rw.Key("query");
      rw.String(r->expr());
      if (r->is_alerting()) {
        const auto* ar = static_cast<const rules::AlertingRule*>(r.get());
        rw.Key("duration");
        rw.Double(ar->hold_ms() / 1000.0);
        rw.Key("keepFiringFor");
        rw.Double(ar->keep_firing_for_ms() / 1000.0);
      }
      rw.Key("labels");
      rw.LabelsObject(r->labels());
      if (r->is_alerting()) {
        const auto* ar = static_cast<const rules::AlertingRule*>(r.get());
        rw.Key("annotations");
        rw.BeginObject();
        auto ann = ar->annotations();
        std::sort(ann.begin(), ann.end());
        for (const auto& [k, v] : ann) {
          rw.Key(k);
          rw.String(v);
        }
        rw.EndObject();
        rw.Key("alerts");
        rw.BeginArray();
        if (!exclude_alerts) {
          for (const rules::Alert& a : ar->ActiveAlerts()) WriteAlert(a, &rw);
        }
        rw.EndArray();
      }
      rw.Key("health");
      rw.String(rules::RuleHealthName(r->health()));
      std::string err = r->last_error();
      if (!err.empty()) {
        rw.Key("lastError");
        rw.String(err);
      }
      rw.Key("evaluationTime");
      rw.Double(absl::ToDoubleSeconds(r->eval_duration()));
      rw.Key("lastEvaluation");
      rw.String(TimeOrZero(r->last_eval_ms()));
      rw.Key("type");
      rw.String(r->is_alerting() ? "alerting" : "recording");
      rw.EndObject();
    }
    rw.EndArray();
    // Prometheus leaves out groups whose rules were all filtered away.
    if (n == 0 && (!names.empty() || !type.empty())) continue;
    w.BeginObject();
    w.Key("name");
    w.String(g->name());
    w.Key("file");
    w.String(g->file());
    w.Key("rules");
    w.Raw(rw.str());
    w.Key("interval");
    w.Double(g->interval_ms() / 1000.0);
    w.Key("limit");
    w.Int(g->limit());
    w.Key("evaluationTime");
    w.Double(absl::ToDoubleSeconds(g->eval_duration()));
    w.Key("lastEvaluation");
    w.String(TimeOrZero(g->last_eval_ms()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string AlertsJson(const rules::Manager& manager) {
  JsonWriter w;
  w.BeginObject();
  w.Key("alerts");
  w.BeginArray();
  for (const rules::Alert& a : manager.ActiveAlerts()) WriteAlert(a, &w);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::server
