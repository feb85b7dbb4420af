#include "examples/server/api_v1.h"

#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "examples/server/api_params.h"
#include "examples/server/json_writer.h"
#include "model/labels.h"
#include "model/timestamp.h"
#include "nlohmann/json.hpp"

#include "re2/re2.h"

namespace vigil::server {
namespace {

constexpr char kJsonType[] = "application/json";
// Prometheus refuses range queries with more points per series.
constexpr int64_t kMaxPointsPerSeries = 11000;

bool HasParam(const web::Request& req, const char* name) {
  return req.HasParam(name) && !req.Param(name).empty();
}

std::string Param(const web::Request& req, const char* name) {
  return req.Param(name);
}

std::vector<std::string> ParamValues(const web::Request& req,
                                     const char* name) {
  std::vector<std::string> out;
  auto range = req.params.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

// parseTimeParam: absent or empty gives `def`.
absl::StatusOr<int64_t> TimeParam(const web::Request& req, const char* name,
                                  int64_t def) {
  if (!HasParam(req, name)) return def;
  absl::StatusOr<int64_t> t = ParseTimeMs(Param(req, name));
  if (!t.ok()) {
    return absl::InvalidArgumentError(InvalidParam(
        name, absl::StrCat("Invalid time value for '", name,
                           "': ", t.status().message())));
  }
  return t;
}

// `limit`: absent or empty is 0 (no limit); negative or junk is bad_data.
absl::StatusOr<int64_t> LimitParam(const web::Request& req) {
  if (!HasParam(req, "limit")) return 0;
  int64_t limit;
  if (!absl::SimpleAtoi(Param(req, "limit"), &limit) || limit < 0) {
    return absl::InvalidArgumentError(
        InvalidParam("limit", "limit must be a positive number"));
  }
  return limit;
}

// Whether `msg` is "<line>:<col>: parse error...".
bool IsParseError(absl::string_view msg) {
  size_t i = 0;
  for (int part = 0; part < 2; ++part) {
    size_t digits = 0;
    while (i < msg.size() && absl::ascii_isdigit(msg[i])) ++i, ++digits;
    if (digits == 0 || i >= msg.size() || msg[i] != ':') return false;
    ++i;
  }
  return absl::StartsWith(msg.substr(i), " parse error");
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// Sorted union of several sorted string lists.
std::vector<std::string> Union(std::vector<std::vector<std::string>> lists) {
  if (lists.size() == 1) return std::move(lists[0]);
  std::set<std::string> all;
  for (auto& l : lists) all.insert(l.begin(), l.end());
  return std::vector<std::string>(all.begin(), all.end());
}

}  // namespace

ApiV1::ApiV1(Deps deps) : deps_(std::move(deps)) {}

std::pair<std::string, int> ApiV1::ErrorTypeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return {"bad_data", 400};
    case absl::StatusCode::kDeadlineExceeded:
      return {"timeout", 503};
    case absl::StatusCode::kCancelled:
      return {"canceled", 499};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kOutOfRange:
      return {"execution", 422};
    case absl::StatusCode::kUnavailable:
      return {"unavailable", 503};
    case absl::StatusCode::kNotFound:
      return {"not_found", 404};
    default:
      return {"internal", 500};
  }
}

void ApiV1::WriteError(web::Response* res, absl::string_view type,
                       absl::string_view message) {
  int code = 500;
  if (type == "bad_data") code = 400;
  else if (type == "execution") code = 422;
  else if (type == "canceled") code = 499;
  else if (type == "timeout" || type == "unavailable") code = 503;
  else if (type == "not_found") code = 404;
  else if (type == "not_acceptable") code = 406;
  JsonWriter w;
  w.BeginObject();
  w.Key("status");
  w.String("error");
  w.Key("errorType");
  w.String(type);
  w.Key("error");
  w.String(message);
  w.EndObject();
  res->status = code;
  res->SetContent(w.Take(), kJsonType);
}

void ApiV1::WriteSuccess(web::Response* res, absl::string_view data_json,
                         const std::vector<std::string>& warnings,
                         const std::vector<std::string>& infos) {
  JsonWriter w;
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.Raw(data_json);
  if (!warnings.empty()) {
    w.Key("warnings");
    w.StringArray(warnings);
  }
  if (!infos.empty()) {
    w.Key("infos");
    w.StringArray(infos);
  }
  w.EndObject();
  res->status = 200;
  res->SetContent(w.Take(), kJsonType);
}

void ApiV1::Register(web::Router* server, absl::string_view prefix) {
  const std::string p = absl::StrCat(prefix, "/api/v1");
  auto both = [&](const std::string& path, web::Handler h) {
    server->Get(path, h);
    server->Post(path, h);
  };
  both(p + "/query", [this](const web::Request& req, web::Response* res) {
    Query(req, res);
  });
  both(p + "/query_range",
       [this](const web::Request& req, web::Response* res) {
         QueryRange(req, res);
       });
  both(p + "/format_query",
       [this](const web::Request& req, web::Response* res) {
         FormatQuery(req, res);
       });
  both(p + "/query_exemplars",
       [this](const web::Request& req, web::Response* res) {
         QueryExemplars(req, res);
       });
  both(p + "/series", [this](const web::Request& req, web::Response* res) {
    Series(req, res);
  });
  both(p + "/labels", [this](const web::Request& req, web::Response* res) {
    Labels(req, res);
  });
  for (const char* method : {"GET", "POST"}) {
    server->HandlePattern(method, RE2::QuoteMeta(p) + R"(/label/([^/]+)/values)",
                          [this](const web::Request& req, web::Response* res) {
                            LabelValues(req, res);
                          });
  }
  server->Get(p + "/status/buildinfo",
              [this](const web::Request&, web::Response* res) {
                BuildInfoHandler(res);
              });
  server->Get(p + "/status/flags",
              [this](const web::Request&, web::Response* res) {
                FlagsHandler(res);
              });
  server->Get(p + "/status/config",
              [this](const web::Request&, web::Response* res) {
                ConfigHandler(res);
              });
  server->Get(p + "/status/runtimeinfo",
              [this](const web::Request&, web::Response* res) {
                RuntimeInfoHandler(res);
              });
  server->Get(p + "/status/tsdb",
              [this](const web::Request& req, web::Response* res) {
                TsdbStatus(req, res);
              });
  both(p + "/parse_query",
       [this](const web::Request& req, web::Response* res) {
         ParseQuery(req, res);
       });
  server->Get(p + "/status/walreplay",
              [this](const web::Request&, web::Response* res) {
                WalReplay(res);
              });
  server->Get(p + "/notifications",
              [this](const web::Request&, web::Response* res) {
                Notifications(res);
              });
  server->Get(p + "/scrape_pools",
              [this](const web::Request&, web::Response* res) {
                ScrapePools(res);
              });
  server->Get(p + "/targets/relabel_steps",
              [this](const web::Request& req, web::Response* res) {
                RelabelSteps(req, res);
              });
  server->Get(p + "/features",
              [this](const web::Request&, web::Response* res) {
                Features(res);
              });
  struct Provided {
    const char* path;
    JsonProvider ApiV1::Deps::*provider;
    const char* empty;
  };
  static const Provided kProvided[] = {
      {"/targets", &Deps::targets, R"({"activeTargets":[],"droppedTargets":[]})"},
      {"/targets/metadata", &Deps::targets_metadata, "[]"},
      {"/rules", &Deps::rules, R"({"groups":[]})"},
      {"/alerts", &Deps::alerts, R"({"alerts":[]})"},
      {"/alertmanagers", &Deps::alertmanagers,
       R"({"activeAlertmanagers":[],"droppedAlertmanagers":[]})"},
      {"/metadata", &Deps::metadata, "{}"},
      {"/status/tsdb/blocks", &Deps::tsdb_blocks, R"({"blocks":[]})"},
  };
  for (const Provided& pr : kProvided) {
    JsonProvider ApiV1::Deps::*member = pr.provider;
    std::string empty = pr.empty;
    server->Get(p + pr.path, [this, member, empty](const web::Request& req,
                                                   web::Response* res) {
      const JsonProvider& fn = deps_.*member;
      if (!fn) {
        WriteSuccess(res, empty);
        return;
      }
      absl::StatusOr<std::string> data = fn(req);
      if (!data.ok()) {
        auto [type, code] = ErrorTypeFor(data.status());
        WriteError(res, type, data.status().message());
        return;
      }
      WriteSuccess(res, *data);
    });
  }
}

void ApiV1::Query(const web::Request& req, web::Response* res) {
  QueryRequest q;
  q.query = Param(req, "query");
  absl::StatusOr<int64_t> t = TimeParam(req, "time", model::NowMillis());
  if (!t.ok()) return WriteError(res, "bad_data", t.status().message());
  q.time_ms = *t;
  if (HasParam(req, "timeout")) {
    absl::StatusOr<int64_t> d = ParseDurationParamMs(Param(req, "timeout"));
    if (!d.ok()) {
      return WriteError(res, "bad_data",
                        InvalidParam("timeout", d.status().message()));
    }
    q.timeout = absl::Milliseconds(*d);
  }
  if (HasParam(req, "lookback_delta")) {
    absl::StatusOr<int64_t> d =
        ParseDurationParamMs(Param(req, "lookback_delta"));
    if (!d.ok()) {
      return WriteError(res, "bad_data",
                        InvalidParam("lookback_delta", d.status().message()));
    }
    q.lookback_delta_ms = *d;
  }
  q.stats = HasParam(req, "stats");
  RunQuery(q, res);
}

void ApiV1::QueryRange(const web::Request& req, web::Response* res) {
  QueryRequest q;
  q.range = true;
  q.query = Param(req, "query");
  absl::StatusOr<int64_t> start = ParseTimeMs(Param(req, "start"));
  if (!start.ok()) {
    return WriteError(res, "bad_data",
                      InvalidParam("start", start.status().message()));
  }
  absl::StatusOr<int64_t> end = ParseTimeMs(Param(req, "end"));
  if (!end.ok()) {
    return WriteError(res, "bad_data",
                      InvalidParam("end", end.status().message()));
  }
  if (*end < *start) {
    return WriteError(res, "bad_data",
                      InvalidParam("end", "end timestamp must not be before start time"));
  }
  absl::StatusOr<int64_t> step = ParseDurationParamMs(Param(req, "step"));
  if (!step.ok()) {
    return WriteError(res, "bad_data",
                      InvalidParam("step", step.status().message()));
  }
  if (*step <= 0) {
    return WriteError(
        res, "bad_data",
        InvalidParam("step",
                     "zero or negative query resolution step widths are not "
                     "accepted. Try a positive integer"));
  }
  // Prometheus: (end-start)/step > 11000 is refused.
  if ((*end - *start) / *step > kMaxPointsPerSeries) {
    return WriteError(
        res, "bad_data",
        absl::StrCat("exceeded maximum resolution of ",
                     GroupThousands(kMaxPointsPerSeries),
                     " points per timeseries. Try decreasing the query "
                     "resolution (?step=XX)"));
  }
  q.start_ms = *start;
  q.end_ms = *end;
  q.step_ms = *step;
  if (HasParam(req, "timeout")) {
    absl::StatusOr<int64_t> d = ParseDurationParamMs(Param(req, "timeout"));
    if (!d.ok()) {
      return WriteError(res, "bad_data",
                        InvalidParam("timeout", d.status().message()));
    }
    q.timeout = absl::Milliseconds(*d);
  }
  if (HasParam(req, "lookback_delta")) {
    absl::StatusOr<int64_t> d =
        ParseDurationParamMs(Param(req, "lookback_delta"));
    if (!d.ok()) {
      return WriteError(res, "bad_data",
                        InvalidParam("lookback_delta", d.status().message()));
    }
    q.lookback_delta_ms = *d;
  }
  q.stats = HasParam(req, "stats");
  RunQuery(q, res);
}

void ApiV1::RunQuery(const QueryRequest& q, web::Response* res) {
  if (!deps_.query) {
    return WriteError(res, "unavailable", "no query engine configured");
  }
  absl::StatusOr<QueryResponse> r = deps_.query(q);
  if (!r.ok()) {
    auto [type, code] = ErrorTypeFor(r.status());
    std::string msg(r.status().message());
    if (type == "bad_data" && IsParseError(msg)) msg = InvalidParam("query", msg);
    return WriteError(res, type, msg);
  }
  std::string data = absl::StrCat(R"({"resultType":")", r->result_type,
                                  R"(","result":)", r->result_json);
  if (!r->stats_json.empty()) absl::StrAppend(&data, R"(,"stats":)", r->stats_json);
  data.push_back('}');
  WriteSuccess(res, data, r->warnings, r->infos);
}

