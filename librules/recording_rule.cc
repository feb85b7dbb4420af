#include "librules/recording_rule.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace vigil::rules {

absl::StatusOr<promql::Vector> RecordingRule::Eval(int64_t ts_ms,
                                                   int64_t query_offset_ms,
                                                   const QueryFunc& query,
                                                   int limit) {
  absl::StatusOr<promql::Vector> res = query(expr(), ts_ms - query_offset_ms);
  if (!res.ok()) return res.status();
  promql::Vector vec = std::move(*res);
  model::LabelsBuilder b;
  absl::flat_hash_set<model::Labels> seen;
  seen.reserve(vec.size());
  for (promql::Sample& s : vec) {
    b.Reset(s.metric);
    b.Set(model::kMetricName, name());
    for (const model::LabelView l : labels()) b.Set(l.name, l.value);
    s.metric = b.Build();
    s.t = ts_ms - query_offset_ms;
    if (!seen.insert(s.metric).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying "
          "rule labels");
    }
  }
  if (limit > 0 && static_cast<int64_t>(vec.size()) > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exceeded limit of ", limit, " with ", vec.size(), " series"));
  }
  return vec;
}

}  // namespace vigil::rules
