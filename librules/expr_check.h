// ExprCheck: the PromQL syntax check rule files use, backed by
// //libpromql/parser. Kept in its own target so rule_file builds without
// the parser; the rule Manager checks expressions with it by default.
//
// Thread safety: the returned function may be called concurrently.

#ifndef VIGIL_LIBRULES_EXPR_CHECK_H_
#define VIGIL_LIBRULES_EXPR_CHECK_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::rules {

// Returns OK when `expr` parses and type-checks, else the parser's
// InvalidArgument ("1:6: parse error: ..."). While the parser reports
// Unimplemented (not built yet), every expression passes.
absl::Status CheckPromQLExpr(absl::string_view expr);

// True when the PromQL parser is functional (not a stub).
bool PromQLParserAvailable();

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_EXPR_CHECK_H_
