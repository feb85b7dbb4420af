#include "libsd/internal/yaml_util.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "model/duration.h"

namespace vigil::sd::internal {
namespace {

std::string Position(const YAML::Mark& mark, absl::string_view source) {
  if (mark.is_null()) return std::string(source);
  std::string pos = absl::StrCat(mark.line + 1, ":", mark.column + 1);
  return source.empty() ? pos : absl::StrCat(source, ":", pos);
}

absl::string_view Tag(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "!!seq";
    case YAML::NodeType::Map:
      return "!!map";
    case YAML::NodeType::Null:
      return "!!null";
    default:
      return "!!str";
  }
}

absl::Status TypeError(const YAML::Node& node, absl::string_view source,
                       absl::string_view into) {
  std::string what(Tag(node));
  if (node.IsScalar()) absl::StrAppend(&what, " `", node.Scalar(), "`");
  return YamlError(node, source,
                   absl::StrCat("cannot unmarshal ", what, " into ", into));
}

}  // namespace

absl::Status YamlMarkError(const YAML::Mark& mark, absl::string_view source,
                           absl::string_view msg) {
  std::string pos = Position(mark, source);
  return absl::InvalidArgumentError(
      pos.empty() ? std::string(msg) : absl::StrCat(pos, ": ", msg));
}

absl::Status YamlError(const YAML::Node& node, absl::string_view source,
                       absl::string_view msg) {
  YAML::Mark mark = YAML::Mark::null_mark();
  if (node.IsDefined()) mark = node.Mark();
  return YamlMarkError(mark, source, msg);
}

absl::Status FromYamlException(const YAML::Exception& e,
                               absl::string_view source) {
  return YamlMarkError(e.mark, source, e.msg);
}

absl::Status CheckMap(const YAML::Node& node,
                      std::initializer_list<absl::string_view> fields,
                      absl::string_view type, absl::string_view source) {
  return CheckMap(node, std::vector<absl::string_view>(fields), type, source);
}

absl::Status CheckMap(const YAML::Node& node,
                      const std::vector<absl::string_view>& fields,
                      absl::string_view type, absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return TypeError(node, source, type);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      return YamlError(it->first, source, "map keys must be strings");
    }
    const std::string key = it->first.Scalar();
    bool known = false;
    for (absl::string_view f : fields) known = known || f == key;
    if (!known) {
      return YamlError(it->first, source,
                       absl::StrCat("field ", key, " not found in type ", type));
    }
  }
  return absl::OkStatus();
}

YAML::Node Field(const YAML::Node& node, absl::string_view key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                       absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return std::string();
  if (!node.IsScalar()) return TypeError(node, source, "string");
  return node.Scalar();
}

absl::StatusOr<uint64_t> ReadUint64(const YAML::Node& node,
                                    absl::string_view source,
                                    absl::string_view go_type) {
  if (!node.IsDefined() || node.IsNull()) return uint64_t{0};
  uint64_t v;
  if (!node.IsScalar() || node.Scalar().empty() || node.Scalar()[0] == '-' ||
      !absl::SimpleAtoi(node.Scalar(), &v)) {
    return TypeError(node, source, go_type);
  }
  return v;
}

absl::StatusOr<double> ReadDouble(const YAML::Node& node,
                                  absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return 0.0;
  double v;
  if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &v)) {
    return TypeError(node, source, "float64");
  }
  return v;
}

absl::StatusOr<int64_t> ReadInt64(const YAML::Node& node,
                                  absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return int64_t{0};
  int64_t v;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &v)) {
    return TypeError(node, source, "int");
  }
  return v;
}

absl::StatusOr<bool> ReadBool(const YAML::Node& node,
                              absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return false;
  if (node.IsScalar()) {
    std::string s = absl::AsciiStrToLower(node.Scalar());
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  return TypeError(node, source, "bool");
}

absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node,
                                            absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return absl::ZeroDuration();
  if (!node.IsScalar()) return TypeError(node, source, "model.Duration");
  auto d = model::ParseDuration(node.Scalar());
  if (!d.ok()) return YamlError(node, source, d.status().message());
  return *d;
}

absl::StatusOr<std::vector<std::string>> ReadStringList(
    const YAML::Node& node, absl::string_view source) {
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) return TypeError(node, source, "[]string");
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return TypeError(item, source, "string");
    out.push_back(item.Scalar());
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(
    const YAML::Node& node, absl::string_view source) {
  std::map<std::string, std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) return TypeError(node, source, "map[string]string");
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return TypeError(it->first, source, "string");
    if (it->second.IsNull()) {
      out[it->first.Scalar()] = "";
      continue;
    }
    if (!it->second.IsScalar()) return TypeError(it->second, source, "string");
    out[it->first.Scalar()] = it->second.Scalar();
  }
  return out;
}

absl::StatusOr<YAML::Node> LoadYaml(absl::string_view text,
                                    absl::string_view source) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return FromYamlException(e, source);
  }
}

}  // namespace vigil::sd::internal
