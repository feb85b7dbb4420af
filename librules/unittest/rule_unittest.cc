#include "librules/unittest/rule_unittest.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libpromql/engine.h"
#include "libpromql/promqltest/script.h"
#include "librules/engine_query_func.h"
#include "librules/expr_check.h"
#include "librules/manager.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/duration.h"
#include "model/timestamp.h"
#include "re2/re2.h"
#include "yaml-cpp/yaml.h"

namespace vigil::rules {
namespace {

using StrMap = std::map<std::string, std::string>;

struct ExpAlert {
  StrMap labels;
  StrMap annotations;
};
struct AlertTest {
  int64_t eval_ms = 0;
  std::string alertname;
  std::vector<ExpAlert> exp;
};
struct ExpSample {
  std::string labels;  // series notation
  double value = 0;
  bool histogram = false;
};
struct ExprTest {
  std::string expr;
  int64_t eval_ms = 0;
  std::vector<ExpSample> exp;
};
struct InputSeries {
  std::string series;
  std::string values;
};
struct TestGroup {
  std::string name;
  int64_t interval_ms = 0;
  std::string start;
  StrMap external_labels;
  std::string external_url;
  std::vector<InputSeries> input;
  std::vector<AlertTest> alerts;
  std::vector<ExprTest> exprs;
};

std::string Scalar(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : "";
}

absl::StatusOr<int64_t> Duration(const YAML::Node& n, absl::string_view what) {
  std::string s = Scalar(n);
  if (s.empty()) return 0;
  absl::StatusOr<int64_t> d = model::ParseDurationMs(s);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", d.status().message()));
  }
  return *d;
}

StrMap Map(const YAML::Node& n) {
  StrMap m;
  if (n && n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      m[it->first.Scalar()] = Scalar(it->second);
    }
  }
  return m;
}

std::string MapString(const StrMap& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, "=", model::QuoteString(v)));
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

// Equal, or neighbours in the float64 bit order (promtool's fuzzy_compare).
bool FloatsMatch(double a, double b, bool fuzzy) {
  if (a == b) return true;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (!fuzzy) return false;
  int64_t ia, ib;
  std::memcpy(&ia, &a, 8);
  std::memcpy(&ib, &b, 8);
  if ((ia < 0) != (ib < 0)) return false;
  int64_t d = ia > ib ? ia - ib : ib - ia;
  return d <= 1;
}

std::string FormatMs(int64_t ms) { return model::FormatDurationMs(ms); }

class GroupRunner {
 public:
  GroupRunner(const TestGroup& tg, const std::vector<RuleFile>& files,
              const std::vector<std::string>& order, int64_t eval_interval_ms,
              bool fuzzy, RuleTestReport* report)
      : tg_(tg), files_(files), order_(order), eval_ms_(eval_interval_ms),
        fuzzy_(fuzzy), report_(report) {}

  void Fail(std::string msg) {
    failures_.push_back(std::move(msg));
    ++report_->checks_failed;
  }

  void Run() {
    RunChecks();
    ++report_->groups_run;
    if (!failures_.empty()) {
      ++report_->groups_failed;
      report_->failures.push_back(
          absl::StrCat("  FAILED:\n  name: ", tg_.name, ",\n",
                       absl::StrJoin(failures_, "\n")));
    }
  }

