// What this server supports, in the registry shape Prometheus 3.x answers
// on /api/v1/features (util/features): category ("api", "promql",
// "promql_functions", "promql_operators", "rules", "scrape", "tsdb", ...)
// -> feature name -> enabled. Names are Prometheus's; a feature Vigil
// lacks is listed as false where Prometheus lists it, so a client can tell
// "not supported" from "unknown". PromQL functions are true when the
// evaluator implements them (the native-histogram ones and the
// experimental integral() are false).
//
// Thread safety: pure functions.

#ifndef VIGIL_EXAMPLES_SERVER_FEATURES_H_
#define VIGIL_EXAMPLES_SERVER_FEATURES_H_

#include "absl/strings/string_view.h"
#include "examples/server/api_v1.h"

namespace vigil::server {

// The switches that depend on flags.
struct FeatureFlags {
  bool lifecycle = false;              // --web.enable-lifecycle
  bool admin = false;                  // --web.enable-admin-api
  bool remote_write_receiver = false;  // --web.enable-remote-write-receiver
};

FeatureMap ServerFeatures(const FeatureFlags& flags);

// Whether the evaluator implements the PromQL function `name` (only
// functions of the parser's table are asked about).
bool PromqlFunctionSupported(absl::string_view name);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_FEATURES_H_
