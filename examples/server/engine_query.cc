#include "examples/server/engine_query.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "examples/server/json_writer.h"
#include "examples/server/promql_json.h"
#include "libpromql/parser/parser.h"
#include "libpromql/parser/printer.h"

namespace vigil::server {
namespace {

// Cancels `token` after `timeout` unless destroyed first.
class Watchdog {
 public:
  Watchdog(promql::CancelToken* token, absl::Duration timeout)
      : thread_([this, token, timeout] {
          std::unique_lock<std::mutex> l(mu_);
          if (!cv_.wait_for(l, absl::ToChronoMilliseconds(timeout),
                            [this] { return done_; })) {
            fired_ = true;
            token->Cancel();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

std::string EncodeQueryStats(const promql::QueryStats& s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("timings");
  w.BeginObject();
  w.Key("evalTotalTime");
  w.Double(Seconds(s.eval_time + s.parse_time));
  w.Key("resultSortTime");
  w.Double(0);
  w.Key("queryPreparationTime");
  w.Double(Seconds(s.parse_time));
  w.Key("innerEvalTime");
  w.Double(Seconds(s.eval_time));
  w.Key("execQueueTime");
  w.Double(Seconds(s.queue_time));
  w.Key("execTotalTime");
  w.Double(Seconds(s.queue_time + s.parse_time + s.eval_time));
  w.EndObject();
  w.Key("samples");
  w.BeginObject();
  w.Key("totalQueryableSamples");
  w.Int(s.total_samples);
  w.Key("peakSamples");
  w.Int(s.peak_samples);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

QueryFunc MakeEngineQueryFunc(promql::Engine* engine,
                              storage::Queryable* queryable) {
  return [engine, queryable](const QueryRequest& q)
             -> absl::StatusOr<QueryResponse> {
    promql::QueryOptions opts;
    opts.lookback_delta_ms = q.lookback_delta_ms;
    promql::CancelToken token;
    std::unique_ptr<Watchdog> watchdog;
    if (q.timeout > absl::ZeroDuration() &&
        q.timeout < engine->options().timeout) {
      opts.cancel = &token;
      watchdog = std::make_unique<Watchdog>(&token, q.timeout);
    }
    absl::StatusOr<promql::QueryResult> r =
        q.range ? engine->RangeQuery(queryable, q.query, q.start_ms, q.end_ms,
                                     q.step_ms, opts)
                : engine->InstantQuery(queryable, q.query, q.time_ms, opts);
    bool timed_out = watchdog != nullptr && watchdog->fired();
    watchdog.reset();
    if (!r.ok()) {
      if (timed_out && r.status().code() == absl::StatusCode::kCancelled) {
        return absl::DeadlineExceededError("query timed out in query execution");
      }
      return r.status();
    }
    QueryResponse out;
    out.result_type = std::string(promql::ValueTypeName(promql::TypeOf(r->value)));
    out.result_json = EncodeQueryResult(r->value);
    if (q.stats) out.stats_json = EncodeQueryStats(r->stats);
    out.warnings = std::move(r->warnings);
    out.infos = std::move(r->infos);
    return out;
  };
}

SelectorParser MakeSelectorParser() {
  return [](absl::string_view s) {
    return promql::parser::ParseMetricSelector(s);
  };
}

absl::StatusOr<std::string> FormatPromQL(absl::string_view query) {
  absl::StatusOr<std::unique_ptr<promql::parser::Expr>> e =
      promql::parser::ParseExpr(query);
  if (!e.ok()) return e.status();
  return promql::parser::Pretty(**e);
}

}  // namespace vigil::server
