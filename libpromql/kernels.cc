#include "libpromql/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil::promql::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Sorts NaN first, then ascending (Prometheus's vectorByValueHeap).
void SortNaNFirst(std::vector<double>* v) {
  std::sort(v->begin(), v->end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
}

}  // namespace

double KahanInc(double inc, double sum, double* c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    *c += (sum - t) + inc;
  } else {
    *c += (inc - t) + sum;
  }
  return t;
}

std::optional<double> ExtrapolatedRate(absl::Span<const FPoint> points,
                                       int64_t range_start, int64_t range_end,
                                       int64_t range_ms, bool is_counter,
                                       bool is_rate) {
  if (points.size() < 2) return std::nullopt;
  size_t n1 = points.size() - 1;
  int64_t first_t = points[0].t;
  int64_t last_t = points[n1].t;
  double result = points[n1].v - points[0].v;
  if (is_counter) {
    for (size_t i = 1; i < points.size(); ++i) {
      if (points[i].v < points[i - 1].v) result += points[i - 1].v;
    }
  }
  double duration_to_start = static_cast<double>(first_t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - last_t) / 1000;
  double sampled_interval = static_cast<double>(last_t - first_t) / 1000;
  double avg_between = sampled_interval / static_cast<double>(n1);
  double threshold = avg_between * 1.1;
  if (duration_to_start >= threshold) duration_to_start = avg_between / 2;
  if (is_counter) {
    double duration_to_zero = duration_to_start;
    if (result > 0 && points[0].v >= 0) {
      duration_to_zero = sampled_interval * (points[0].v / result);
    }
    if (duration_to_zero < duration_to_start) {
      duration_to_start = duration_to_zero;
    }
  }
  if (duration_to_end >= threshold) duration_to_end = avg_between / 2;
  double factor =
      (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  return result * factor;
}

namespace {

double Interpolate(FPoint p1, FPoint p2, int64_t t, bool is_counter) {
  double y1 = p1.v;
  double y2 = p2.v;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) /
                  static_cast<double>(p2.t - p1.t);
}

}  // namespace

std::optional<double> ExtendedRate(absl::Span<const FPoint> f,
                                   int64_t range_start, int64_t range_end,
                                   int64_t range_ms, bool is_counter,
                                   bool is_rate, bool smoothed) {
  if (f.empty()) return std::nullopt;
  // Index of the first sample > range_start, minus one, within [0, last).
  size_t last = f.size() - 1;
  size_t first = 0;
  {
    size_t k = 0;
    while (k < last && f[k].t <= range_start) ++k;
    first = k == 0 ? 0 : k - 1;
  }
  if (smoothed) {
    size_t k = 0;
    while (k < last && f[k].t < range_end) ++k;
    last = k;
  }
  if (f[last].t <= range_start) return std::nullopt;
  double left = f[first].v;
  if (smoothed && f[first].t < range_start && first + 1 < f.size()) {
    left = Interpolate(f[first], f[first + 1], range_start, is_counter);
  }
  double right = f[last].v;
  if (smoothed && last > 0 && f[last].t > range_end) {
    right = Interpolate(f[last - 1], f[last], range_end, is_counter);
  }
  double result = right - left;
  if (is_counter) {
    size_t lo = first, hi = last;
    if (f[lo].t <= range_start) ++lo;
    if (f[hi].t >= range_end) {
      if (hi == 0) {
        hi = 0;
        lo = 1;  // empty
      } else {
        --hi;
      }
    }
    double correction = 0;
    double prev = left;
    for (size_t i = lo; i <= hi && i < f.size(); ++i) {
      if (f[i].v < prev) correction += prev;
      prev = f[i].v;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (is_rate) result /= static_cast<double>(range_ms) / 1000;
  return result;
}

std::optional<double> InstantValue(absl::Span<const FPoint> points,
                                   bool is_rate) {
  if (points.size() < 2) return std::nullopt;
  FPoint a = points[points.size() - 2];
  FPoint b = points[points.size() - 1];
  int64_t interval = b.t - a.t;
  if (interval == 0) return std::nullopt;
  double result = b.v;
  if (!is_rate || !(b.v < a.v)) result = b.v - a.v;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

std::optional<double> AvgOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double sum = p[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < p.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double nc = c;
      double ns = KahanInc(p[i].v, sum, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= (count - 1);
    }
    double q = (count - 1) / count;
    double qc = q * c;
    mean = KahanInc(p[i].v / count, q * mean, &qc);
    c = qc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

std::optional<double> SumOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double sum = 0, c = 0;
  for (const FPoint& f : p) sum = KahanInc(f.v, sum, &c);
  if (std::isinf(sum)) return sum;
  return sum + c;
}

std::optional<double> CountOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return static_cast<double>(p.size());
}

std::optional<double> MinOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double m = p[0].v;
  for (const FPoint& f : p) {
    if (f.v < m || std::isnan(m)) m = f.v;
  }
  return m;
}

std::optional<double> MaxOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double m = p[0].v;
  for (const FPoint& f : p) {
    if (f.v > m || std::isnan(m)) m = f.v;
  }
  return m;
}