 private:
  void RunChecks() {
    int64_t start = 0;
    if (!tg_.start.empty()) {
      absl::StatusOr<int64_t> s = model::ParseApiTimeMs(tg_.start);
      if (!s.ok()) return Fail(absl::StrCat("    start_timestamp: ", s.status().message()));
      start = *s;
    }
    int64_t interval = tg_.interval_ms > 0 ? tg_.interval_ms : eval_ms_;
    storage::MemoryStorage db;
    {
      auto app = db.NewAppender();
      for (const InputSeries& in : tg_.input) {
        absl::string_view sv = in.series;
        absl::StatusOr<model::Labels> l =
            promql::promqltest::ParseSeriesDescription(&sv);
        if (!l.ok()) {
          return Fail(absl::StrCat("    bad input series ", in.series, ": ",
                                   l.status().message()));
        }
        absl::StatusOr<std::vector<promql::promqltest::SequenceValue>> vals =
            promql::promqltest::ParseValueSequence(in.values);
        if (!vals.ok()) {
          return Fail(absl::StrCat("    bad input values for ", in.series,
                                   ": ", vals.status().message()));
        }
        storage::SeriesRef ref = 0;
        for (size_t i = 0; i < vals->size(); ++i) {
          const auto& v = (*vals)[i];
          if (v.omitted) continue;
          if (v.histogram) {
            has_histograms_ = true;
            continue;
          }
          absl::StatusOr<storage::SeriesRef> r =
              app->Append(ref, *l, start + static_cast<int64_t>(i) * interval, v.value);
          if (r.ok()) ref = *r;
        }
      }
      absl::Status c = app->Commit();
      if (!c.ok()) return Fail(absl::StrCat("    loading input: ", c.message()));
    }

    promql::Engine engine(promql::EngineOptions{});
    ManagerOptions mo;
    mo.query = EngineQueryFunc(&engine, &db);
    mo.appendable = &db;
    mo.default_interval_ms = eval_ms_;
    std::vector<std::pair<std::string, std::string>> ext(
        tg_.external_labels.begin(), tg_.external_labels.end());
    mo.external_labels = model::Labels::FromPairs(ext);
    mo.external_url = tg_.external_url;
    absl::StatusOr<std::vector<std::unique_ptr<Group>>> built =
        BuildGroups(files_, mo, false);
    if (!built.ok()) return Fail(absl::StrCat("    ", built.status().message()));
    std::vector<Group*> groups;
    for (const std::string& name : order_) {
      for (auto& g : *built) {
        if (g->name() == name) groups.push_back(g.get());
      }
    }
    for (auto& g : *built) {
      if (std::find(groups.begin(), groups.end(), g.get()) == groups.end()) {
        groups.push_back(g.get());
      }
    }

    std::vector<const AlertTest*> alert_tests;
    int64_t maxt = 0;
    for (const AlertTest& a : tg_.alerts) {
      alert_tests.push_back(&a);
      maxt = std::max(maxt, a.eval_ms);
    }
    std::stable_sort(alert_tests.begin(), alert_tests.end(),
                     [](const AlertTest* x, const AlertTest* y) {
                       return x->eval_ms < y->eval_ms;
                     });
    for (const ExprTest& e : tg_.exprs) maxt = std::max(maxt, e.eval_ms);

    size_t next_alert = 0;
    for (int64_t off = 0; off <= maxt; off += eval_ms_) {
      int64_t ts = start + off;
      for (Group* g : groups) {
        g->Eval(ts);
        for (const auto& r : g->rules()) {
          if (r->health() == RuleHealth::kBad) {
            Fail(absl::StrCat("    rule: ", r->name(), ", time: ", FormatMs(off),
                              ", err: ", r->last_error()));
          }
        }
      }
      while (next_alert < alert_tests.size() &&
             off >= alert_tests[next_alert]->eval_ms) {
        CheckAlerts(*alert_tests[next_alert], groups);
        ++next_alert;
      }
      if (eval_ms_ <= 0) break;
    }
    for (const ExprTest& e : tg_.exprs) CheckExpr(e, engine, db, start);
  }

  void CheckAlerts(const AlertTest& t, const std::vector<Group*>& groups) {
    std::vector<std::string> got;
    for (Group* g : groups) {
      for (const auto& r : g->rules()) {
        if (!r->is_alerting() || r->name() != t.alertname) continue;
        for (const Alert& a : static_cast<const AlertingRule&>(*r).ActiveAlerts()) {
          if (a.state != AlertState::kFiring) continue;
          StrMap l, an;
          for (const model::LabelView lv : a.labels) {
            l[std::string(lv.name)] = std::string(lv.value);
          }
          for (const auto& [k, v] : a.annotations) an[k] = v;
          got.push_back(absl::StrCat("{Labels:", MapString(l),
                                     " Annotations:", MapString(an), "}"));
        }
      }
    }
    std::vector<std::string> exp;
    for (const ExpAlert& e : t.exp) {
      StrMap l = e.labels;
      l["alertname"] = t.alertname;
      exp.push_back(absl::StrCat("{Labels:", MapString(l),
                                 " Annotations:", MapString(e.annotations), "}"));
    }
    std::sort(got.begin(), got.end());
    std::sort(exp.begin(), exp.end());
    if (got == exp) {
      ++report_->checks_passed;
      return;
    }
    Fail(absl::StrCat("    alertname: ", t.alertname, ", time: ",
                      FormatMs(t.eval_ms), ", \n        exp:[",
                      absl::StrJoin(exp, ", "), "], \n        got:[",
                      absl::StrJoin(got, ", "), "]"));
  }

