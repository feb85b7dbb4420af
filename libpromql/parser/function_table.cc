#include "libpromql/parser/function_table.h"

#include <algorithm>

namespace vigil::promql::parser {

const std::vector<Function>& AllFunctions() {
  // name, argument types, variadic, return type, experimental.
  static const auto* const kFunctions = [] {
    auto* v = new std::vector<Function>{
      {"abs", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"absent", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"absent_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"acos", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"acosh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"asin", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"asinh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"atan", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"atanh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"avg_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"ceil", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"changes", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"clamp", {ValueType::kVector, ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kVector, false},
      {"clamp_max", {ValueType::kVector, ValueType::kScalar}, 0, ValueType::kVector, false},
      {"clamp_min", {ValueType::kVector, ValueType::kScalar}, 0, ValueType::kVector, false},
      {"cos", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"cosh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"count_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"day_of_month", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"day_of_week", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"day_of_year", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"days_in_month", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"deg", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"delta", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"deriv", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"double_exponential_smoothing", {ValueType::kMatrix, ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kVector, true},
      {"end", {}, 0, ValueType::kScalar, true},
      {"exp", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"first_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"floor", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_avg", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_count", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_fraction", {ValueType::kScalar, ValueType::kScalar, ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_quantile", {ValueType::kScalar, ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_quantiles", {ValueType::kVector, ValueType::kString, ValueType::kScalar, ValueType::kScalar}, 9, ValueType::kVector, true},
      {"histogram_stddev", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_stdvar", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"histogram_sum", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"hour", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"idelta", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"increase", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"info", {ValueType::kVector, ValueType::kVector}, 1, ValueType::kVector, true},
      {"integral", {ValueType::kMatrix, ValueType::kScalar}, 1, ValueType::kVector, true},
      {"irate", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"label_join", {ValueType::kVector, ValueType::kString, ValueType::kString, ValueType::kString}, -1, ValueType::kVector, false},
      {"label_replace", {ValueType::kVector, ValueType::kString, ValueType::kString, ValueType::kString, ValueType::kString}, 0, ValueType::kVector, false},
      {"last_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"max_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true},
      {"min_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar, true},
      {"ln", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"log10", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"log2", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"mad_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"max_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"min_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"minute", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"month", {ValueType::kVector}, 1, ValueType::kVector, false},
      {"pi", {}, 0, ValueType::kScalar, false},
      {"predict_linear", {ValueType::kMatrix, ValueType::kScalar}, 0, ValueType::kVector, false},
      {"present_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"quantile_over_time", {ValueType::kScalar, ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"rad", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"range", {}, 0, ValueType::kScalar, true},
      {"rate", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"resets", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"round", {ValueType::kVector, ValueType::kScalar}, 1, ValueType::kVector, false},
      {"scalar", {ValueType::kVector}, 0, ValueType::kScalar, false},
      {"sgn", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"sin", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"sinh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"sort", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"sort_by_label", {ValueType::kVector, ValueType::kString}, -1, ValueType::kVector, true},
      {"sort_by_label_desc", {ValueType::kVector, ValueType::kString}, -1, ValueType::kVector, true},
      {"sort_desc", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"sqrt", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"start", {}, 0, ValueType::kScalar, true},
      {"start_timestamp", {ValueType::kVector}, 0, ValueType::kVector, true},
      {"stddev_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"stdvar_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"step", {}, 0, ValueType::kScalar, true},
      {"sum_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, false},
      {"tan", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"tanh", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"time", {}, 0, ValueType::kScalar, false},
      {"timestamp", {ValueType::kVector}, 0, ValueType::kVector, false},
      {"ts_of_first_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"ts_of_last_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"ts_of_max_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"ts_of_min_over_time", {ValueType::kMatrix}, 0, ValueType::kVector, true},
      {"vector", {ValueType::kScalar}, 0, ValueType::kVector, false},
      {"year", {ValueType::kVector}, 1, ValueType::kVector, false},
    };
    std::sort(v->begin(), v->end(),
              [](const Function& a, const Function& b) { return a.name < b.name; });
    return v;
  }();
  return *kFunctions;
}

const Function* LookupFunction(absl::string_view name) {
  const std::vector<Function>& all = AllFunctions();
  auto it = std::lower_bound(
      all.begin(), all.end(), name,
      [](const Function& f, absl::string_view n) { return f.name < n; });
  if (it == all.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace vigil::promql::parser
