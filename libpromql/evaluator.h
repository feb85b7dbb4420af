// The PromQL evaluator (internal to //libpromql:engine): evaluates an AST
// over a grid of steps `start, start+interval, ..., end`.
//
// Every instant-vector or scalar expression evaluates to a matrix whose
// series hold one point per step where they have a value (a scalar is one
// series with a point at every step). Operators, aggregations and
// instant-vector functions walk these column by column; functions over
// range vectors slide a window over each series' samples, so each
// selector is read once per query, one series at a time.
//
// Evaluation errors are absl::Status values (no exceptions). Names
// scheduled for removal (`drop_name`) are removed by the engine at the
// end, as Prometheus 3.x's delayed __name__ removal does.
//
// Thread safety: an Evaluator and its QueryContext serve one query on one
// thread.

#ifndef VIGIL_LIBPROMQL_EVALUATOR_H_
#define VIGIL_LIBPROMQL_EVALUATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libpromql/engine.h"
#include "libpromql/parser/ast.h"
#include "libpromql/value.h"
#include "libtsdb/storage/querier.h"

namespace vigil::promql::internal {

struct ESeries {
  model::Labels metric;
  std::vector<FPoint> points;
  bool drop_name = false;
};
using EMatrix = std::vector<ESeries>;

struct ESample {
  model::Labels metric;
  double v = 0;
  bool drop_name = false;
};
using EVector = std::vector<ESample>;

// The value of a node over the whole step grid.
struct EVal {
  parser::ValueType type = parser::ValueType::kNone;
  EMatrix m;         // vector, scalar (one series) or range matrix
  std::string str;   // string
};

inline constexpr char kTooManySamples[] =
    "query processing would load too many samples into memory in query "
    "execution";

// State shared by all evaluators of one query.
struct QueryContext {
  storage::Querier* querier = nullptr;
  int64_t lookback_ms = 5 * 60 * 1000;
  // Step of a subquery written without one (`[5m:]`).
  int64_t default_step_ms = 60 * 1000;
  int64_t max_samples = 50000000;
  int64_t current_samples = 0;
  QueryStats* stats = nullptr;
  absl::Time deadline = absl::InfiniteFuture();
  const CancelToken* cancel = nullptr;
  // The outermost query's range, for @ start() / @ end().
  int64_t query_start = 0;
  int64_t query_end = 0;
  int64_t query_step = 0;
  bool range_query = false;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  int64_t checks = 0;

  void Warn(std::string w);
  void Info(std::string i);
  // Cancellation and timeout, checked every call (cheap on most calls).
  absl::Status CheckInterrupt();
  // Accounts `n` more samples held; ResourceExhausted above max_samples.
  absl::Status Acquire(int64_t n);
  void Release(int64_t n) { current_samples -= n; }
};

// Builds per-step vectors out of a matrix, advancing monotonically.
class StepReader {
 public:
  explicit StepReader(const EMatrix* m) : m_(m), pos_(m->size(), 0) {}
  // The samples of every series that has a point at `ts`.
  void At(int64_t ts, EVector* out);

 private:
  const EMatrix* m_;
  std::vector<size_t> pos_;
};

// Collects per-step output samples into series keyed by label set.
class SeriesAccumulator {
 public:
  // Fails with "vector cannot contain metrics with the same labelset" when
  // the series already has a point at `ts`.
  absl::Status Add(int64_t ts, ESample s);
  EMatrix Take() { return std::move(out_); }
  size_t points() const { return points_; }

 private:
  EMatrix out_;
  absl::flat_hash_map<model::Labels, size_t> index_;
  size_t points_ = 0;
};

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
      : ctx_(ctx), start_(start), end_(end), interval_(interval) {}

  absl::StatusOr<EVal> Eval(const parser::Expr& e);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  size_t NumSteps() const {
    return static_cast<size_t>((end_ - start_) / interval_) + 1;
  }
  int64_t StepTime(size_t i) const {
    return start_ + static_cast<int64_t>(i) * interval_;
  }
  QueryContext* ctx() { return ctx_; }

  // A scalar EVal with `v(step)` at every step.
  template <typename F>
  EVal MakeScalar(F v) {
    EVal out;
    out.type = parser::ValueType::kScalar;
    out.m.resize(1);
    out.m[0].points.reserve(NumSteps());
    for (size_t i = 0; i < NumSteps(); ++i) {
      out.m[0].points.push_back(FPoint{StepTime(i), v(i)});
    }
    return out;
  }

  // The resolved @ time of a selector or subquery, if any.
  std::optional<int64_t> AtTime(parser::AtModifier at,
                                const std::optional<int64_t>& ts) const;

 private:
  // With `timestamps`, values are the sample timestamps in seconds (for
  // timestamp(selector)).
  absl::StatusOr<EVal> EvalVectorSelector(const parser::VectorSelector& vs,
                                          bool timestamps = false);
  // A matrix selector or subquery evaluated at a single instant (instant
  // query of `x[5m]`): raw samples of the window.
  absl::StatusOr<EVal> EvalRangeAtInstant(const parser::Expr& e);
  absl::StatusOr<EVal> EvalSubqueryInner(const parser::SubqueryExpr& sq,
                                         int64_t* range_ms, int64_t* offset_ms,
                                         std::optional<int64_t>* at);

  // functions.cc
  absl::StatusOr<EVal> EvalCall(const parser::Call& call);
  absl::StatusOr<EVal> EvalRangeFunction(const parser::Call& call,
                                         size_t matrix_arg);
  absl::StatusOr<EVal> EvalLabelReplace(const parser::Call& call);
  absl::StatusOr<EVal> EvalLabelJoin(const parser::Call& call);
  absl::StatusOr<EVal> EvalTimestamp(const parser::Call& call);
  absl::StatusOr<EVal> EvalHistogramQuantile(const parser::Call& call);
  absl::StatusOr<EVal> EvalHistogramFraction(const parser::Call& call);
  absl::StatusOr<EVal> EvalInfo(const parser::Call& call);

  // aggregations.cc
  absl::StatusOr<EVal> EvalAggregate(const parser::AggregateExpr& agg);

  // binary_ops.cc
  absl::StatusOr<EVal> EvalBinary(const parser::BinaryExpr& b);
  absl::StatusOr<EVal> EvalUnary(const parser::UnaryExpr& u);

  QueryContext* ctx_;
  int64_t start_;
  int64_t end_;
  int64_t interval_;
};

// Merges series with identical label sets (after a relabelling); fails
// when two of them have a point at the same time.
absl::StatusOr<EMatrix> MergeSameLabelset(EMatrix m);

// Counts the points of a matrix.
int64_t CountPoints(const EMatrix& m);

// Go's strconv.FormatFloat(v, 'f', -1, 64) / 'g' forms used in labels.
std::string FormatFloatForLabel(double v);

// Unwraps ParenExpr and StepInvariantExpr.
const parser::Expr& Unwrap(const parser::Expr& e);

}  // namespace vigil::promql::internal

#endif  // VIGIL_LIBPROMQL_EVALUATOR_H_