  void CheckExpr(const ExprTest& t, promql::Engine& engine,
                 storage::MemoryStorage& db, int64_t start) {
    for (const ExpSample& s : t.exp) {
      if (s.histogram) {
        ++report_->checks_skipped;
        return;
      }
    }
    absl::StatusOr<promql::QueryResult> r =
        engine.InstantQuery(&db, t.expr, start + t.eval_ms);
    if (!r.ok()) {
      return Fail(absl::StrCat("    expr: ", model::QuoteString(t.expr),
                               ", time: ", FormatMs(t.eval_ms), ", err: ",
                               r.status().message()));
    }
    std::vector<std::pair<model::Labels, double>> got;
    if (auto* v = std::get_if<promql::Vector>(&r->value)) {
      for (const auto& s : *v) got.emplace_back(s.metric, s.v);
    } else if (auto* sc = std::get_if<promql::Scalar>(&r->value)) {
      got.emplace_back(model::Labels(), sc->v);
    } else {
      return Fail(absl::StrCat("    expr: ", model::QuoteString(t.expr),
                               ", time: ", FormatMs(t.eval_ms),
                               ", err: unsupported result type"));
    }
    std::vector<std::pair<model::Labels, double>> exp;
    for (const ExpSample& s : t.exp) {
      model::Labels l;
      if (!s.labels.empty()) {
        absl::string_view sv = s.labels;
        absl::StatusOr<model::Labels> pl =
            promql::promqltest::ParseSeriesDescription(&sv);
        if (!pl.ok()) {
          return Fail(absl::StrCat("    expr: ", model::QuoteString(t.expr),
                                   ", time: ", FormatMs(t.eval_ms),
                                   ", err: bad expected labels ", s.labels,
                                   ": ", pl.status().message()));
        }
        l = *pl;
      }
      exp.emplace_back(l, s.value);
    }
    auto by_labels = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::sort(got.begin(), got.end(), by_labels);
    std::sort(exp.begin(), exp.end(), by_labels);
    bool ok = got.size() == exp.size();
    for (size_t i = 0; ok && i < got.size(); ++i) {
      ok = got[i].first == exp[i].first &&
           FloatsMatch(got[i].second, exp[i].second, fuzzy_);
    }
    if (ok) {
      ++report_->checks_passed;
      return;
    }
    auto fmt = [](const std::vector<std::pair<model::Labels, double>>& v) {
      std::vector<std::string> parts;
      for (const auto& [l, x] : v) {
        parts.push_back(absl::StrCat(l.ToString(), " ", tmpl_float(x)));
      }
      return absl::StrJoin(parts, ", ");
    };
    Fail(absl::StrCat("    expr: ", model::QuoteString(t.expr), ", time: ",
                      FormatMs(t.eval_ms), ",\n        exp: ", fmt(exp),
                      "\n        got: ", fmt(got)));
  }

  static std::string tmpl_float(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
  }

  const TestGroup& tg_;
  const std::vector<RuleFile>& files_;
  const std::vector<std::string>& order_;
  const int64_t eval_ms_;
  const bool fuzzy_;
  RuleTestReport* report_;
  bool has_histograms_ = false;
  std::vector<std::string> failures_;
};

}  // namespace

