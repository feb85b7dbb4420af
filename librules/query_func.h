// QueryFunc: the one thing rule evaluation needs from PromQL, as in
// Prometheus's rules.QueryFunc. Rules, groups and the manager depend only on
// this signature; engine_query_func.h adapts a promql::Engine to it.
//
// A QueryFunc evaluates `expr` as an instant query at `t_ms` and returns an
// instant vector (a scalar result becomes one sample without labels).
// Errors: whatever the engine reports (InvalidArgument for a bad
// expression, ResourceExhausted, DeadlineExceeded, ...).
//
// Thread safety: a QueryFunc must be safe to call from several groups at
// once.

#ifndef VIGIL_LIBRULES_QUERY_FUNC_H_
#define VIGIL_LIBRULES_QUERY_FUNC_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libpromql/value.h"

namespace vigil::rules {

using QueryFunc = std::function<absl::StatusOr<promql::Vector>(
    absl::string_view expr, int64_t t_ms)>;

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_QUERY_FUNC_H_
