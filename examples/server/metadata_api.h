// The metric-metadata endpoints over the scrape manager's active targets
// (each keeps a libscrape MetadataStore), with Prometheus's parameters and
// JSON (the `data` member):
//
//   /api/v1/metadata?limit=&limit_per_metric=&metric=
//     {"<metric>":[{"type":"counter","help":"...","unit":""}, ...], ...}
//     distinct (type, help, unit) per metric over all targets; metrics in
//     name order, at most `limit` of them (negative: all; 0: none), at most
//     `limit_per_metric` entries each (<= 0: all).
//   /api/v1/targets/metadata?match_target=&metric=&limit=
//     [{"target":{<target labels>},"metric":"x","type":...,"help":...,
//       "unit":...}, ...]   ("metric" is left out when `metric` is given)
//     targets matching the `match_target` selector; as in Prometheus the
//     `limit` is checked before each target, so a target's entries are
//     never split.
//
// Errors are InvalidArgument with Prometheus's messages ("limit must be a
// number", "limit_per_metric must be a number", `invalid parameter
// "match_target": ...`), which the API answers as bad_data.
//
// Thread safety: reentrant; the manager may change concurrently.

#ifndef VIGIL_EXAMPLES_SERVER_METADATA_API_H_
#define VIGIL_EXAMPLES_SERVER_METADATA_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "examples/server/api_v1.h"
#include "libweb/http/router.h"
#include "libscrape/manager.h"

namespace vigil::server {

absl::StatusOr<std::string> MetadataJson(const scrape::Manager& manager,
                                         const web::Request& req);

absl::StatusOr<std::string> TargetsMetadataJson(
    const scrape::Manager& manager, const web::Request& req,
    const SelectorParser& parse_selector);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_METADATA_API_H_
