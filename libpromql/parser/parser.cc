#include "libpromql/parser/parser.h"

#include "absl/status/status.h"

namespace vigil::promql::parser {

absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input) {
  return ParseExpr(input, ParseOptions());
}

absl::StatusOr<std::unique_ptr<Expr>> ParseExpr(absl::string_view input,
                                                const ParseOptions& options) {
  return absl::UnimplementedError("PromQL parser not implemented yet");
}

absl::StatusOr<std::vector<model::Matcher>> ParseMetricSelector(
    absl::string_view input) {
  return absl::UnimplementedError("PromQL parser not implemented yet");
}

}  // namespace vigil::promql::parser
