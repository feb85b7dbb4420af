// A parser for Prometheus's `.test` script language (promqltest), as
// /work/shared/conformance/README.md §1 specifies: `load <interval>` and
// `load_with_nhcb <interval>` blocks with series expansion (`a+bxN`, `_`,
// `_xN`, `stale`, `Inf`, `NaN`, native histogram literals `{{...}}`),
// `clear`, `eval instant at <t> <expr>`, `eval range from <t> to <t> step
// <d> <expr>`, the legacy `eval_fail` / `eval_ordered` / `eval_warn` /
// `eval_info` forms and every `expect ...` line.
//
//   absl::StatusOr<Script> s = ParseScript(file_contents);
//
// The parser accepts every construct of the v3.14.0 scripts. Things the
// engine does not evaluate (native histograms, start timestamps) are kept
// as flags (`has_histogram`, `has_start_timestamps`) so the runner can
// count the affected evals as skipped instead of passing or failing them.
//
// Errors: InvalidArgument naming the line (`line 12: ...`).
//
// Thread safety: the functions are pure; the result is a plain value.

#ifndef VIGIL_LIBPROMQL_PROMQLTEST_SCRIPT_H_
#define VIGIL_LIBPROMQL_PROMQLTEST_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/labels.h"

namespace vigil::promql::promqltest {

// One position of a value sequence: a float, or nothing (`_`). Stale
// markers are floats with the stale NaN bits. Histogram positions are
// nullopt with `histogram` set.
struct SequenceValue {
  bool omitted = false;    // `_`
  bool histogram = false;  // `{{...}}` (not evaluated; value unused)
  double value = 0;
};

// `<series> <values>` as in load blocks and expected results.
struct SeriesLine {
  model::Labels labels;
  std::vector<SequenceValue> values;
  bool has_histogram = false;
  int line = 0;
};

struct LoadCommand {
  int64_t interval_ms = 0;
  bool with_nhcb = false;
  std::vector<SeriesLine> series;
  // `metric{...}@st ...` lines were present (start timestamps).
  bool has_start_timestamps = false;
};

// How an annotation expectation (`expect warn`, `expect info`) matches.
struct AnnotationExpectation {
  enum class Mode { kAny, kMessage, kRegex };
  Mode mode = Mode::kAny;
  std::string text;
};

struct EvalCommand {
  int line = 0;
  std::string expr;
  bool is_range = false;
  int64_t start_ms = 0;  // instant: the evaluation time
  int64_t end_ms = 0;
  int64_t step_ms = 0;

  bool expect_fail = false;
  // When set, the error text must equal (kMessage) or contain a match of
  // (kRegex) this.
  std::optional<AnnotationExpectation> fail_match;

  std::vector<AnnotationExpectation> expect_warn;
  std::vector<AnnotationExpectation> expect_info;
  bool expect_no_warn = false;
  bool expect_no_info = false;
  bool ordered = false;

  std::optional<double> expect_scalar;
  std::optional<std::string> expect_string;
  // `expect range vector from <t> to <t> step <d>`.
  bool expect_range_vector = false;
  int64_t rv_start_ms = 0, rv_end_ms = 0, rv_step_ms = 0;

  std::vector<SeriesLine> expected;
  bool expected_has_histogram = false;
};

struct Command {
  enum class Kind { kClear, kLoad, kEval };
  Kind kind = Kind::kClear;
  int line = 0;
  LoadCommand load;
  EvalCommand eval;
};

struct Script {
  std::vector<Command> commands;
};

absl::StatusOr<Script> ParseScript(absl::string_view text);

// Parses `name`, `name{l="v", ...}` or `{l="v", "utf8.name", ...}` from
// the start of `s`; on success advances `s` past it.
absl::StatusOr<model::Labels> ParseSeriesDescription(absl::string_view* s);

// Parses a space-separated value sequence (§1.4) into positions.
absl::StatusOr<std::vector<SequenceValue>> ParseValueSequence(
    absl::string_view s);

// A number as the scripts write one: decimal, hex integer, Inf, NaN
// (case-insensitive, optional sign).
std::optional<double> ParseNumber(absl::string_view s);

// Decodes a PromQL string literal ("...", '...' or `...`) with escapes.
absl::StatusOr<std::string> UnquoteString(absl::string_view s);

}  // namespace vigil::promql::promqltest

#endif  // VIGIL_LIBPROMQL_PROMQLTEST_SCRIPT_H_
