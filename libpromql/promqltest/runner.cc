#include "libpromql/promqltest/runner.h"

#include <cmath>
#include <memory>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "libpromql/parser/parser.h"
#include "libpromql/parser/function_table.h"
#include "libpromql/parser/printer.h"
#include "libtsdb/storage/memory_storage.h"
#include "model/matcher.h"
#include "model/value.h"
#include "re2/re2.h"

namespace vigil::promql::promqltest {
namespace {

using Kind = EvalOutcome::Kind;

// Whether any vector selector of `e` selects one of `series`.
bool SelectsAny(const parser::Expr& e, const std::vector<model::Labels>& series) {
  if (e.Is<parser::VectorSelector>()) {
    const auto& ms = e.As<parser::VectorSelector>().matchers;
    for (const model::Labels& l : series) {
      if (model::MatchesAll(ms, l)) return true;
    }
    return false;
  }
  for (const parser::Expr* c : parser::Children(e)) {
    if (SelectsAny(*c, series)) return true;
  }
  return false;
}

std::string FormatValue(double v) {
  if (model::IsStaleNaN(v)) return "stale";
  return absl::StrCat(v);
}

bool MatchesExpectation(const AnnotationExpectation& e, absl::string_view text) {
  switch (e.mode) {
    case AnnotationExpectation::Mode::kAny:
      return true;
    case AnnotationExpectation::Mode::kMessage:
      return absl::StripAsciiWhitespace(text) == e.text;
    case AnnotationExpectation::Mode::kRegex:
      return re2::RE2::PartialMatch(std::string(text), re2::RE2(e.text));
  }
  return false;
}

// Checks `expect warn` / `expect info` / `no_warn` / `no_info`.
std::string CheckAnnotations(absl::string_view kind,
                             const std::vector<AnnotationExpectation>& expect,
                             bool expect_none,
                             const std::vector<std::string>& got) {
  if (expect_none && !got.empty()) {
    return absl::StrCat("unexpected ", kind, " annotations: ",
                        absl::StrJoin(got, "; "));
  }
  if (expect.empty()) return "";
  for (const AnnotationExpectation& e : expect) {
    bool found = false;
    for (const std::string& g : got) found = found || MatchesExpectation(e, g);
    if (!found) {
      return absl::StrCat("expected ", kind, " annotation \"", e.text,
                          "\" not found in [", absl::StrJoin(got, "; "), "]");
    }
  }
  for (const std::string& g : got) {
    bool matched = false;
    for (const AnnotationExpectation& e : expect) {
      matched = matched || MatchesExpectation(e, g);
    }
    if (!matched) {
      return absl::StrCat("unexpected ", kind, " annotation: ", g);
    }
  }
  return "";
}

// Compares a matrix with expected series on a grid start + i*step.
std::string CompareMatrix(const Matrix& got,
                          const std::vector<SeriesLine>& expected,
                          int64_t start, int64_t step) {
  absl::flat_hash_map<model::Labels, const SeriesLine*> want;
  for (const SeriesLine& s : expected) want[s.labels] = &s;
  for (size_t i = 1; i < got.size(); ++i) {
    if (!(got[i - 1].metric < got[i].metric)) {
      return "range result is not sorted by labels";
    }
  }
  for (const Series& s : got) {
    auto it = want.find(s.metric);
    if (it == want.end()) {
      return absl::StrCat("unexpected series ", s.metric.ToString());
    }
    const SeriesLine& e = *it->second;
    std::vector<FPoint> exp;
    for (size_t i = 0; i < e.values.size(); ++i) {
      if (e.values[i].omitted) continue;
      exp.push_back(FPoint{start + static_cast<int64_t>(i) * step,
                           e.values[i].value});
    }
    if (exp.size() != s.points.size()) {
      return absl::StrCat("series ", s.metric.ToString(), ": expected ",
                          exp.size(), " points, got ", s.points.size());
    }
    for (size_t i = 0; i < exp.size(); ++i) {
      if (exp[i].t != s.points[i].t || !AlmostEqual(exp[i].v, s.points[i].v)) {
        return absl::StrCat("series ", s.metric.ToString(), " point ", i,
                            ": expected ", FormatValue(exp[i].v), " @",
                            exp[i].t, ", got ", FormatValue(s.points[i].v),
                            " @", s.points[i].t);
      }
    }
  }
  for (const SeriesLine& e : expected) {
    bool found = false;
    for (const Series& s : got) found = found || s.metric == e.labels;
    bool all_omitted = true;
    for (const SequenceValue& v : e.values) all_omitted = all_omitted && v.omitted;
    if (!found && !all_omitted) {
      return absl::StrCat("missing series ", e.labels.ToString());
    }
  }
  return "";
}

std::string CompareVector(const Vector& got, const EvalCommand& ev) {
  if (got.size() != ev.expected.size()) {
    std::vector<std::string> names;
    for (const Sample& s : got) {
      names.push_back(absl::StrCat(s.metric.ToString(), " ", FormatValue(s.v)));
    }
    return absl::StrCat("expected ", ev.expected.size(), " samples, got ",
                        got.size(), ": [", absl::StrJoin(names, ", "), "]");
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const Sample& s = got[i];
    const SeriesLine* e = nullptr;
    size_t idx = 0;
    for (size_t j = 0; j < ev.expected.size(); ++j) {
      if (ev.expected[j].labels == s.metric) {
        e = &ev.expected[j];
        idx = j;
      }
    }
    if (e == nullptr) {
      return absl::StrCat("unexpected sample ", s.metric.ToString(), " ",
                          FormatValue(s.v));
    }
    if (ev.ordered && idx != i) {
      return absl::StrCat("sample ", s.metric.ToString(), " at position ", i,
                          ", expected at ", idx);
    }
    if (s.t != ev.start_ms) {
      return absl::StrCat("sample ", s.metric.ToString(), " has timestamp ",
                          s.t, ", expected ", ev.start_ms);
    }
    if (!AlmostEqual(e->values[0].value, s.v)) {
      return absl::StrCat("sample ", s.metric.ToString(), ": expected ",
                          FormatValue(e->values[0].value), ", got ",
                          FormatValue(s.v));
    }
  }
  return "";
}

std::string CheckResult(const EvalCommand& ev,
                        const absl::StatusOr<QueryResult>& r) {
  if (ev.expect_fail) {
    if (r.ok()) return "expected the query to fail, it succeeded";
    if (ev.fail_match &&
        !MatchesExpectation(*ev.fail_match, r.status().message())) {
      return absl::StrCat("error \"", r.status().message(),
                          "\" does not match \"", ev.fail_match->text, "\"");
    }
    return "";
  }
  if (!r.ok()) return absl::StrCat("query failed: ", r.status().ToString());
  std::string a = CheckAnnotations("warn", ev.expect_warn, ev.expect_no_warn,
                                   r->warnings);
  if (!a.empty()) return a;
  a = CheckAnnotations("info", ev.expect_info, ev.expect_no_info, r->infos);
  if (!a.empty()) return a;
  const Value& v = r->value;
  if (ev.expect_string) {
    if (!std::holds_alternative<String>(v)) return "expected a string result";
    if (std::get<String>(v).v != *ev.expect_string) {
      return absl::StrCat("expected string \"", *ev.expect_string, "\", got \"",
                          std::get<String>(v).v, "\"");
    }
    return "";
  }
  if (ev.expect_scalar) {
    if (!std::holds_alternative<Scalar>(v)) {
      return absl::StrCat("expected a scalar, got ", ValueTypeName(TypeOf(v)));
    }
    if (!AlmostEqual(*ev.expect_scalar, std::get<Scalar>(v).v)) {
      return absl::StrCat("expected scalar ", FormatValue(*ev.expect_scalar),
                          ", got ", FormatValue(std::get<Scalar>(v).v));
    }
    return "";
  }
  if (ev.is_range) {
    if (!std::holds_alternative<Matrix>(v)) return "expected a matrix result";
    return CompareMatrix(std::get<Matrix>(v), ev.expected, ev.start_ms,
                         ev.step_ms);
  }
  if (ev.expect_range_vector) {
    if (!std::holds_alternative<Matrix>(v)) {
      return absl::StrCat("expected a range vector, got ",
                          ValueTypeName(TypeOf(v)));
    }
    return CompareMatrix(std::get<Matrix>(v), ev.expected, ev.rv_start_ms,
                         ev.rv_step_ms);
  }
  if (std::holds_alternative<Scalar>(v)) {
    if (ev.expected.size() == 1 &&
        AlmostEqual(ev.expected[0].values[0].value, std::get<Scalar>(v).v)) {
      return "";
    }
    return "expected a vector, got a scalar";
  }
  if (!std::holds_alternative<Vector>(v)) {
    return absl::StrCat("expected a vector, got ", ValueTypeName(TypeOf(v)));
  }
  return CompareVector(std::get<Vector>(v), ev);
}

// Expected (labels, value) pairs of an instant eval.
std::vector<std::pair<model::Labels, double>> ExpectedPairs(const EvalCommand& ev) {
  std::vector<std::pair<model::Labels, double>> out;
  if (ev.expect_scalar) {
    out.emplace_back(model::Labels(), *ev.expect_scalar);
    return out;
  }
  for (const SeriesLine& s : ev.expected) out.emplace_back(s.labels, s.values[0].value);
  return out;
}

std::string ComparePairs(std::vector<std::pair<model::Labels, double>> got,
                         const EvalCommand& ev) {
  std::vector<std::pair<model::Labels, double>> want = ExpectedPairs(ev);
  if (got.size() != want.size()) {
    return absl::StrCat("expected ", want.size(), " results, got ", got.size());
  }
  for (const auto& [l, v] : got) {
    bool ok = false;
    for (const auto& [wl, wv] : want) {
      if (wl == l) {
        if (!AlmostEqual(wv, v)) {
          return absl::StrCat(l.ToString(), ": expected ", FormatValue(wv),
                              ", got ", FormatValue(v));
        }
        ok = true;
      }
    }
    if (!ok) return absl::StrCat("unexpected ", l.ToString());
  }
  return "";
}

std::string CheckRangeMode(Engine* engine, storage::Queryable* st,
                           const EvalCommand& ev) {
  const int64_t t = ev.start_ms;
  absl::StatusOr<QueryResult> r =
      engine->RangeQuery(st, ev.expr, t - 60000, t + 60000, 60000);
  if (!r.ok()) return absl::StrCat("range query failed: ", r.status().ToString());
  std::vector<std::pair<model::Labels, double>> got;
  for (const Series& s : std::get<Matrix>(r->value)) {
    for (const FPoint& p : s.points) {
      if (p.t == t) got.emplace_back(s.metric, p.v);
    }
  }
  return ComparePairs(std::move(got), ev);
}

bool CallsAtUnsafe(const parser::Expr& e) {
  if (e.Is<parser::Call>()) {
    absl::string_view n = e.As<parser::Call>().func->name;
    for (absl::string_view u :
         {"time", "timestamp", "hour", "minute", "month", "year", "day_of_month",
          "day_of_week", "day_of_year", "days_in_month", "predict_linear",
          "start", "end", "range", "step"}) {
      if (n == u) return true;
    }
  }
  for (const parser::Expr* c : parser::Children(e)) {
    if (CallsAtUnsafe(*c)) return true;
  }
  return false;
}

// Adds `@ t` to every selector and subquery without one (not descending
// into subqueries, which then carry the @).
void AddAt(parser::Expr* e, int64_t t) {
  if (e->Is<parser::VectorSelector>()) {
    auto& vs = e->As<parser::VectorSelector>();
    if (vs.at == parser::AtModifier::kNone) {
      vs.at = parser::AtModifier::kTimestamp;
      vs.timestamp_ms = t;
    }
    return;
  }
  if (e->Is<parser::SubqueryExpr>()) {
    auto& sq = e->As<parser::SubqueryExpr>();
    if (sq.at == parser::AtModifier::kNone) {
      sq.at = parser::AtModifier::kTimestamp;
      sq.timestamp_ms = t;
    }
    return;
  }
  for (parser::Expr* c : parser::Children(*e)) AddAt(c, t);
}

std::string CheckAtInvariance(Engine* engine, storage::Queryable* st,
                              const EvalCommand& ev, bool* checked) {
  *checked = false;
  absl::StatusOr<std::unique_ptr<parser::Expr>> e = parser::ParseExpr(ev.expr);
  if (!e.ok() || CallsAtUnsafe(**e)) return "";
  *checked = true;
  const int64_t t = ev.start_ms;
  AddAt(e->get(), t);
  std::string q = parser::Format(**e);
  std::vector<int64_t> times =
      t == 0 ? std::vector<int64_t>{-1000, 0, 1000}
             : std::vector<int64_t>{-10 * t, 0, t / 5, t, 10 * t};
  for (int64_t at : times) {
    absl::StatusOr<QueryResult> r = engine->InstantQuery(st, q, at);
    if (!r.ok()) {
      return absl::StrCat(q, " at ", at, ": ", r.status().ToString());
    }
    std::vector<std::pair<model::Labels, double>> got;
    if (std::holds_alternative<Scalar>(r->value)) {
      got.emplace_back(model::Labels(), std::get<Scalar>(r->value).v);
    } else if (std::holds_alternative<Vector>(r->value)) {
      for (const Sample& s : std::get<Vector>(r->value)) got.emplace_back(s.metric, s.v);
    } else {
      return "";
    }
    std::string err = ComparePairs(std::move(got), ev);
    if (!err.empty()) return absl::StrCat(q, " at ", at, ": ", err);
  }
  return "";
}

}  // namespace

bool AlmostEqual(double a, double b) {
  if (model::IsStaleNaN(a) || model::IsStaleNaN(b)) {
    return model::IsStaleNaN(a) && model::IsStaleNaN(b);
  }
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || std::fabs(a) + std::fabs(b) < kMinNormal) {
    return diff < 1e-6 * kMinNormal;
  }
  return diff / (std::fabs(a) + std::fabs(b)) < 1e-6;
}

