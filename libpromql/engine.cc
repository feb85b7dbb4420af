#include "libpromql/engine.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libpromql/evaluator.h"
#include "libpromql/parser/parser.h"
#include "model/status_macros.h"

namespace vigil::promql {

using internal::EMatrix;
using internal::ESeries;
using internal::EVal;

struct Engine::Slots {
  absl::Mutex mu;
  int in_use ABSL_GUARDED_BY(mu) = 0;
  int waiting ABSL_GUARDED_BY(mu) = 0;
  int max = 1;
  std::atomic<uint64_t> samples_total{0};
};

namespace {

// The data time range every selector of `e` needs, given the evaluation
// range [s, e] (Prometheus's FindMinMaxTime).
void NeededRange(const parser::Expr& e, int64_t s, int64_t en,
                 int64_t lookback, int64_t qstart, int64_t qend,
                 int64_t* mint, int64_t* maxt) {
  auto at_time = [&](parser::AtModifier at,
                     const std::optional<int64_t>& ts) -> std::optional<int64_t> {
    switch (at) {
      case parser::AtModifier::kTimestamp: return ts;
      case parser::AtModifier::kStart: return qstart;
      case parser::AtModifier::kEnd: return qend;
      default: return std::nullopt;
    }
  };
  auto widen = [&](int64_t lo, int64_t hi) {
    *mint = std::min(*mint, lo);
    *maxt = std::max(*maxt, hi);
  };
  switch (e.kind) {
    case parser::NodeKind::kVectorSelector: {
      const auto& vs = e.As<parser::VectorSelector>();
      auto at = at_time(vs.at, vs.timestamp_ms);
      int64_t a = at ? *at : s, b = at ? *at : en;
      widen(a - vs.original_offset_ms - lookback,
            b - vs.original_offset_ms + (vs.smoothed ? lookback : 0));
      return;
    }
    case parser::NodeKind::kMatrixSelector: {
      const auto& ms = e.As<parser::MatrixSelector>();
      const auto& vs = *ms.vector_selector;
      auto at = at_time(vs.at, vs.timestamp_ms);
      int64_t a = at ? *at : s, b = at ? *at : en;
      const bool ext = vs.anchored || vs.smoothed;
      widen(a - vs.original_offset_ms - ms.range_ms - (ext ? lookback : 0),
            b - vs.original_offset_ms + (vs.smoothed ? lookback : 0));
      return;
    }
    case parser::NodeKind::kSubquery: {
      const auto& sq = e.As<parser::SubqueryExpr>();
      auto at = at_time(sq.at, sq.timestamp_ms);
      int64_t a = at ? *at : s, b = at ? *at : en;
      NeededRange(*sq.expr, a - sq.original_offset_ms - sq.range_ms,
                  b - sq.original_offset_ms, lookback, qstart, qend, mint, maxt);
      return;
    }
    default:
      for (const parser::Expr* c : parser::Children(e)) {
        NeededRange(*c, s, en, lookback, qstart, qend, mint, maxt);
      }
  }
}

// Drops the name and the metadata labels that travel with it.
model::Labels DropName(const model::Labels& l) {
  if (!l.Has(model::kMetricName) && !l.Has("__type__") && !l.Has("__unit__")) {
    return l;
  }
  model::LabelsBuilder b(l);
  b.Del(model::kMetricName);
  b.Del("__type__");
  b.Del("__unit__");
  return b.Build();
}

// Evaluation errors are reported as FailedPrecondition ("execution"
// errors); limits, cancellation and storage errors keep their codes.
absl::Status AsExecutionError(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kInvalidArgument) {
    return absl::FailedPreconditionError(s.message());
  }
  return s;
}

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(options), slots_(std::make_unique<Slots>()) {
  slots_->max = std::max(1, options_.max_concurrent);
}

Engine::~Engine() = default;

EngineStats Engine::Stats() const {
  EngineStats st;
  st.queries_concurrent_max = slots_->max;
  st.query_samples_total = slots_->samples_total.load(std::memory_order_relaxed);
  absl::MutexLock lock(&slots_->mu);
  st.queries = slots_->in_use + slots_->waiting;
  return st;
}

absl::StatusOr<QueryResult> Engine::InstantQuery(storage::Queryable* storage,
                                                 absl::string_view query,
                                                 int64_t time_ms,
                                                 const QueryOptions& opts) {
  return Run(storage, query, time_ms, time_ms, 0, opts);
}

absl::StatusOr<QueryResult> Engine::RangeQuery(storage::Queryable* storage,
                                               absl::string_view query,
                                               int64_t start_ms, int64_t end_ms,
                                               int64_t step_ms,
                                               const QueryOptions& opts) {
  if (step_ms <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted. "
        "Try a positive integer");
  }
  if (end_ms < start_ms) {
    return absl::InvalidArgumentError(
        "end timestamp must not be before start time");
  }
  return Run(storage, query, start_ms, end_ms, step_ms, opts);
}

