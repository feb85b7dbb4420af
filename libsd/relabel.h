// Relabeling: the rules of `relabel_configs`, `metric_relabel_configs`,
// `alert_relabel_configs` and `write_relabel_configs`, with Prometheus 3.x
// semantics (model/relabel/relabel.go).
//
//   VIGIL_ASSIGN_OR_RETURN(std::vector<RelabelConfig> cfgs,
//                          ParseRelabelConfigs(yaml["relabel_configs"], path));
//   std::optional<model::Labels> out = Process(labels, cfgs);
//   if (!out) { /* dropped */ }
//
// Each config reads `source_labels` (absent = ""), joins their values with
// `separator` and applies `action`; regexes are fully anchored and `.`
// matches newlines (see relabel_regex.h). Action names are
// case-insensitive in YAML. `hashmod` is MD5 of the joined value, last 8
// bytes big-endian, modulo `modulus`, so sharding agrees with Prometheus.
//
// Thread safety: RelabelConfig is a value type; Process() may be called
// from many threads at once on shared configs.

#ifndef VIGIL_LIBSD_RELABEL_H_
#define VIGIL_LIBSD_RELABEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libsd/relabel_regex.h"
#include "model/labels.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// The lower-case config name ("replace", "keepequal", ...).
absl::string_view RelabelActionName(RelabelAction action);
// Case-insensitive. InvalidArgument `unknown relabel action "X"`.
absl::StatusOr<RelabelAction> ParseRelabelAction(absl::string_view name);

// How label names in configs are checked: Prometheus 3.x accepts any
// non-empty UTF-8 name; `kLegacy` is [a-zA-Z_][a-zA-Z0-9_]*.
enum class NameValidation { kUtf8, kLegacy };

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  RelabelRegex regex;  // default (.*)
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
};

// Checks `cfg` as Prometheus's Config.Validate does; InvalidArgument with
// its words, e.g. "relabel configuration for replace action requires
// 'target_label' value", "relabel configuration for hashmod requires
// non-zero modulus", "\"1x\" is invalid 'target_label' for replace action".
absl::Status ValidateRelabelConfig(
    const RelabelConfig& cfg, NameValidation names = NameValidation::kUtf8);

// Parses one relabel config (a YAML map) and validates it. Errors are
// InvalidArgument "<source>:<line>:<col>: <Prometheus's message>" (the
// source prefix is left out when `source` is empty); unknown keys give
// "field <k> not found in type relabel.plain".
absl::StatusOr<RelabelConfig> ParseRelabelConfig(
    const YAML::Node& node, absl::string_view source = "",
    NameValidation names = NameValidation::kUtf8);
// A YAML sequence of relabel configs; a null/absent node is an empty list.
absl::StatusOr<std::vector<RelabelConfig>> ParseRelabelConfigs(
    const YAML::Node& node, absl::string_view source = "",
    NameValidation names = NameValidation::kUtf8);

// Applies `cfgs` in order. Returns the relabeled set, or nullopt when a
// keep/drop-type rule dropped it. When no rule changed anything the result
// shares `labels`' storage. Uses a per-thread scratch builder, so repeated
// calls allocate only for the result.
std::optional<model::Labels> Process(const model::Labels& labels,
                                     absl::Span<const RelabelConfig> cfgs);

// The same rules applied in place to a builder (Prometheus's
// ProcessBuilder). Returns false when the labels are dropped; `builder`
// is then left partly edited.
bool ProcessBuilder(model::LabelsBuilder* builder,
                    absl::Span<const RelabelConfig> cfgs);

// What one rule left, for /api/v1/targets/relabel_steps.
struct RelabelStep {
  model::Labels output;  // empty once the labels are dropped
  bool keep = true;
};

// Applies `cfgs` one at a time as Process() does and reports the labels
// after each: one step per config. From the rule that drops on, every
// step has keep false and empty output (Prometheus's targetRelabelSteps).
std::vector<RelabelStep> ProcessSteps(const model::Labels& labels,
                                      absl::Span<const RelabelConfig> cfgs);

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_RELABEL_H_
