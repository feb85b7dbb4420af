#include "libpromql/parser/printer.h"

namespace vigil::promql::parser {

std::string Format(const Expr& e) { return "<unimplemented>"; }

}  // namespace vigil::promql::parser
