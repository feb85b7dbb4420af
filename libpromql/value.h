// The values a PromQL expression evaluates to: scalar, string, instant
// vector and range matrix, shaped for Prometheus's HTTP API JSON
// (`resultType` "scalar", "string", "vector", "matrix").
//
// Timestamps are int64 milliseconds; values float64.

#ifndef VIGIL_LIBPROMQL_VALUE_H_
#define VIGIL_LIBPROMQL_VALUE_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace vigil::promql {

// One sample of a series in a range.
struct FPoint {
  int64_t t;
  double v;
  friend bool operator==(const FPoint& a, const FPoint& b) {
    return a.t == b.t && a.v == b.v;
  }
};

// One element of an instant vector.
struct Sample {
  model::Labels metric;
  int64_t t = 0;
  double v = 0;
};
using Vector = std::vector<Sample>;

// One series of a range matrix; points in timestamp order.
struct Series {
  model::Labels metric;
  std::vector<FPoint> points;
};
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

enum class ValueType { kNone, kScalar, kString, kVector, kMatrix };

// The result of a query. monostate only for an empty/failed evaluation.
using Value = std::variant<std::monostate, Scalar, String, Vector, Matrix>;

ValueType TypeOf(const Value& v);

// "scalar", "string", "vector", "matrix" (the API's resultType), "none".
absl::string_view ValueTypeName(ValueType t);

}  // namespace vigil::promql

#endif  // VIGIL_LIBPROMQL_VALUE_H_
