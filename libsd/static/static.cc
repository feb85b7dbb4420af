#include "libsd/static/static.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "model/status_macros.h"

namespace vigil::sd {
namespace {

class StaticDiscoverer : public Discoverer {
 public:
  explicit StaticDiscoverer(std::vector<TargetGroup> groups)
      : groups_(std::move(groups)) {}
  void Run(const absl::Notification& stop, const SendFn& send) override {
    send(groups_);
    stop.WaitForNotification();
  }

 private:
  std::vector<TargetGroup> groups_;
};

}  // namespace

StaticConfig::StaticConfig(std::vector<TargetGroup> groups)
    : groups_(std::move(groups)) {
  for (size_t i = 0; i < groups_.size(); ++i) {
    groups_[i].source = absl::StrCat(i);
  }
}

std::string StaticConfig::Fingerprint() const {
  std::string fp;
  for (const auto& g : groups_) absl::StrAppend(&fp, g.DebugString(), "\n");
  return fp;
}

absl::StatusOr<std::unique_ptr<Discoverer>> StaticConfig::NewDiscoverer()
    const {
  return std::unique_ptr<Discoverer>(new StaticDiscoverer(groups_));
}

absl::StatusOr<std::shared_ptr<StaticConfig>> ParseStaticConfigs(
    const YAML::Node& node, absl::string_view source) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<TargetGroup> groups,
                         ParseTargetGroups(node, source));
  return std::make_shared<StaticConfig>(std::move(groups));
}

}  // namespace vigil::sd