absl::StatusOr<RuleTestReport> RunRuleTests(absl::string_view path,
                                            const RuleTestOptions& options) {
  std::string p(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(p);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a rule test file"));
  }
  static const char* kTop[] = {"rule_files", "evaluation_interval",
                               "fuzzy_compare", "group_eval_order", "tests"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string k = it->first.Scalar();
    if (std::find_if(std::begin(kTop), std::end(kTop),
                     [&](const char* x) { return k == x; }) == std::end(kTop)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": yaml: unmarshal errors:\n  line ", it->first.Mark().line + 1,
          ": field ", k, " not found in type main.unitTestFile"));
    }
  }
  RuleTestReport report;
  absl::StatusOr<int64_t> eval = Duration(root["evaluation_interval"], "evaluation_interval");
  if (!eval.ok()) return eval.status();
  int64_t eval_ms = *eval > 0 ? *eval : 60000;
  bool fuzzy = Scalar(root["fuzzy_compare"]) == "true";
  std::vector<std::string> order;
  if (root["group_eval_order"] && root["group_eval_order"].IsSequence()) {
    for (const auto& n : root["group_eval_order"]) order.push_back(Scalar(n));
  }

  // Rule files, relative to the test file.
  std::string dir = p.substr(0, p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
  std::vector<std::string> patterns;
  if (root["rule_files"] && root["rule_files"].IsSequence()) {
    for (const auto& n : root["rule_files"]) {
      std::string f = Scalar(n);
      patterns.push_back(!f.empty() && f[0] == '/' ? f : dir + f);
    }
  }
  RuleFileOptions fo;
  fo.check_expr = CheckPromQLExpr;
  fo.ignore_unknown_fields = options.ignore_unknown_fields;
  absl::StatusOr<std::vector<RuleFile>> files = LoadRuleFiles(patterns, fo);
  if (!files.ok()) {
    report.failures.push_back(absl::StrCat("  FAILED:\n",
                                           files.status().message()));
    report.groups_failed = 1;
    return report;
  }

  std::vector<TestGroup> groups;
  try {
    for (const YAML::Node& t : root["tests"]) {
      TestGroup g;
      g.name = Scalar(t["name"]);
      absl::StatusOr<int64_t> iv = Duration(t["interval"], "interval");
      if (!iv.ok()) return iv.status();
      g.interval_ms = *iv;
      g.start = Scalar(t["start_timestamp"]);
      g.external_labels = Map(t["external_labels"]);
      g.external_url = Scalar(t["external_url"]);
      for (const YAML::Node& s : t["input_series"]) {
        g.input.push_back({Scalar(s["series"]), Scalar(s["values"])});
      }
      for (const YAML::Node& a : t["alert_rule_test"]) {
        AlertTest at;
        absl::StatusOr<int64_t> et = Duration(a["eval_time"], "eval_time");
        if (!et.ok()) return et.status();
        at.eval_ms = *et;
        at.alertname = Scalar(a["alertname"]);
        for (const YAML::Node& e : a["exp_alerts"]) {
          at.exp.push_back({Map(e["exp_labels"]), Map(e["exp_annotations"])});
        }
        g.alerts.push_back(std::move(at));
      }
      for (const YAML::Node& e : t["promql_expr_test"]) {
        ExprTest et;
        et.expr = Scalar(e["expr"]);
        absl::StatusOr<int64_t> tm = Duration(e["eval_time"], "eval_time");
        if (!tm.ok()) return tm.status();
        et.eval_ms = *tm;
        for (const YAML::Node& s : e["exp_samples"]) {
          ExpSample es;
          es.labels = Scalar(s["labels"]);
          es.histogram = s["histogram"].IsDefined();
          std::string v = Scalar(s["value"]);
          if (!v.empty()) {
            std::optional<double> d = promql::promqltest::ParseNumber(v);
            if (!d) {
              return absl::InvalidArgumentError(
                  absl::StrCat(path, ": bad value ", v, " for ", et.expr));
            }
            es.value = *d;
          }
          et.exp.push_back(std::move(es));
        }
        g.exprs.push_back(std::move(et));
      }
      groups.push_back(std::move(g));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }

  for (const TestGroup& g : groups) {
    bool selected = options.run.empty();
    for (const std::string& re : options.run) {
      if (RE2::PartialMatch(g.name, re)) selected = true;
    }
    if (!selected) continue;
    GroupRunner(g, *files, order, eval_ms, fuzzy, &report).Run();
  }
  return report;
}

}  // namespace vigil::rules
