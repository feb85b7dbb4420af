#include "librules/engine_query_func.h"

#include <utility>
#include <variant>

namespace vigil::rules {

QueryFunc EngineQueryFunc(promql::Engine* engine, storage::Queryable* storage) {
  return [engine, storage](absl::string_view expr,
                           int64_t t_ms) -> absl::StatusOr<promql::Vector> {
    absl::StatusOr<promql::QueryResult> r =
        engine->InstantQuery(storage, expr, t_ms);
    if (!r.ok()) return r.status();
    if (auto* v = std::get_if<promql::Vector>(&r->value)) return std::move(*v);
    if (auto* s = std::get_if<promql::Scalar>(&r->value)) {
      promql::Sample smpl;
      smpl.t = s->t;
      smpl.v = s->v;
      return promql::Vector{std::move(smpl)};
    }
    return absl::InvalidArgumentError("rule result is not a vector or scalar");
  };
}

}  // namespace vigil::rules
