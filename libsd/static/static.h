// static_configs: a fixed list of target groups, as one discoverer whose
// groups have sources "0", "1", ... in list order (Prometheus's
// discovery.StaticConfig).
//
// Thread safety: StaticConfig is immutable once parsed; its discoverer
// follows the Discoverer contract.

#ifndef VIGIL_LIBSD_STATIC_STATIC_H_
#define VIGIL_LIBSD_STATIC_STATIC_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libsd/discoverer.h"
#include "libsd/target_group.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

class StaticConfig : public DiscovererConfig {
 public:
  explicit StaticConfig(std::vector<TargetGroup> groups);

  const std::vector<TargetGroup>& groups() const { return groups_; }

  std::string Name() const override { return "static"; }
  std::string Fingerprint() const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override;

 private:
  std::vector<TargetGroup> groups_;
};

// Parses a `static_configs` list; InvalidArgument with position on a bad
// group (see ParseTargetGroup).
absl::StatusOr<std::shared_ptr<StaticConfig>> ParseStaticConfigs(
    const YAML::Node& node, absl::string_view source = "");

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_STATIC_STATIC_H_
