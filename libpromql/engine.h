// The PromQL engine: parses and evaluates instant and range queries over
// any storage::Queryable.
//
//   promql::Engine engine(promql::EngineOptions{});
//   absl::StatusOr<promql::QueryResult> r =
//       engine.InstantQuery(&storage, "sum by (job) (rate(x[5m]))", now_ms);
//
// Errors: InvalidArgument for a query that does not parse or type-check
// (the message is Prometheus's, with position: `1:14: parse error: ...`);
// ResourceExhausted when the query would load more than max_samples;
// DeadlineExceeded on timeout; Cancelled when cancelled; Unavailable /
// other codes from storage pass through; FailedPrecondition for evaluation
// errors Prometheus reports as "execution" (e.g. many-to-many matching).
//
// Thread safety: an Engine may run many queries concurrently, up to
// max_concurrent; further queries wait for a slot.

#ifndef VIGIL_LIBPROMQL_ENGINE_H_
#define VIGIL_LIBPROMQL_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libpromql/parser/parser.h"
#include "libpromql/value.h"
#include "libtsdb/storage/querier.h"

namespace vigil::promql {

// Per-query statistics, as `stats=all` in the HTTP API shows.
struct QueryStats {
  int64_t total_samples = 0;  // samples loaded from storage
  int64_t peak_samples = 0;
  absl::Duration parse_time;
  absl::Duration queue_time;
  absl::Duration eval_time;
};

struct EngineOptions {
  // How far back an instant selector looks for the latest sample.
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Most samples one query may hold in memory at once.
  int64_t max_samples = 50000000;
  absl::Duration timeout = absl::Minutes(2);
  // Queries evaluated at once; more wait.
  int max_concurrent = 20;
  // Step of a subquery written without one (`x[5m:]`), Prometheus's
  // global evaluation_interval.
  int64_t default_subquery_step_ms = 60 * 1000;
  // Prometheus's experimental syntax switches (all on by default, as the
  // v3.14.0 conformance scripts assume); a query using a disabled feature
  // fails to parse with InvalidArgument.
  parser::ParseOptions parse_options;
  // Optional, thread-safe: called with the statistics of every query that
  // was evaluated (prometheus_engine_query_duration_seconds{slice}).
  std::function<void(const QueryStats&)> observe_query;
};

// The engine's counts for the server's prometheus_engine_* metrics.
struct EngineStats {
  int queries = 0;                 // running or waiting for a slot
  int queries_concurrent_max = 0;  // EngineOptions::max_concurrent
  uint64_t query_samples_total = 0;  // samples loaded by all queries
};

struct QueryResult {
  Value value;
  // Annotations Prometheus returns beside the data.
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  QueryStats stats;
};

// Lets a caller stop a running query from another thread.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct QueryOptions {
  // Overrides EngineOptions::lookback_delta_ms when > 0.
  int64_t lookback_delta_ms = 0;
  const CancelToken* cancel = nullptr;
};

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Evaluates `query` at `time_ms`.
  absl::StatusOr<QueryResult> InstantQuery(storage::Queryable* storage,
                                           absl::string_view query,
                                           int64_t time_ms,
                                           const QueryOptions& opts = {});

  // Evaluates `query` at start, start+step, ..., up to end; the result is a
  // Matrix (or InvalidArgument when the expression is not a scalar or
  // instant vector: "invalid expression type ... for range query").
  absl::StatusOr<QueryResult> RangeQuery(storage::Queryable* storage,
                                         absl::string_view query,
                                         int64_t start_ms, int64_t end_ms,
                                         int64_t step_ms,
                                         const QueryOptions& opts = {});

  const EngineOptions& options() const { return options_; }
  EngineStats Stats() const;

 private:
  struct Slots;
  absl::StatusOr<QueryResult> Run(storage::Queryable* storage,
                                  absl::string_view query, int64_t start_ms,
                                  int64_t end_ms, int64_t step_ms,
                                  const QueryOptions& opts);

  EngineOptions options_;
  std::unique_ptr<Slots> slots_;
};

}  // namespace vigil::promql

#endif  // VIGIL_LIBPROMQL_ENGINE_H_
