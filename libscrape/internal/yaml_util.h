// YAML reading helpers for libscrape's config section: positions in errors
// ("<source>:<line>:<col>: ...") and yaml.v2's type-mismatch wording. None
// of them throws.
//
// Thread safety: stateless functions.

#ifndef VIGIL_LIBSCRAPE_INTERNAL_YAML_UTIL_H_
#define VIGIL_LIBSCRAPE_INTERNAL_YAML_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace vigil::scrape::internal {

absl::Status YamlError(const YAML::Node& node, absl::string_view source,
                       absl::string_view msg);

absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                       absl::string_view source);
absl::StatusOr<uint64_t> ReadUint64(const YAML::Node& node,
                                    absl::string_view source);
absl::StatusOr<double> ReadDouble(const YAML::Node& node,
                                  absl::string_view source);
absl::StatusOr<bool> ReadBool(const YAML::Node& node, absl::string_view source);
absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node,
                                            absl::string_view source);
absl::StatusOr<std::vector<std::string>> ReadStringList(
    const YAML::Node& node, absl::string_view source);

}  // namespace vigil::scrape::internal

#endif  // VIGIL_LIBSCRAPE_INTERNAL_YAML_UTIL_H_
