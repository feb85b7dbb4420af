// The template function table shared by the parser (names) and the
// executor (bodies). Logically private to //librules/template.

#ifndef VIGIL_LIBRULES_TEMPLATE_INTERNAL_FUNCTIONS_TABLE_H_
#define VIGIL_LIBRULES_TEMPLATE_INTERNAL_FUNCTIONS_TABLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "librules/template/template.h"
#include "librules/template/value.h"

namespace vigil::rules::tmpl::internal {

struct Tree;

using FunctionBody = absl::StatusOr<Value> (*)(const std::vector<Value>& args,
                                               const ExecOptions& options);

struct FunctionInfo {
  const char* name;
  int min_args;
  int max_args;  // -1: variadic
  FunctionBody body;  // nullptr for and/or (evaluated lazily by the executor)
};

// nullptr when `name` is not a template function.
const FunctionInfo* LookupFunction(absl::string_view name);

absl::Status ParseTree(absl::string_view name, absl::string_view text,
                       absl::Span<const std::string> vars, Tree* tree);

}  // namespace vigil::rules::tmpl::internal

#endif  // VIGIL_LIBRULES_TEMPLATE_INTERNAL_FUNCTIONS_TABLE_H_
