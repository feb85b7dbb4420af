// The dynamic values a template works on: the subset of Go values that
// Prometheus's alert templates see (nil, bool, int, float64, string,
// map[string]string, slices, and the structs AlertTemplateData and sample).
//
// Values are small and cheap to copy: maps, lists and structs share their
// contents through shared_ptr.
//
// Thread safety: a Value may be read from many threads at once.

#ifndef VIGIL_LIBRULES_TEMPLATE_VALUE_H_
#define VIGIL_LIBRULES_TEMPLATE_VALUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace vigil::rules::tmpl {

class Value;

// Go map[string]string (or map[string]interface{} for `args`), iterated in
// key order as text/template does.
using StringMap = std::map<std::string, Value, std::less<>>;

// A Go struct: a type name for messages plus named fields in order.
struct Struct {
  std::string type_name;
  std::vector<std::pair<std::string, Value>> fields;
  const Value* Field(absl::string_view name) const;
};

using List = std::vector<Value>;

class Value {
 public:
  // kLabels is a model::Labels seen as map[string]string without copying.
  enum class Kind {
    kNil, kBool, kInt, kFloat, kString, kMap, kList, kStruct, kLabels
  };

  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Map(StringMap m);
  // A map[string]string view of `labels` (shares its storage).
  static Value FromLabels(const model::Labels& labels);
  static Value MakeList(List l);
  static Value MakeStruct(Struct s);

  Kind kind() const { return static_cast<Kind>(rep_.index()); }
  bool is_nil() const { return kind() == Kind::kNil; }
  bool bool_value() const { return std::get<bool>(rep_); }
  int64_t int_value() const { return std::get<int64_t>(rep_); }
  double float_value() const { return std::get<double>(rep_); }
  const std::string& string_value() const { return std::get<std::string>(rep_); }
  const StringMap& map_value() const {
    return *std::get<std::shared_ptr<const StringMap>>(rep_);
  }
  const List& list_value() const {
    return *std::get<std::shared_ptr<const List>>(rep_);
  }
  const Struct& struct_value() const {
    return *std::get<std::shared_ptr<const Struct>>(rep_);
  }
  const model::Labels& labels_value() const {
    return std::get<model::Labels>(rep_);
  }

  // For maps (kMap, kLabels): the value at `key`, or nullopt when absent.
  bool is_map() const { return kind() == Kind::kMap || kind() == Kind::kLabels; }
  std::optional<Value> MapGet(absl::string_view key) const;
  // For maps: (key, value) pairs in key order.
  std::vector<std::pair<std::string, Value>> MapEntries() const;
  size_t MapSize() const;

  // Go's type name as fmt's %T prints it: "float64", "string",
  // "map[string]string", "[]interface {}", "template.sample", ...
  std::string TypeName() const;

  // Go's "truth" for if/with/and/or: false, 0, "", nil and empty
  // maps/lists are false; structs are true.
  bool Truth() const;

  // fmt.Sprint(v): what {{ v }} prints. nil prints "<no value>".
  std::string ToString() const;

 private:
  using Rep = std::variant<std::monostate, bool, int64_t, double, std::string,
                           std::shared_ptr<const StringMap>,
                           std::shared_ptr<const List>,
                           std::shared_ptr<const Struct>, model::Labels>;
  Rep rep_;
};

// Go's strconv.FormatFloat(f, 'g', -1, 64) as fmt's %v prints float64:
// shortest round-trip digits, exponent form below 1e-4 and from 1e6
// (1e+06), "NaN", "+Inf", "-Inf".
std::string FormatGoFloat(double f);

}  // namespace vigil::rules::tmpl

#endif  // VIGIL_LIBRULES_TEMPLATE_VALUE_H_
