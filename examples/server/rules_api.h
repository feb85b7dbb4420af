// JSON of /api/v1/rules and /api/v1/alerts from a librules Manager, in
// Prometheus's shapes:
//
//   {"groups":[{"name":..,"file":..,"rules":[{"state":"firing","name":..,
//     "query":..,"duration":60,"labels":{},"annotations":{},"alerts":[..],
//     "health":"ok","evaluationTime":0.001,"lastEvaluation":"..Z",
//     "type":"alerting"}],"interval":5,"limit":0,"evaluationTime":..,
//     "lastEvaluation":".."}]}
//   {"alerts":[{"labels":{},"annotations":{},"state":"firing",
//     "activeAt":"2026-01-01T00:00:00Z","value":"1e+00"}]}
//
// Filters of /api/v1/rules: type=alert|record, rule_name[], rule_group[],
// file[], exclude_alerts=true.
//
// Thread safety: reentrant; reads the manager's snapshot.

#ifndef VIGIL_EXAMPLES_SERVER_RULES_API_H_
#define VIGIL_EXAMPLES_SERVER_RULES_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "libweb/http/router.h"
#include "librules/manager.h"

namespace vigil::server {

// data of /api/v1/rules; InvalidArgument for a bad `type`.
absl::StatusOr<std::string> RulesJson(const rules::Manager& manager,
                                      const web::Request& req);

// data of /api/v1/alerts.
std::string AlertsJson(const rules::Manager& manager);

// Go's RFC 3339 with nanoseconds, trailing zeros trimmed ("...05.1Z").
std::string FormatRfc3339Nano(int64_t ms);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_RULES_API_H_
