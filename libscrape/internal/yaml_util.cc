#include "libscrape/internal/yaml_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "model/duration.h"

namespace vigil::scrape::internal {
namespace {

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

absl::Status YamlError(const YAML::Node& node, absl::string_view source,
                       absl::string_view msg) {
  std::string pos;
  if (node.IsDefined() && !node.Mark().is_null()) {
    pos = absl::StrCat(node.Mark().line + 1, ":", node.Mark().column + 1);
  }
  std::string prefix = source.empty() ? pos
                       : pos.empty()  ? std::string(source)
                                      : absl::StrCat(source, ":", pos);
  return absl::InvalidArgumentError(
      prefix.empty() ? std::string(msg) : absl::StrCat(prefix, ": ", msg));
}

absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                       absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return std::string();
  if (!node.IsScalar()) return TypeError(node, source, "string");
  return node.Scalar();
}

absl::StatusOr<uint64_t> ReadUint64(const YAML::Node& node,
                                    absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return uint64_t{0};
  uint64_t v;
  if (!node.IsScalar() || node.Scalar().empty() || node.Scalar()[0] == '-' ||
      !absl::SimpleAtoi(node.Scalar(), &v)) {
    return TypeError(node, source, "uint");
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

absl::StatusOr<bool> ReadBool(const YAML::Node& node,
                              absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return false;
  if (node.IsScalar()) {
    std::string v = absl::AsciiStrToLower(node.Scalar());
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  return TypeError(node, source, "bool");
}

absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node,
                                            absl::string_view source) {
  if (!node.IsDefined() || node.IsNull()) return absl::ZeroDuration();
  if (!node.IsScalar()) return TypeError(node, source, "model.Duration");
  absl::StatusOr<absl::Duration> d = model::ParseDuration(node.Scalar());
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

}  // namespace vigil::scrape::internal
