#include "librules/expr_check.h"

#include "libpromql/parser/parser.h"

namespace vigil::rules {

absl::Status CheckPromQLExpr(absl::string_view expr) {
  auto e = promql::parser::ParseExpr(expr);
  if (e.ok() || e.status().code() == absl::StatusCode::kUnimplemented) {
    return absl::OkStatus();
  }
  return e.status();
}

bool PromQLParserAvailable() {
  auto e = promql::parser::ParseExpr("1");
  return e.status().code() != absl::StatusCode::kUnimplemented;
}

}  // namespace vigil::rules