void ApiV1::FormatQuery(const web::Request& req, web::Response* res) {
  if (!deps_.format_query) {
    return WriteError(res, "not_found", "format_query is not available");
  }
  absl::StatusOr<std::string> f = deps_.format_query(Param(req, "query"));
  if (!f.ok()) {
    return WriteError(res, "bad_data",
                      InvalidParam("query", f.status().message()));
  }
  std::string data;
  AppendJsonString(*f, &data);
  WriteSuccess(res, data);
}

void ApiV1::QueryExemplars(const web::Request& req,
                           web::Response* res) {
  // No exemplar storage: validate like Prometheus, answer no exemplars.
  for (const char* name : {"start", "end"}) {
    if (!HasParam(req, name)) continue;
    absl::StatusOr<int64_t> t = ParseTimeMs(Param(req, name));
    if (!t.ok()) {
      return WriteError(res, "bad_data", InvalidParam(name, t.status().message()));
    }
  }
  WriteSuccess(res, "[]");
}

bool ApiV1::ParseMatchers(const web::Request& req, web::Response* res,
                          std::vector<std::vector<model::Matcher>>* sets) {
  for (const std::string& m : ParamValues(req, "match[]")) {
    if (!deps_.parse_selector) {
      WriteError(res, "bad_data",
                 InvalidParam("match[]", "no selector parser configured"));
      return false;
    }
    absl::StatusOr<std::vector<model::Matcher>> ms = deps_.parse_selector(m);
    if (!ms.ok()) {
      WriteError(res, "bad_data", InvalidParam("match[]", ms.status().message()));
      return false;
    }
    sets->push_back(std::move(*ms));
  }
  return true;
}

