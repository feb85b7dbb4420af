#include "librules/template/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace vigil::rules::tmpl {

const Value* Struct::Field(absl::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (n == name) return &v;
  }
  return nullptr;
}

Value Value::Bool(bool b) {
  Value v;
  v.rep_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.rep_ = i;
  return v;
}
Value Value::Float(double f) {
  Value v;
  v.rep_ = f;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.rep_ = std::move(s);
  return v;
}
Value Value::Map(StringMap m) {
  Value v;
  v.rep_ = std::make_shared<const StringMap>(std::move(m));
  return v;
}
Value Value::FromLabels(const model::Labels& labels) {
  Value v;
  v.rep_ = labels;
  return v;
}

std::optional<Value> Value::MapGet(absl::string_view key) const {
  if (kind() == Kind::kLabels) {
    const model::Labels& l = labels_value();
    if (!l.Has(key)) return std::nullopt;
    return Value::String(std::string(l.Get(key)));
  }
  if (kind() == Kind::kMap) {
    auto it = map_value().find(key);
    if (it == map_value().end()) return std::nullopt;
    return it->second;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, Value>> Value::MapEntries() const {
  std::vector<std::pair<std::string, Value>> out;
  if (kind() == Kind::kLabels) {
    for (const model::LabelView l : labels_value()) {
      out.emplace_back(std::string(l.name), Value::String(std::string(l.value)));
    }
  } else if (kind() == Kind::kMap) {
    for (const auto& [k, v] : map_value()) out.emplace_back(k, v);
  }
  return out;
}

size_t Value::MapSize() const {
  if (kind() == Kind::kLabels) return labels_value().size();
  if (kind() == Kind::kMap) return map_value().size();
  return 0;
}
Value Value::MakeList(List l) {
  Value v;
  v.rep_ = std::make_shared<const List>(std::move(l));
  return v;
}
Value Value::MakeStruct(Struct s) {
  Value v;
  v.rep_ = std::make_shared<const Struct>(std::move(s));
  return v;
}

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kNil: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kMap:
    case Kind::kLabels: return "map[string]string";
    case Kind::kList: return "[]interface {}";
    case Kind::kStruct: return struct_value().type_name;
  }
  return "?";
}

bool Value::Truth() const {
  switch (kind()) {
    case Kind::kNil: return false;
    case Kind::kBool: return bool_value();
    case Kind::kInt: return int_value() != 0;
    case Kind::kFloat: return float_value() != 0;
    case Kind::kString: return !string_value().empty();
    case Kind::kMap:
    case Kind::kLabels: return MapSize() != 0;
    case Kind::kList: return !list_value().empty();
    case Kind::kStruct: return true;
  }
  return false;
}

std::string Value::ToString() const {
  switch (kind()) {
    case Kind::kNil: return "<no value>";
    case Kind::kBool: return bool_value() ? "true" : "false";
    case Kind::kInt: return absl::StrCat(int_value());
    case Kind::kFloat: return FormatGoFloat(float_value());
    case Kind::kString: return string_value();
    case Kind::kMap:
    case Kind::kLabels: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, v] : MapEntries()) {
        if (!first) out += ' ';
        first = false;
        absl::StrAppend(&out, k, ":", v.ToString());
      }
      out += ']';
      return out;
    }
    case Kind::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& v : list_value()) {
        if (!first) out += ' ';
        first = false;
        out += v.ToString();
      }
      out += ']';
      return out;
    }
    case Kind::kStruct: {
      std::string out = "{";
      bool first = true;
      for (const auto& [n, v] : struct_value().fields) {
        if (!first) out += ' ';
        first = false;
        out += v.ToString();
      }
      out += '}';
      return out;
    }
  }
  return "";
}

std::string FormatGoFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  // Shortest round-trip digits in scientific form: [-]d[.ddd]e[+-]XX.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f,
                           std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int ae = exp < 0 ? -exp : exp;
    if (ae < 10) out += '0';
    absl::StrAppend(&out, ae);
    return out;
  }
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, exp + 1);
    out += '.';
    out += digits.substr(exp + 1);
  }
  return out;
}

}  // namespace vigil::rules::tmpl
