// The PromQL parser: turns a query string into an AST (ast.h), checking
// types exactly as Prometheus 3.x does.
//
//   absl::StatusOr<std::unique_ptr<Expr>> e =
//       ParseExpr("sum by (job) (rate(http_requests_total[5m]))");
//
// Errors are InvalidArgument whose message is Prometheus's text, prefixed
// with the position: `1:14: parse error: unexpected "}" in ...`. Lines and
// columns are 1-based, columns count bytes. Only the first error is
// reported, as Prometheus's ParseErrors.Error() does.
//
// Unlike Prometheus, nesting is bounded (tree depth 1000, nested
// parentheses/calls/signs 256) so that no input can exhaust the stack;
// beyond it the error is `expression nesting too deep: ...`.
//
// Thread safety: the functions are reentrant; no shared state.

#ifndef VIGIL_LIBPROMQL_PARSER_PARSER_H_
#define VIGIL_LIBPROMQL_PARSER_PARSER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libpromql/parser/ast.h"
#include "model/matcher.h"

namespace vigil::promql::parser {

// Prometheus's feature flags for experimental syntax. All default to on
// (the conformance scripts of v3.14.0 assume them on).
struct ParseOptions {
  // limitk, limit_ratio and the functions flagged experimental.
  bool enable_experimental_functions = true;
  // [5m+1m], offset (2*step()), min_of/max_of, step(), range().
  bool enable_duration_expressions = true;
  // `anchored` / `smoothed` after a range or instant selector.
  bool enable_extended_range_selectors = true;
  // fill(v), fill_left(v), fill_right(v) on binary operators.
  bool enable_binop_fill_modifiers = true;
};

// Parses a complete expression. Returns InvalidArgument with
// "<line>:<col>: parse error: <Prometheus message>" on any syntax or type
// error.
absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input);
absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input,
                                                const ParseOptions& options);

// Parses a series selector (`up{job="x"}`, `{__name__=~"a.*"}`) as the
// `match[]` parameters of the HTTP API take it; returns its matchers.
// Anything but a plain vector selector is InvalidArgument.
absl::StatusOr<std::vector<model::Matcher>> ParseMetricSelector(
    absl::string_view input);

}  // namespace vigil::promql::parser

#endif  // VIGIL_LIBPROMQL_PARSER_PARSER_H_
