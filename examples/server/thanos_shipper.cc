#include "examples/server/thanos_shipper.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "examples/server/log.h"
#include "nlohmann/json.hpp"

namespace vigil::server {

std::function<bool(const tsdb::BlockMeta&)> ThanosShipperGuard(std::string data_dir) {
  std::string path = data_dir + "/thanos.shipper.json";
  return [path](const tsdb::BlockMeta& meta) {
    std::ifstream in(path);
    if (!in) return true;  // no sidecar
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.contains("uploaded") || !j["uploaded"].is_array()) {
      Log("warn", absl::StrCat(path, " is not valid JSON with an uploaded list; retention keeps "
                                     "block ", meta.ulid));
      return false;
    }
    for (const auto& u : j["uploaded"]) {
      if (u.is_string() && u.get<std::string>() == meta.ulid) return true;
    }
    Log("info", absl::StrCat("retention keeps block ", meta.ulid,
                             ": the Thanos sidecar has not uploaded it yet"));
    return false;
  };
}

}  // namespace vigil::server
