// The JSON tree of a PromQL expression that Prometheus 3.x's
// /api/v1/parse_query answers (web/api/v1/translate_ast.go), for the UI's
// tree view: one object per node with "type" ("vectorSelector",
// "matrixSelector", "subquery", "call", "aggregation", "binaryExpr",
// "unaryExpr", "parenExpr", "numberLiteral", "stringLiteral",
// "durationExpr") and that node's fields, keys sorted as Go writes maps.
//
// Thread safety: pure functions.

#ifndef VIGIL_EXAMPLES_SERVER_PROMQL_AST_JSON_H_
#define VIGIL_EXAMPLES_SERVER_PROMQL_AST_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libpromql/parser/ast.h"

namespace vigil::server {

// The JSON of `expr`.
std::string PromqlAstJson(const promql::parser::Expr& expr);

// Parses `query` and returns its JSON; InvalidArgument with the parser's
// message ("1:5: parse error: ...") for a bad query.
absl::StatusOr<std::string> ParseQueryJson(absl::string_view query);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_PROMQL_AST_JSON_H_