void ApiV1::Series(const web::Request& req, web::Response* res) {
  if (ParamValues(req, "match[]").empty()) {
    return WriteError(res, "bad_data", "no match[] parameter provided");
  }
  absl::StatusOr<int64_t> start = TimeParam(req, "start", model::kMinTimeMs);
  if (!start.ok()) return WriteError(res, "bad_data", start.status().message());
  absl::StatusOr<int64_t> end = TimeParam(req, "end", model::kMaxTimeMs);
  if (!end.ok()) return WriteError(res, "bad_data", end.status().message());
  absl::StatusOr<int64_t> limit = LimitParam(req);
  if (!limit.ok()) return WriteError(res, "bad_data", limit.status().message());
  std::vector<std::vector<model::Matcher>> sets;
  if (!ParseMatchers(req, res, &sets)) return;

  absl::StatusOr<std::unique_ptr<storage::Querier>> querier =
      deps_.queryable->NewQuerier(*start, *end);
  if (!querier.ok()) {
    auto [type, code] = ErrorTypeFor(querier.status());
    return WriteError(res, type, querier.status().message());
  }
  std::set<model::Labels> all;
  std::vector<std::string> warnings;
  storage::SelectHints hints;
  hints.start_ms = *start;
  hints.end_ms = *end;
  hints.func = "series";
  for (const auto& ms : sets) {
    std::unique_ptr<storage::SeriesSet> set =
        (*querier)->Select(false, &hints, ms);
    while (set->Next()) all.insert(set->labels());
    if (!set->status().ok()) {
      auto [type, code] = ErrorTypeFor(set->status());
      return WriteError(res, type == "internal" ? "execution" : type,
                        set->status().message());
    }
    for (std::string& w : set->warnings()) warnings.push_back(std::move(w));
  }
  JsonWriter w;
  w.BeginArray();
  int64_t n = 0;
  for (const model::Labels& l : all) {
    if (*limit > 0 && n >= *limit) {
      warnings.push_back("results truncated due to limit");
      break;
    }
    w.LabelsObject(l);
    ++n;
  }
  w.EndArray();
  WriteSuccess(res, w.str(), warnings);
}