std::optional<double> LastOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return p.back().v;
}

std::optional<double> FirstOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return p.front().v;
}

std::optional<double> PresentOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return 1.0;
}

std::optional<double> StdvarOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const FPoint& f : p) {
    count++;
    double delta = f.v - (mean + c_mean);
    mean = KahanInc(delta / count, mean, &c_mean);
    aux = KahanInc(delta * (f.v - (mean + c_mean)), aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

std::optional<double> StddevOverTime(absl::Span<const FPoint> p) {
  std::optional<double> v = StdvarOverTime(p);
  if (!v) return v;
  return std::sqrt(*v);
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  SortNaNFirst(values);
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

std::optional<double> MadOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  for (const FPoint& f : p) {
    if (std::isnan(f.v)) return kNaN;
  }
  std::vector<double> v;
  v.reserve(p.size());
  for (const FPoint& f : p) v.push_back(f.v);
  double median = Quantile(0.5, &v);
  v.clear();
  for (const FPoint& f : p) v.push_back(std::fabs(f.v - median));
  return Quantile(0.5, &v);
}

std::optional<double> QuantileOverTime(double q, absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  std::vector<double> v;
  v.reserve(p.size());
  for (const FPoint& f : p) v.push_back(f.v);
  return Quantile(q, &v);
}

std::optional<double> TsOfFirstOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return static_cast<double>(p.front().t) / 1000;
}

std::optional<double> TsOfLastOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  return static_cast<double>(p.back().t) / 1000;
}

std::optional<double> TsOfMinOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double m = p[0].v;
  int64_t t = p[0].t;
  for (const FPoint& f : p) {
    if (f.v <= m || std::isnan(m)) {
      m = f.v;
      t = f.t;
    }
  }
  return static_cast<double>(t) / 1000;
}

std::optional<double> TsOfMaxOverTime(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  double m = p[0].v;
  int64_t t = p[0].t;
  for (const FPoint& f : p) {
    if (f.v >= m || std::isnan(m)) {
      m = f.v;
      t = f.t;
    }
  }
  return static_cast<double>(t) / 1000;
}

std::optional<double> Changes(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  int changes = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    double a = p[i - 1].v, b = p[i].v;
    if (b != a && !(std::isnan(a) && std::isnan(b))) ++changes;
  }
  return static_cast<double>(changes);
}

std::optional<double> Resets(absl::Span<const FPoint> p) {
  if (p.empty()) return std::nullopt;
  int resets = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i].v < p[i - 1].v) ++resets;
  }
  return static_cast<double>(resets);
}

