// Numeric kernels of PromQL's functions, as plain functions over spans of
// FPoint (a range window) or of values. The evaluator selects the window
// and calls these; they know nothing of labels, ASTs or storage.
//
// Semantics follow Prometheus 3.x (promql/functions.go, quantile.go):
// Kahan-compensated sums, extrapolated rate/increase/delta, the bucket
// quantile with its monotonicity fix. A kernel returns std::nullopt where
// Prometheus drops the element (e.g. rate over fewer than two samples).
//
// Thread safety: all functions are pure.

#ifndef VIGIL_LIBPROMQL_KERNELS_H_
#define VIGIL_LIBPROMQL_KERNELS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "libpromql/value.h"

namespace vigil::promql::kernels {

// One step of Kahan-Babuska (Neumaier) summation: adds `inc` to `sum` with
// compensation `*c`; returns the new sum.
double KahanInc(double inc, double sum, double* c);

// rate / increase / delta over the window (range_start, range_end] of
// width range_ms. `points` are the samples inside the window.
std::optional<double> ExtrapolatedRate(absl::Span<const FPoint> points,
                                       int64_t range_start, int64_t range_end,
                                       int64_t range_ms, bool is_counter,
                                       bool is_rate);

// rate / increase / delta for the experimental `anchored` and `smoothed`
// selectors. `points` may include one sample at or before range_start and
// (smoothed) one after range_end.
std::optional<double> ExtendedRate(absl::Span<const FPoint> points,
                                   int64_t range_start, int64_t range_end,
                                   int64_t range_ms, bool is_counter,
                                   bool is_rate, bool smoothed);

// irate (is_rate) and idelta over the last two samples.
std::optional<double> InstantValue(absl::Span<const FPoint> points,
                                   bool is_rate);

std::optional<double> AvgOverTime(absl::Span<const FPoint> points);
std::optional<double> SumOverTime(absl::Span<const FPoint> points);
std::optional<double> CountOverTime(absl::Span<const FPoint> points);
std::optional<double> MinOverTime(absl::Span<const FPoint> points);
std::optional<double> MaxOverTime(absl::Span<const FPoint> points);
std::optional<double> LastOverTime(absl::Span<const FPoint> points);
std::optional<double> FirstOverTime(absl::Span<const FPoint> points);
std::optional<double> PresentOverTime(absl::Span<const FPoint> points);
std::optional<double> StdvarOverTime(absl::Span<const FPoint> points);
std::optional<double> StddevOverTime(absl::Span<const FPoint> points);
std::optional<double> MadOverTime(absl::Span<const FPoint> points);
std::optional<double> QuantileOverTime(double q,
                                       absl::Span<const FPoint> points);
// Timestamps in seconds of the first/last/min/max sample.
std::optional<double> TsOfFirstOverTime(absl::Span<const FPoint> points);
std::optional<double> TsOfLastOverTime(absl::Span<const FPoint> points);
std::optional<double> TsOfMinOverTime(absl::Span<const FPoint> points);
std::optional<double> TsOfMaxOverTime(absl::Span<const FPoint> points);
std::optional<double> Changes(absl::Span<const FPoint> points);
std::optional<double> Resets(absl::Span<const FPoint> points);

// Least-squares fit; slope per second and intercept at intercept_time_ms.
void LinearRegression(absl::Span<const FPoint> points,
                      int64_t intercept_time_ms, double* slope,
                      double* intercept);
std::optional<double> Deriv(absl::Span<const FPoint> points);
std::optional<double> PredictLinear(absl::Span<const FPoint> points,
                                    int64_t eval_time_ms, double seconds);
// Requires 0 < sf < 1 and 0 < tf < 1 (the caller reports the error).
std::optional<double> DoubleExponentialSmoothing(
    absl::Span<const FPoint> points, double sf, double tf);

// The q-quantile of `values` (sorted in place), interpolating between
// neighbours; NaN for no values or NaN q, -Inf for q<0, +Inf for q>1.
double Quantile(double q, std::vector<double>* values);

// A classic histogram bucket: upper bound `le` and cumulative count.
struct Bucket {
  double upper_bound;
  double count;
};

struct BucketQuantileResult {
  double value;
  bool forced_monotonicity = false;
  bool fixed_precision = false;
};

// histogram_quantile over classic buckets (sorted in place). NaN when
// there is no +Inf bucket, fewer than two buckets or no observations.
BucketQuantileResult BucketQuantile(double q, std::vector<Bucket>* buckets);

}  // namespace vigil::promql::kernels

#endif  // VIGIL_LIBPROMQL_KERNELS_H_
