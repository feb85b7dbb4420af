// The table of PromQL functions of Prometheus 3.x: name, argument types,
// how many trailing arguments are optional, return type, and whether the
// function is experimental (promql/parser/functions.go).
//
// The parser resolves a call to a `const Function*` from this table; the
// evaluator dispatches on `Function::name` (or on the pointer).
//
// Thread safety: the table is immutable and safe to read from any thread.

#ifndef VIGIL_LIBPROMQL_PARSER_FUNCTION_TABLE_H_
#define VIGIL_LIBPROMQL_PARSER_FUNCTION_TABLE_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "libpromql/parser/ast.h"

namespace vigil::promql::parser {

struct Function {
  absl::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: the last n arguments may
  // be omitted. -1: the last argument type repeats without limit
  // (label_join, sort_by_label), and it may be absent.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  // Needs experimental functions enabled (ParseOptions).
  bool experimental = false;
};

// The function called `name`, or null when there is none.
const Function* LookupFunction(absl::string_view name);

// Every function, sorted by name.
const std::vector<Function>& AllFunctions();

}  // namespace vigil::promql::parser

#endif  // VIGIL_LIBPROMQL_PARSER_FUNCTION_TABLE_H_
