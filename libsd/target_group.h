// A TargetGroup is what service discovery produces: a set of targets (each
// a label set holding at least `__address__`), labels common to all of
// them, and a `source` naming the group uniquely within its provider
// (e.g. "pod/default/web-0", "/etc/sd/a.json:0"). A group whose `targets`
// is empty tells consumers that the source's targets are gone.
//
// This file also reads the `[{targets: [...], labels: {...}}]` shape used
// by static_configs, file_sd_configs (JSON or YAML) and http_sd_configs.
//
// Thread safety: TargetGroup is a value type.

#ifndef VIGIL_LIBSD_TARGET_GROUP_H_
#define VIGIL_LIBSD_TARGET_GROUP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

// The label carrying a target's host:port.
inline constexpr absl::string_view kAddressLabel = "__address__";

struct TargetGroup {
  std::vector<model::Labels> targets;
  model::Labels labels;
  std::string source;

  // "{source=..., labels=..., targets=[...]}", for logs and tests.
  std::string DebugString() const;

  friend bool operator==(const TargetGroup& a, const TargetGroup& b) {
    return a.source == b.source && a.labels == b.labels &&
           a.targets == b.targets;
  }
};

// Parses one `{targets: [...], labels: {...}}` YAML map. Each target string
// becomes {__address__: target}. Label names must be valid UTF-8 and
// non-empty. Returns InvalidArgument "<source>:<line>:<col>: ..." with
// Prometheus's words ("field x not found in type struct { Targets
// []string ...}" becomes "field x not found in type targetgroup.Group",
// `"" is not a valid label name`).
absl::StatusOr<TargetGroup> ParseTargetGroup(const YAML::Node& node,
                                             absl::string_view source);
// A YAML sequence of such maps (null = empty). A null item is an error
// ("nil target group item found").
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroups(
    const YAML::Node& node, absl::string_view source);

// The same list from JSON text (file_sd `.json` files, http_sd bodies):
// InvalidArgument with the byte offset of a syntax error, or the path of a
// bad value (`targets` must be a list of strings, `labels` an object of
// strings).
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsJson(
    absl::string_view text, absl::string_view source);

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_TARGET_GROUP_H_
