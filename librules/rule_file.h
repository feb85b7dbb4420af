// Rule files: the YAML documents `rule_files:` in prometheus.yml points at,
// parsed and validated as Prometheus's model/rulefmt and
// `promtool check rules` do.
//
//   groups:
//   - name: example            # unique per file
//     interval: 30s            # default: the global evaluation_interval
//     query_offset: 1m         # default: the global rule_query_offset
//     limit: 0                 # max alerts/series per rule, 0 = no limit
//     labels: {team: a}        # added to every rule of the group
//     rules:
//     - record: job:up:sum
//       expr: sum by (job) (up)
//       labels: {k: v}
//     - alert: InstanceDown
//       expr: up == 0
//       for: 5m
//       keep_firing_for: 1m
//       labels: {severity: page}
//       annotations: {summary: "{{ $labels.instance }} down"}
//
// Errors are InvalidArgument and read like Prometheus's, one per line,
// each prefixed with the file name, e.g.
//   rules.yml: 4:17: group "yolo", rule 1, "Hello": invalid field 'for' in recording rule
//   rules.yml: yaml: unmarshal errors:\n  line 8: field annotation not found in type rulefmt.RuleNode
//   rules.yml: 3:5: groupname: "yolo" is repeated in the same file
// Positions are 1-based line:column of the offending YAML node.
//
// Thread safety: functions are reentrant; results are plain values.

#ifndef VIGIL_LIBRULES_RULE_FILE_H_
#define VIGIL_LIBRULES_RULE_FILE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::rules {

// Which label names are valid: Prometheus 3.x accepts any UTF-8 name,
// 2.x (and 3.x with metric_name_validation_scheme: legacy) only
// [a-zA-Z_][a-zA-Z0-9_]*.
enum class NameValidation { kUtf8, kLegacy };

struct RuleFileOptions {
  NameValidation name_validation = NameValidation::kUtf8;
  // promtool --ignore-unknown-fields: unknown keys are not errors.
  bool ignore_unknown_fields = false;
  // Checks a rule's expression; returns InvalidArgument with the parser's
  // message ("1:6: parse error: ..."), which is reported as
  // `could not parse expression: <message>` at the expr's position. Unset:
  // expressions are only checked for being non-empty.
  std::function<absl::Status(absl::string_view expr)> check_expr;
  // Parse label and annotation templates of alerting rules (promtool does).
  bool check_templates = true;
};

// 1-based position in the file; 0:0 when the key was absent.
struct Position {
  int line = 0;
  int column = 0;
};

struct RuleNode {
  std::string record;
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  // Sorted by name.
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  Position pos;  // the rule mapping
  Position record_pos, alert_pos, expr_pos;

  bool is_alert() const { return !alert.empty(); }
  // The alert name for alerting rules, the record name otherwise.
  const std::string& name() const { return alert.empty() ? record : alert; }
};

struct RuleGroupNode {
  std::string name;
  std::optional<int64_t> interval_ms;      // unset: the global default
  std::optional<int64_t> query_offset_ms;  // unset: the global default
  int limit = 0;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted
  std::vector<RuleNode> rules;
  Position pos;
};

struct RuleFile {
  std::string path;
  std::vector<RuleGroupNode> groups;
};

// Parses and validates the YAML text of one rule file; `path` names it in
// errors. An empty document is a file without groups.
absl::StatusOr<RuleFile> ParseRuleFile(absl::string_view content,
                                       absl::string_view path,
                                       const RuleFileOptions& options = {});

// Reads and parses one file (NotFound / PermissionDenied when it cannot be
// read, with the path in the message; files over 64 MiB are
// ResourceExhausted).
absl::StatusOr<RuleFile> LoadRuleFile(absl::string_view path,
                                      const RuleFileOptions& options = {});

// Expands each pattern as a shell glob (a pattern without matches is not
// an error, as in Prometheus), loads every matched file once, in sorted
// order per pattern. All files are checked; the error lists every failing
// file.
absl::StatusOr<std::vector<RuleFile>> LoadRuleFiles(
    const std::vector<std::string>& patterns,
    const RuleFileOptions& options = {});

// Duplicate rules in one file (same name and labels), as `promtool check
// rules` lints them: one "name{labels}" entry per duplicate.
std::vector<std::string> FindDuplicateRules(const RuleFile& file);

}  // namespace vigil::rules

#endif  // VIGIL_LIBRULES_RULE_FILE_H_