absl::StatusOr<QueryResult> Engine::Run(storage::Queryable* storage,
                                        absl::string_view query,
                                        int64_t start, int64_t end,
                                        int64_t step, const QueryOptions& opts) {
  QueryResult result;
  const absl::Time t0 = absl::Now();
  const absl::Time deadline = t0 + options_.timeout;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<parser::Expr> expr,
                         parser::ParseExpr(query, options_.parse_options));
  if (parser::NeedsDurationResolution(*expr)) {
    VIGIL_RETURN_IF_ERROR(
        parser::ResolveDurations(expr.get(), step, end - start));
  }
  const bool range = step > 0;
  if (range && (end - start) / step + 1 > options_.max_samples) {
    // Even one scalar over that many steps would exceed the limit.
    return absl::ResourceExhaustedError(internal::kTooManySamples);
  }
  const parser::ValueType type = expr->type();
  if (range && type != parser::ValueType::kScalar &&
      type != parser::ValueType::kVector) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid expression type \"", parser::ValueTypeName(type),
        "\" for range query, must be Scalar or instant Vector"));
  }
  const absl::Time t1 = absl::Now();
  result.stats.parse_time = t1 - t0;

  // Wait for a concurrency slot.
  {
    absl::MutexLock lock(&slots_->mu);
    Slots* slots = slots_.get();
    auto free = [slots]() ABSL_SHARED_LOCKS_REQUIRED(slots->mu) {
      return slots->in_use < slots->max;
    };
    slots_->waiting++;
    const bool got = slots_->mu.AwaitWithDeadline(absl::Condition(&free), deadline);
    slots_->waiting--;
    if (!got) {
      return absl::DeadlineExceededError("query timed out in query queue");
    }
    slots_->in_use++;
  }
  struct Release {
    Slots* s;
    ~Release() {
      absl::MutexLock lock(&s->mu);
      s->in_use--;
    }
  } release{slots_.get()};
  const absl::Time t2 = absl::Now();
  result.stats.queue_time = t2 - t1;

  internal::QueryContext ctx;
  ctx.lookback_ms =
      opts.lookback_delta_ms > 0 ? opts.lookback_delta_ms : options_.lookback_delta_ms;
  ctx.max_samples = options_.max_samples;
  ctx.default_step_ms = options_.default_subquery_step_ms > 0
                            ? options_.default_subquery_step_ms
                            : 60 * 1000;
  ctx.stats = &result.stats;
  ctx.deadline = deadline;
  ctx.cancel = opts.cancel;
  ctx.query_start = start;
  ctx.query_end = end;
  ctx.query_step = step;
  ctx.range_query = range;

  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  NeededRange(*expr, start, end, ctx.lookback_ms, start, end, &mint, &maxt);
  if (mint > maxt) {
    mint = start;
    maxt = end;
  }
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> querier,
                         storage->NewQuerier(mint, maxt));
  ctx.querier = querier.get();

  internal::Evaluator ev(&ctx, start, end, range ? step : 1);
  absl::StatusOr<EVal> val = ev.Eval(*expr);
  if (!val.ok()) return AsExecutionError(val.status());
  result.stats.eval_time = absl::Now() - t2;
  slots_->samples_total.fetch_add(static_cast<uint64_t>(result.stats.total_samples),
                                  std::memory_order_relaxed);
  if (options_.observe_query) options_.observe_query(result.stats);
  result.warnings = std::move(ctx.warnings);
  result.infos = std::move(ctx.infos);

  EVal& v = *val;
  if (v.type == parser::ValueType::kString) {
    result.value = String{start, v.str};
    return result;
  }
  if (v.type == parser::ValueType::kScalar) {
    if (!range) {
      result.value = Scalar{start, v.m[0].points[0].v};
    } else {
      Matrix m;
      m.push_back(Series{model::Labels(), std::move(v.m[0].points)});
      result.value = std::move(m);
    }
    return result;
  }
  // Delayed __name__ removal.
  for (ESeries& s : v.m) {
    if (s.drop_name) s.metric = DropName(s.metric);
  }
  if (!range && v.type == parser::ValueType::kVector) {
    Vector out;
    out.reserve(v.m.size());
    absl::flat_hash_set<model::Labels> seen;
    for (ESeries& s : v.m) {
      if (s.points.empty()) continue;
      if (!seen.insert(s.metric).second) {
        return absl::FailedPreconditionError(
            "vector cannot contain metrics with the same labelset");
      }
      out.push_back(Sample{s.metric, s.points[0].t, s.points[0].v});
    }
    result.value = std::move(out);
    return result;
  }
  absl::StatusOr<EMatrix> merged = internal::MergeSameLabelset(std::move(v.m));
  if (!merged.ok()) return AsExecutionError(merged.status());
  Matrix out;
  out.reserve(merged->size());
  for (ESeries& s : *merged) {
    out.push_back(Series{std::move(s.metric), std::move(s.points)});
  }
  if (range || v.type == parser::ValueType::kMatrix) {
    std::sort(out.begin(), out.end(), [](const Series& a, const Series& b) {
      return a.metric < b.metric;
    });
  }
  result.value = std::move(out);
  return result;
}

}  // namespace vigil::promql