void ApiV1::Labels(const web::Request& req, web::Response* res) {
  absl::StatusOr<int64_t> start = TimeParam(req, "start", model::kMinTimeMs);
  if (!start.ok()) return WriteError(res, "bad_data", start.status().message());
  absl::StatusOr<int64_t> end = TimeParam(req, "end", model::kMaxTimeMs);
  if (!end.ok()) return WriteError(res, "bad_data", end.status().message());
  absl::StatusOr<int64_t> limit = LimitParam(req);
  if (!limit.ok()) return WriteError(res, "bad_data", limit.status().message());
  std::vector<std::vector<model::Matcher>> sets;
  if (!ParseMatchers(req, res, &sets)) return;
  if (sets.empty()) sets.emplace_back();

  absl::StatusOr<std::unique_ptr<storage::Querier>> querier =
      deps_.queryable->NewQuerier(*start, *end);
  if (!querier.ok()) {
    auto [type, code] = ErrorTypeFor(querier.status());
    return WriteError(res, type, querier.status().message());
  }
  std::vector<std::vector<std::string>> lists;
  for (const auto& ms : sets) {
    absl::StatusOr<std::vector<std::string>> names = (*querier)->LabelNames(ms);
    if (!names.ok()) {
      return WriteError(res, "execution", names.status().message());
    }
    lists.push_back(std::move(*names));
  }
  std::vector<std::string> names = Union(std::move(lists));
  std::vector<std::string> warnings;
  if (*limit > 0 && static_cast<int64_t>(names.size()) > *limit) {
    names.resize(*limit);
    warnings.push_back("results truncated due to limit");
  }
  JsonWriter w;
  w.StringArray(names);
  WriteSuccess(res, w.str(), warnings);
}

