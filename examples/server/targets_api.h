// JSON of /api/v1/targets from a libscrape Manager, in Prometheus's shape:
//
//   {"activeTargets":[{"discoveredLabels":{..},"labels":{..},
//     "scrapePool":"job","scrapeUrl":"http://h:9100/metrics",
//     "globalUrl":"http://h:9100/metrics","lastError":"",
//     "lastScrape":"2026-..Z","lastScrapeDuration":0.0012,"health":"up",
//     "scrapeInterval":"15s","scrapeTimeout":"10s"}],
//    "droppedTargets":[{"discoveredLabels":{..}}]}
//
// Parameters: state=active|dropped|any (default any), scrapePool=<job>.
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_TARGETS_API_H_
#define VIGIL_EXAMPLES_SERVER_TARGETS_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "httplib.h"
#include "libscrape/manager.h"

namespace vigil::server {

absl::StatusOr<std::string> TargetsJson(const scrape::Manager& manager,
                                        const httplib::Request& req);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_TARGETS_API_H_
