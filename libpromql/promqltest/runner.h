// Runs parsed `.test` scripts (script.h) against the PromQL engine over a
// storage::MemoryStorage, checking every eval as Prometheus's promqltest
// does (README §1.5 of the conformance folder): results matched by label
// set, floats compared with relative tolerance 1e-6, range results point
// by point, `expect fail` / `warn` / `info` / `ordered` / `string` /
// `range vector`.
//
// Evals the engine cannot run yet are counted as *skipped*, never passed:
// those whose expected output holds native histograms, whose query names
// a metric loaded with histogram samples (or via load_with_nhcb) since the
// last `clear`, that follow a load with start timestamps, and those the
// engine answers with an Unimplemented status.
//
//   Runner runner;
//   FileResult r = runner.Run(script);   // r.passed / r.failed / r.skipped
//
// Thread safety: a Runner runs one script at a time.

#ifndef VIGIL_LIBPROMQL_PROMQLTEST_RUNNER_H_
#define VIGIL_LIBPROMQL_PROMQLTEST_RUNNER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libpromql/engine.h"
#include "libpromql/promqltest/script.h"

namespace vigil::promql::promqltest {

struct EvalOutcome {
  enum class Kind { kPassed, kFailed, kSkipped };
  Kind kind = Kind::kPassed;
  int line = 0;
  std::string expr;
  std::string message;  // why it failed or was skipped
  // Core eval: float data only and the query parses with every
  // experimental parser feature off (the README's "core" class).
  bool core = false;
  // Touches native histograms (expected output or selected series).
  bool native_histogram = false;
};

struct FileResult {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::vector<EvalOutcome> outcomes;
  // The reference runner's two extra checks on passing instant evals,
  // counted apart so one problem is not counted twice: the same query as
  // a range query around T, and the query with `@ T` added to every
  // selector run at other evaluation times.
  int range_checked = 0;
  int range_failed = 0;
  int at_checked = 0;
  int at_failed = 0;
  std::vector<EvalOutcome> extra_failures;
  int total() const { return passed + failed + skipped; }
};

// The engine settings the conformance scripts assume: 5m lookback, 10 000
// samples per query, 100 s timeout.
EngineOptions ConformanceEngineOptions();

class Runner {
 public:
  explicit Runner(EngineOptions options = ConformanceEngineOptions());

  // Enables the range-mode and `@` step-invariance cross-checks.
  void set_extra_checks(bool on) { extra_checks_ = on; }

  FileResult Run(const Script& script);

  // Parses and runs; a script that does not parse yields one failed
  // outcome carrying the parse error.
  FileResult RunText(absl::string_view text);

 private:
  EngineOptions options_;
  bool extra_checks_ = false;
};

// Whether two floats are equal under the runner's rules (tolerance 1e-6,
// NaN equals NaN, stale NaN only equals stale NaN).
bool AlmostEqual(double a, double b);

}  // namespace vigil::promql::promqltest

#endif  // VIGIL_LIBPROMQL_PROMQLTEST_RUNNER_H_
