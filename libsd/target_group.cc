#include "libsd/target_group.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libsd/internal/yaml_util.h"
#include "model/status_macros.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {

std::string TargetGroup::DebugString() const {
  std::vector<std::string> ts;
  for (const auto& t : targets) ts.push_back(t.ToString());
  return absl::StrCat("{source=", source, ", labels=", labels.ToString(),
                      ", targets=[", absl::StrJoin(ts, ", "), "]}");
}

namespace {

bool ValidName(absl::string_view n) {
  return !n.empty() && model::IsValidUtf8(n);
}

}  // namespace

absl::StatusOr<TargetGroup> ParseTargetGroup(const YAML::Node& node,
                                             absl::string_view source) {
  try {
    if (!node.IsDefined() || node.IsNull()) {
      return internal::YamlError(node, source, "nil target group item found");
    }
    VIGIL_RETURN_IF_ERROR(internal::CheckMap(node, {"targets", "labels"},
                                             "targetgroup.Group", source));
    TargetGroup g;
    YAML::Node tn = internal::Field(node, "targets");
    VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> targets,
                           internal::ReadStringList(tn, source));
    for (const std::string& t : targets) {
      g.targets.push_back(model::Labels::FromPairs({{kAddressLabel, t}}));
    }
    YAML::Node ln = internal::Field(node, "labels");
    VIGIL_ASSIGN_OR_RETURN(auto labels, internal::ReadStringMap(ln, source));
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto& [k, v] : labels) {
      if (!ValidName(k)) {
        return internal::YamlError(
            ln, source,
            absl::StrCat(model::QuoteString(k), " is not a valid label name"));
      }
      if (!model::IsValidUtf8(v)) {
        return internal::YamlError(
            ln, source, absl::StrCat("invalid value for label ", k));
      }
      pairs.emplace_back(k, v);
    }
    g.labels = model::Labels::FromPairs(pairs);
    return g;
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
}

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroups(
    const YAML::Node& node, absl::string_view source) {
  std::vector<TargetGroup> out;
  try {
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsSequence()) {
      return internal::YamlError(
          node, source, "cannot unmarshal into []*targetgroup.Group");
    }
    for (const YAML::Node& item : node) {
      VIGIL_ASSIGN_OR_RETURN(TargetGroup g, ParseTargetGroup(item, source));
      out.push_back(std::move(g));
    }
  } catch (const YAML::Exception& e) {
    return internal::FromYamlException(e, source);
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsJson(
    absl::string_view text, absl::string_view source) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                             /*allow_exceptions=*/false);
  auto err = [&](absl::string_view msg) {
    return absl::InvalidArgumentError(
        source.empty() ? std::string(msg) : absl::StrCat(source, ": ", msg));
  };
  if (doc.is_discarded()) return err("invalid JSON");
  if (!doc.is_array()) {
    return err("json: cannot unmarshal into []*targetgroup.Group");
  }
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& item = doc[i];
    if (item.is_null()) return err("nil target group item found");
    if (!item.is_object()) {
      return err(absl::StrCat("[", i, "]: target group must be an object"));
    }
    TargetGroup g;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (it.key() == "targets") {
        if (it->is_null()) continue;
        if (!it->is_array()) {
          return err(absl::StrCat("[", i, "].targets: must be a list of strings"));
        }
        for (const auto& t : *it) {
          if (!t.is_string()) {
            return err(absl::StrCat("[", i, "].targets: must be a list of strings"));
          }
          g.targets.push_back(model::Labels::FromPairs(
              {{kAddressLabel, t.get_ref<const std::string&>()}}));
        }
      } else if (it.key() == "labels") {
        if (it->is_null()) continue;
        if (!it->is_object()) {
          return err(absl::StrCat("[", i, "].labels: must be an object of strings"));
        }
        for (auto l = it->begin(); l != it->end(); ++l) {
          if (!l->is_string()) {
            return err(absl::StrCat("[", i, "].labels.", l.key(),
                                    ": label value must be a string"));
          }
          if (!ValidName(l.key())) {
            return err(absl::StrCat(model::QuoteString(l.key()),
                                    " is not a valid label name"));
          }
          pairs.emplace_back(l.key(), l->get<std::string>());
        }
      }  // Like Go's encoding/json, other fields are ignored.
    }
    g.labels = model::Labels::FromPairs(pairs);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace vigil::sd