void LinearRegression(absl::Span<const FPoint> p, int64_t intercept_time_ms,
                      double* slope, double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0,
         sum_x2 = 0, c_x2 = 0;
  double init_y = p[0].v;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(p[i].t - intercept_time_ms) / 1e3;
    sum_x = KahanInc(x, sum_x, &c_x);
    sum_y = KahanInc(p[i].v, sum_y, &c_y);
    sum_xy = KahanInc(x * p[i].v, sum_xy, &c_xy);
    sum_x2 = KahanInc(x * x, sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

std::optional<double> Deriv(absl::Span<const FPoint> p) {
  if (p.size() < 2) return std::nullopt;
  double slope, intercept;
  LinearRegression(p, p[0].t, &slope, &intercept);
  return slope;
}

std::optional<double> PredictLinear(absl::Span<const FPoint> p,
                                    int64_t eval_time_ms, double seconds) {
  if (p.size() < 2) return std::nullopt;
  double slope, intercept;
  LinearRegression(p, eval_time_ms, &slope, &intercept);
  return slope * seconds + intercept;
}

std::optional<double> DoubleExponentialSmoothing(absl::Span<const FPoint> p,
                                                 double sf, double tf) {
  if (p.size() < 2) return std::nullopt;
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (size_t i = 1; i < p.size(); ++i) {
    double x = sf * p[i].v;
    // Trend at i-1: the raw trend for the first step.
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

BucketQuantileResult BucketQuantile(double q, std::vector<Bucket>* bp) {
  BucketQuantileResult r;
  r.value = kNaN;
  std::vector<Bucket>& b = *bp;
  if (std::isnan(q)) return r;
  if (q < 0) {
    r.value = -kInf;
    return r;
  }
  if (q > 1) {
    r.value = kInf;
    return r;
  }
  if (b.empty()) return r;
  std::stable_sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) {
    // NaN bounds (le="NaN") sort last, keeping the order strict and weak.
    if (std::isnan(x.upper_bound)) return false;
    if (std::isnan(y.upper_bound)) return true;
    return x.upper_bound < y.upper_bound;
  });
  if (!std::isinf(b.back().upper_bound) || b.back().upper_bound < 0) return r;
  // Coalesce buckets with the same bound.
  size_t w = 0;
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].upper_bound == b[w].upper_bound) {
      b[w].count += b[i].count;
    } else {
      b[++w] = b[i];
    }
  }
  b.resize(w + 1);
  // Precision fix: tiny relative decreases are treated as equal.
  {
    double prev = b[0].count;
    for (size_t i = 1; i < b.size(); ++i) {
      double curr = b[i].count;
      double delta = std::fabs(curr - prev);
      if (delta == 0) continue;
      if (delta / curr <= 1e-12) {
        b[i].count = prev;
        r.fixed_precision = true;
      } else {
        prev = curr;
      }
    }
  }
  // Monotonicity fix: the envelope of the counts.
  {
    double mx = b[0].count;
    for (size_t i = 1; i < b.size(); ++i) {
      if (b[i].count > mx) {
        mx = b[i].count;
      } else if (b[i].count < mx) {
        b[i].count = mx;
        r.forced_monotonicity = true;
      }
    }
  }
  if (b.size() < 2) {
    r.forced_monotonicity = false;
    r.fixed_precision = false;
    return r;
  }
  double observations = b.back().count;
  if (observations == 0) {
    r.forced_monotonicity = false;
    r.fixed_precision = false;
    return r;
  }
  double rank = q * observations;
  size_t idx = 0;
  while (idx < b.size() - 1 && !(b[idx].count >= rank)) ++idx;
  if (idx == b.size() - 1) {
    r.value = b[b.size() - 2].upper_bound;
    return r;
  }
  if (idx == 0 && b[0].upper_bound <= 0) {
    r.value = b[0].upper_bound;
    return r;
  }
  double start = 0;
  double end = b[idx].upper_bound;
  double count = b[idx].count;
  if (idx > 0) {
    start = b[idx - 1].upper_bound;
    count -= b[idx - 1].count;
    rank -= b[idx - 1].count;
  }
  r.value = start + (end - start) * (rank / count);
  return r;
}

}  // namespace vigil::promql::kernels
