// Formats an AST back to canonical PromQL, as Prometheus's Expr.String()
// and /api/v1/format_query (non-pretty) do: `sum by (job) (rate(x[5m]))`,
// `a + on (b) group_left (c) d`, `x offset 5m @ 100.000`.
//
// Parsing the output yields an equal tree, so Format(Parse(Format(e))) ==
// Format(e).
//
// Thread safety: reentrant.

#ifndef VIGIL_LIBPROMQL_PARSER_PRINTER_H_
#define VIGIL_LIBPROMQL_PARSER_PRINTER_H_

#include <string>

#include "libpromql/parser/ast.h"

namespace vigil::promql::parser {

std::string Format(const Expr& e);

// Prometheus's Prettify (Expr.Pretty(0)), which /api/v1/format_query
// returns: Format(e) when it fits in 100 characters, else the expression
// split over lines, two spaces of indent per level:
//
//   sum by (job) (
//     rate(http_requests_total{...}[5m])
//   )
std::string Pretty(const Expr& e);

}  // namespace vigil::promql::parser

#endif  // VIGIL_LIBPROMQL_PARSER_PRINTER_H_