void ApiV1::LabelValues(const web::Request& req, web::Response* res) {
  absl::StatusOr<std::string> name = UnescapeLabelName(req.path_groups[0]);
  if (!name.ok()) return WriteError(res, "bad_data", name.status().message());
  if (!model::IsValidLabelName(*name)) {
    return WriteError(res, "bad_data",
                      absl::StrCat("invalid label name: ", model::QuoteString(*name)));
  }
  absl::StatusOr<int64_t> start = TimeParam(req, "start", model::kMinTimeMs);
  if (!start.ok()) return WriteError(res, "bad_data", start.status().message());
  absl::StatusOr<int64_t> end = TimeParam(req, "end", model::kMaxTimeMs);
  if (!end.ok()) return WriteError(res, "bad_data", end.status().message());
  absl::StatusOr<int64_t> limit = LimitParam(req);
  if (!limit.ok()) return WriteError(res, "bad_data", limit.status().message());
  std::vector<std::vector<model::Matcher>> sets;
  if (!ParseMatchers(req, res, &sets)) return;
  if (sets.empty()) sets.emplace_back();

  absl::StatusOr<std::unique_ptr<storage::Querier>> querier =
      deps_.queryable->NewQuerier(*start, *end);
  if (!querier.ok()) {
    auto [type, code] = ErrorTypeFor(querier.status());
    return WriteError(res, type, querier.status().message());
  }
  std::vector<std::vector<std::string>> lists;
  for (const auto& ms : sets) {
    absl::StatusOr<std::vector<std::string>> values =
        (*querier)->LabelValues(*name, ms);
    if (!values.ok()) {
      return WriteError(res, "execution", values.status().message());
    }
    lists.push_back(std::move(*values));
  }
  std::vector<std::string> values = Union(std::move(lists));
  std::vector<std::string> warnings;
  if (*limit > 0 && static_cast<int64_t>(values.size()) > *limit) {
    values.resize(*limit);
    warnings.push_back("results truncated due to limit");
  }
  JsonWriter w;
  w.StringArray(values);
  WriteSuccess(res, w.str(), warnings);
}

