// EngineQueryFunc adapts a promql::Engine and a storage::Queryable to the
// QueryFunc that rules evaluate through (Prometheus's rules.EngineQueryFunc).
//
// Thread safety: the returned function may be called concurrently; `engine`
// and `storage` must outlive it.

#ifndef VIGIL_LIBRULES_ENGINE_QUERY_FUNC_H_
#define VIGIL_LIBRULES_ENGINE_QUERY_FUNC_H_

#include "libpromql/engine.h"
#include "librules/query_func.h"
#include "libtsdb/storage/querier.h"

namespace vigil::rules {

// Instant queries on `engine` over `storage`. A scalar result becomes a
// one-sample vector without labels; any other non-vector result is
// InvalidArgument "rule result is not a vector or scalar".
QueryFunc EngineQueryFunc(promql::Engine* engine, storage::Queryable* storage);

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_ENGINE_QUERY_FUNC_H_
