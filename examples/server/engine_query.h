// Binds Vigil's PromQL library to the HTTP API: a QueryFunc that evaluates
// with promql::Engine over a Queryable (honouring the API's per-request
// `timeout` and `lookback_delta`), the `match[]` selector parser and the
// `/api/v1/format_query` printer.
//
// Thread safety: the returned functions may be called concurrently; the
// engine and queryable must outlive them.

#ifndef VIGIL_EXAMPLES_SERVER_ENGINE_QUERY_H_
#define VIGIL_EXAMPLES_SERVER_ENGINE_QUERY_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "examples/server/api_v1.h"
#include "libpromql/engine.h"
#include "libtsdb/storage/querier.h"

namespace vigil::server {

// Evaluates API queries with `engine` over `queryable`. A request timeout
// shorter than the engine's cancels the query when it expires and reports
// DeadlineExceeded ("query timed out in query execution").
QueryFunc MakeEngineQueryFunc(promql::Engine* engine,
                              storage::Queryable* queryable);

// promql::parser::ParseMetricSelector.
SelectorParser MakeSelectorParser();

// Parses and prints a query prettified (Prometheus's Expr.Pretty(0)), as
// /api/v1/format_query answers.
absl::StatusOr<std::string> FormatPromQL(absl::string_view query);

// The `stats` JSON object of a query result.
std::string EncodeQueryStats(const promql::QueryStats& stats);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_ENGINE_QUERY_H_