void ApiV1::BuildInfoHandler(web::Response* res) {
  const BuildInfo& b = deps_.build_info;
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String(b.version);
  w.Key("revision");
  w.String(b.revision);
  w.Key("branch");
  w.String(b.branch);
  w.Key("buildUser");
  w.String(b.build_user);
  w.Key("buildDate");
  w.String(b.build_date);
  w.Key("goVersion");
  w.String(b.go_version);
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::FlagsHandler(web::Response* res) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [k, v] : deps_.flags) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::ConfigHandler(web::Response* res) {
  JsonWriter w;
  w.BeginObject();
  w.Key("yaml");
  w.String(deps_.config_yaml ? deps_.config_yaml() : "");
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::RuntimeInfoHandler(web::Response* res) {
  RuntimeInfo ri;
  if (deps_.runtime_info) ri = deps_.runtime_info();
  JsonWriter w;
  w.BeginObject();
  w.Key("startTime");
  w.String(FormatRfc3339(ri.start_time));
  w.Key("CWD");
  w.String(ri.cwd);
  w.Key("reloadConfigSuccess");
  w.Bool(ri.reload_config_success);
  w.Key("lastConfigTime");
  w.String(FormatRfc3339(ri.last_config_time));
  w.Key("corruptionCount");
  w.Int(ri.corruption_count);
  w.Key("goroutineCount");
  w.Int(ri.goroutine_count);
  w.Key("GOMAXPROCS");
  w.Int(ri.gomaxprocs);
  w.Key("GOGC");
  w.String("");
  w.Key("GODEBUG");
  w.String("");
  w.Key("storageRetention");
  w.String(ri.storage_retention);
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::TsdbStatus(const web::Request& req, web::Response* res) {
  if (deps_.tsdb_status) {
    absl::StatusOr<std::string> data = deps_.tsdb_status(req);
    if (!data.ok()) {
      auto [type, code] = ErrorTypeFor(data.status());
      return WriteError(res, type, data.status().message());
    }
    return WriteSuccess(res, *data);
  }
  int64_t limit = 10;
  if (HasParam(req, "limit")) {
    if (!absl::SimpleAtoi(Param(req, "limit"), &limit) || limit < 1) {
      return WriteError(res, "bad_data", "limit must be a positive number");
    }
  }
  // Generic statistics from any Queryable: walk every series once.
  absl::StatusOr<std::unique_ptr<storage::Querier>> querier =
      deps_.queryable->NewQuerier(model::kMinTimeMs, model::kMaxTimeMs);
  if (!querier.ok()) {
    auto [type, code] = ErrorTypeFor(querier.status());
    return WriteError(res, type, querier.status().message());
  }
  absl::StatusOr<model::Matcher> any =
      model::Matcher::Create(model::MatchType::kRegexMatch, "__name__", ".+");
  std::unique_ptr<storage::SeriesSet> set =
      (*querier)->Select(false, nullptr, {*any});
  int64_t num_series = 0;
  int64_t min_t = std::numeric_limits<int64_t>::max();
  int64_t max_t = std::numeric_limits<int64_t>::min();
  std::map<std::string, int64_t> by_metric;
  std::map<std::string, std::set<std::string>> values_by_name;
  std::map<std::string, int64_t> bytes_by_name;
  std::map<std::string, int64_t> by_pair;
  while (set->Next()) {
    const model::Labels& l = set->labels();
    ++num_series;
    ++by_metric[std::string(l.MetricName())];
    for (model::LabelView lv : l) {
      std::string name(lv.name);
      if (values_by_name[name].insert(std::string(lv.value)).second) {
        bytes_by_name[name] += lv.value.size();
      }
      ++by_pair[absl::StrCat(lv.name, "=", lv.value)];
    }
    std::unique_ptr<storage::SampleIterator> it = set->NewIterator();
    if (it->Next()) {
      min_t = std::min(min_t, it->timestamp());
      int64_t last = it->timestamp();
      while (it->Next()) last = it->timestamp();
      max_t = std::max(max_t, last);
    }
  }
  if (!set->status().ok()) {
    return WriteError(res, "execution", set->status().message());
  }
  int64_t pairs = 0;
  for (const auto& [n, vs] : values_by_name) pairs += vs.size();
  auto top = [limit](const std::map<std::string, int64_t>& m, JsonWriter* w) {
    std::vector<std::pair<std::string, int64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second > b.second;
    });
    if (static_cast<int64_t>(v.size()) > limit) v.resize(limit);
    w->BeginArray();
    for (const auto& [name, value] : v) {
      w->BeginObject();
      w->Key("name");
      w->String(name);
      w->Key("value");
      w->Int(value);
      w->EndObject();
    }
    w->EndArray();
  };
  std::map<std::string, int64_t> value_counts;
  for (const auto& [n, vs] : values_by_name) value_counts[n] = vs.size();
  JsonWriter w;
  w.BeginObject();
  w.Key("headStats");
  w.BeginObject();
  w.Key("numSeries");
  w.Int(num_series);
  w.Key("numLabelPairs");
  w.Int(pairs);
  w.Key("chunkCount");
  w.Int(0);
  w.Key("minTime");
  w.Int(min_t);
  w.Key("maxTime");
  w.Int(max_t);
  w.EndObject();
  w.Key("seriesCountByMetricName");
  top(by_metric, &w);
  w.Key("labelValueCountByLabelName");
  top(value_counts, &w);
  w.Key("memoryInBytesByLabelName");
  top(bytes_by_name, &w);
  w.Key("seriesCountByLabelValuePair");
  top(by_pair, &w);
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::ParseQuery(const web::Request& req, web::Response* res) {
  if (!deps_.parse_query) {
    return WriteError(res, "not_found", "parse_query is not available");
  }
  absl::StatusOr<std::string> ast = deps_.parse_query(Param(req, "query"));
  if (!ast.ok()) {
    return WriteError(res, "bad_data",
                      InvalidParam("query", ast.status().message()));
  }
  WriteSuccess(res, *ast);
}

void ApiV1::WalReplay(web::Response* res) {
  WalReplayStatus st;
  if (deps_.wal_replay) st = deps_.wal_replay();
  JsonWriter w;
  w.BeginObject();
  w.Key("min");
  w.Int(st.min);
  w.Key("max");
  w.Int(st.max);
  w.Key("current");
  w.Int(st.current);
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::Notifications(web::Response* res) {
  std::vector<Notification> ns;
  if (deps_.notifications) ns = deps_.notifications();
  JsonWriter w;
  w.BeginArray();
  for (const Notification& n : ns) {
    w.BeginObject();
    w.Key("text");
    w.String(n.text);
    w.Key("date");
    w.String(FormatRfc3339(n.date));
    w.Key("active");
    w.Bool(n.active);
    w.EndObject();
  }
  w.EndArray();
  WriteSuccess(res, w.str());
}

void ApiV1::ScrapePools(web::Response* res) {
  std::vector<std::string> pools;
  if (deps_.scrape_pools) pools = deps_.scrape_pools();
  std::sort(pools.begin(), pools.end());
  JsonWriter w;
  w.BeginObject();
  w.Key("scrapePools");
  w.StringArray(pools);
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::RelabelSteps(const web::Request& req, web::Response* res) {
  std::string pool = Param(req, "scrapePool");
  if (pool.empty()) {
    return WriteError(res, "bad_data", "no scrapePool parameter provided");
  }
  std::string labels_json = Param(req, "labels");
  if (labels_json.empty()) {
    return WriteError(res, "bad_data", "no labels parameter provided");
  }
  // labels.Labels' JSON form: an object of string values.
  nlohmann::json j = nlohmann::json::parse(labels_json, nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return WriteError(res, "bad_data",
                      "error parsing labels: labels must be a JSON object of strings");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) {
      return WriteError(res, "bad_data",
                        absl::StrCat("error parsing labels: value of \"", it.key(),
                                     "\" is not a string"));
    }
    pairs.emplace_back(it.key(), it.value().get<std::string>());
  }
  absl::StatusOr<std::vector<sd::RelabelConfig>> rules =
      deps_.scrape_pool_relabel_configs
          ? deps_.scrape_pool_relabel_configs(pool)
          : absl::NotFoundError(
                absl::StrCat("scrape pool ", model::QuoteString(pool), " not found"));
  if (!rules.ok()) {
    return WriteError(res, "bad_data",
                      absl::StrCat("error retrieving scrape config: ",
                                   rules.status().message()));
  }
  std::vector<sd::RelabelStep> steps =
      sd::ProcessSteps(model::Labels::FromPairs(pairs), *rules);
  JsonWriter w;
  w.BeginObject();
  w.Key("steps");
  w.BeginArray();
  for (size_t i = 0; i < steps.size(); ++i) {
    const sd::RelabelConfig& rule = (*rules)[i];
    w.BeginObject();
    // relabel.Config's JSON: fields in declaration order, omitempty ones
    // left out when empty.
    w.Key("rule");
    w.BeginObject();
    if (!rule.source_labels.empty()) {
      w.Key("source_labels");
      w.StringArray(rule.source_labels);
    }
    w.Key("separator");
    w.String(rule.separator);
    w.Key("regex");
    w.String(rule.regex.expr());
    if (rule.modulus != 0) {
      w.Key("modulus");
      w.Uint(rule.modulus);
    }
    if (!rule.target_label.empty()) {
      w.Key("target_label");
      w.String(rule.target_label);
    }
    w.Key("replacement");
    w.String(rule.replacement);
    w.Key("action");
    w.String(sd::RelabelActionName(rule.action));
    w.EndObject();
    w.Key("output");
    w.LabelsObject(steps[i].output);
    w.Key("keep");
    w.Bool(steps[i].keep);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  WriteSuccess(res, w.str());
}

void ApiV1::Features(web::Response* res) {
  if (!deps_.features) {
    return WriteError(res, "internal", "feature registry not configured");
  }
  JsonWriter w;
  w.BeginObject();
  for (const auto& [category, features] : deps_.features()) {
    w.Key(category);
    w.BeginObject();
    for (const auto& [name, enabled] : features) {
      w.Key(name);
      w.Bool(enabled);
    }
    w.EndObject();
  }
  w.EndObject();
  WriteSuccess(res, w.str());
}

}  // namespace vigil::server
