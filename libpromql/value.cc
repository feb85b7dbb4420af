#include "libpromql/value.h"

namespace vigil::promql {

ValueType TypeOf(const Value& v) {
  switch (v.index()) {
    case 1: return ValueType::kScalar;
    case 2: return ValueType::kString;
    case 3: return ValueType::kVector;
    case 4: return ValueType::kMatrix;
    default: return ValueType::kNone;
  }
}

absl::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kString: return "string";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kNone: return "none";
  }
  return "none";
}

}  // namespace vigil::promql