EngineOptions ConformanceEngineOptions() {
  EngineOptions o;
  o.lookback_delta_ms = 5 * 60 * 1000;
  o.max_samples = 10000;
  o.timeout = absl::Seconds(100);
  return o;
}

Runner::Runner(EngineOptions options) : options_(options) {}

FileResult Runner::RunText(absl::string_view text) {
  absl::StatusOr<Script> s = ParseScript(text);
  if (!s.ok()) {
    FileResult r;
    r.failed = 1;
    r.outcomes.push_back(
        EvalOutcome{Kind::kFailed, 0, "", std::string(s.status().message())});
    return r;
  }
  return Run(*s);
}

FileResult Runner::Run(const Script& script) {
  FileResult result;
  Engine engine(options_);
  auto storage = std::make_unique<storage::MemoryStorage>();
  // Series holding native histogram samples since the last clear.
  std::vector<model::Labels> histogram_series;
  bool start_timestamps = false;

  for (const Command& cmd : script.commands) {
    switch (cmd.kind) {
      case Command::Kind::kClear:
        storage->Clear();
        histogram_series.clear();
        start_timestamps = false;
        break;
      case Command::Kind::kLoad: {
        const LoadCommand& load = cmd.load;
        if (load.has_start_timestamps) start_timestamps = true;
        std::unique_ptr<storage::Appender> app = storage->NewAppender();
        for (const SeriesLine& s : load.series) {
          std::string name(s.labels.MetricName());
          if (s.has_histogram) histogram_series.push_back(s.labels);
          if (load.with_nhcb) {
            // The native histogram with custom buckets built from a family.
            for (absl::string_view suffix : {"_bucket", "_count", "_sum"}) {
              if (absl::EndsWith(name, suffix)) {
                model::LabelsBuilder b(s.labels);
                b.Del("le");
                b.Set(model::kMetricName,
                      name.substr(0, name.size() - suffix.size()));
                histogram_series.push_back(b.Build());
              }
            }
          }
          for (size_t i = 0; i < s.values.size(); ++i) {
            const SequenceValue& v = s.values[i];
            if (v.omitted || v.histogram) continue;
            // Errors (duplicates of an earlier load) are ignored, as the
            // reference storage drops them.
            (void)app->Append(0, s.labels,
                              static_cast<int64_t>(i) * load.interval_ms,
                              v.value);
          }
        }
        (void)app->Commit();
        break;
      }
      case Command::Kind::kEval: {
        const EvalCommand& ev = cmd.eval;
        EvalOutcome o;
        o.line = ev.line;
        o.expr = ev.expr;
        std::string skip;
        {
          parser::ParseOptions plain;
          plain.enable_experimental_functions = false;
          plain.enable_duration_expressions = false;
          plain.enable_extended_range_selectors = false;
          plain.enable_binop_fill_modifiers = false;
          o.core = parser::ParseExpr(ev.expr, plain).ok() && !start_timestamps;
        }
        if (ev.expected_has_histogram) {
          skip = "expects native histogram results";
        } else if (start_timestamps) {
          skip = "data with start timestamps";
        } else if (!histogram_series.empty()) {
          absl::StatusOr<std::unique_ptr<parser::Expr>> e =
              parser::ParseExpr(ev.expr);
          if (e.ok() && SelectsAny(**e, histogram_series)) {
            skip = "selects series with native histogram samples";
          }
        }
        if (!skip.empty()) {
          if (!start_timestamps) {
            o.native_histogram = true;
            o.core = false;
          }
          o.kind = Kind::kSkipped;
          o.message = skip;
          result.skipped++;
          result.outcomes.push_back(std::move(o));
          break;
        }
        absl::StatusOr<QueryResult> r =
            ev.is_range ? engine.RangeQuery(storage.get(), ev.expr, ev.start_ms,
                                            ev.end_ms, ev.step_ms)
                        : engine.InstantQuery(storage.get(), ev.expr,
                                              ev.start_ms);
        if (!r.ok() && r.status().code() == absl::StatusCode::kUnimplemented) {
          o.kind = Kind::kSkipped;
          o.message = std::string(r.status().message());
          result.skipped++;
          result.outcomes.push_back(std::move(o));
          break;
        }
        std::string err = CheckResult(ev, r);
        if (err.empty()) {
          o.kind = Kind::kPassed;
          result.passed++;
          const bool plain = !ev.is_range && !ev.expect_fail &&
                             !ev.expect_range_vector && !ev.expect_string &&
                             !ev.ordered;
          if (extra_checks_ && plain) {
            const std::string& x = ev.expr;
            if (!absl::StrContains(x, "start()") && !absl::StrContains(x, "end()") &&
                !absl::StrContains(x, "range()") && !absl::StrContains(x, "step()")) {
              result.range_checked++;
              std::string e2 = CheckRangeMode(&engine, storage.get(), ev);
              if (!e2.empty()) {
                result.range_failed++;
                result.extra_failures.push_back(EvalOutcome{
                    Kind::kFailed, ev.line, ev.expr, "range mode: " + e2});
              }
            }
            bool checked = false;
            std::string e3 = CheckAtInvariance(&engine, storage.get(), ev, &checked);
            if (checked) result.at_checked++;
            if (!e3.empty()) {
              result.at_failed++;
              result.extra_failures.push_back(
                  EvalOutcome{Kind::kFailed, ev.line, ev.expr, "@ check: " + e3});
            }
          }
        } else {
          o.kind = Kind::kFailed;
          o.message = std::move(err);
          result.failed++;
        }
        result.outcomes.push_back(std::move(o));
        break;
      }
    }
  }
  return result;
}

}  // namespace vigil::promql::promqltest
