// Helpers for reading libsd's sections of prometheus.yml from yaml-cpp
// nodes with errors that carry "<source>:<line>:<col>" (1-based) and
// yaml.v2's wording for type mismatches ("cannot unmarshal !!seq into
// string"). None of them throws: yaml-cpp exceptions are caught here.
//
// Thread safety: stateless functions; a YAML::Node must not be shared
// across threads while read.

#ifndef VIGIL_LIBSD_INTERNAL_YAML_UTIL_H_
#define VIGIL_LIBSD_INTERNAL_YAML_UTIL_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd::internal {

// "<source>:<line>:<col>: <msg>" (or "<line>:<col>: <msg>" without source)
// as InvalidArgument. An undefined node yields no position.
absl::Status YamlError(const YAML::Node& node, absl::string_view source,
                       absl::string_view msg);
absl::Status YamlMarkError(const YAML::Mark& mark, absl::string_view source,
                           absl::string_view msg);

// Requires a map (or null, treated as empty) whose keys are all listed in
// `fields`; else "field <k> not found in type <type>".
absl::Status CheckMap(const YAML::Node& node,
                      std::initializer_list<absl::string_view> fields,
                      absl::string_view type, absl::string_view source);
absl::Status CheckMap(const YAML::Node& node,
                      const std::vector<absl::string_view>& fields,
                      absl::string_view type, absl::string_view source);

// node[key] when `node` is a map holding `key`, else an undefined node.
YAML::Node Field(const YAML::Node& node, absl::string_view key);

// Scalars; a null node reads as "" / 0 / false.
absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                       absl::string_view source);
// `go_type` names the field's Go type in the mismatch message.
absl::StatusOr<uint64_t> ReadUint64(const YAML::Node& node,
                                    absl::string_view source,
                                    absl::string_view go_type = "uint64");
absl::StatusOr<int64_t> ReadInt64(const YAML::Node& node,
                                  absl::string_view source);
absl::StatusOr<double> ReadDouble(const YAML::Node& node,
                                  absl::string_view source);
absl::StatusOr<bool> ReadBool(const YAML::Node& node, absl::string_view source);
// A Prometheus duration ("30s", "5m").
absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node,
                                            absl::string_view source);
// A sequence of scalars (null = empty).
absl::StatusOr<std::vector<std::string>> ReadStringList(
    const YAML::Node& node, absl::string_view source);
// A map of scalars (null = empty).
absl::StatusOr<std::map<std::string, std::string>> ReadStringMap(
    const YAML::Node& node, absl::string_view source);

// Loads a whole YAML document from text; InvalidArgument with the position
// of a syntax error.
absl::StatusOr<YAML::Node> LoadYaml(absl::string_view text,
                                    absl::string_view source);

// The error of a caught yaml-cpp exception as InvalidArgument.
absl::Status FromYamlException(const YAML::Exception& e,
                               absl::string_view source);

}  // namespace vigil::sd::internal

#endif  // VIGIL_LIBSD_INTERNAL_YAML_UTIL_H_
